"""Issuance speed over HTTP (issue 5, point 9): credentials/s one by one and in bulk, and the share spent signing.

Run: ``.venv/bin/python bench/issue.py`` (SQLite in a temp dir) or with ``--database-url postgresql+psycopg://…``
(an empty database). ``--single N`` requests one by one, ``--bulk N`` rows in one batch.

It starts the real issuer app with uvicorn on 127.0.0.1 (a free port), creates an institution and the demo
micro-credential through the API, then measures:

- one by one: N sequential ``POST /credentials/issue`` (keep-alive client): requests/s and latency p50/p95/p99;
- bulk: one ``POST /batches`` with N CSV rows, polling ``GET /batches/{id}`` until every row is done; credentials/s
  from the POST to the last commit (signed and committed), with the app's signing worker processes.

For both it also reads the CPU seconds used by the server and its worker processes (``/proc``), so the figures can be
checked against other load on the machine (the "per CPU second" rate), and it measures ``suites.sign`` alone on the
same credentials in this process to give the share of the work that is signing.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from microcred.app.db.migrate import upgrade
from microcred.contexts import offline_loader
from microcred.issuer import DEMO_ACHIEVEMENT
from microcred.keys import Ed25519Signer
from microcred.suites import sign

ROOT = Path(__file__).resolve().parents[1]
KEK = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  # a bench-only key-encryption key
ADMIN = "bench-admin-token-0123456789abcdef"
DID_KEY = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def tree_cpu_seconds(root_pid: int) -> float:
    """utime + stime + cutime + cstime of ``root_pid`` and every descendant still alive (from /proc), in seconds:
    the CPU of descendants that already exited (signing workers of a finished pool) counts in their reaper's
    cutime/cstime, so it is not lost."""
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        stats[pid] = sum(int(f) for f in fields[11:15]) / TICK
    total, todo = 0.0, [root_pid]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "--factory", "microcred.app.main:issuer_app_from_env",
               "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the issuer app did not start")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def sign_ms(credentials: list[dict[str, Any]]) -> float:
    """Mean ms of ``suites.sign`` alone (CPU time) on the given credentials, re-signed with a fresh key."""
    signer = Ed25519Signer.from_seed(
        secrets.token_bytes(32), verification_method="did:web:bench.example#key-1"
    )
    loader = offline_loader()
    unsigned = [{k: v for k, v in c.items() if k != "proof"} for c in credentials]
    created = datetime.now(UTC)
    for document in unsigned[:10]:
        sign(document, signer=signer, loader=loader, created=created)
    start = time.process_time()
    for document in unsigned:
        sign(document, signer=signer, loader=loader, created=created)
    return (time.process_time() - start) / len(unsigned) * 1000


def breakdown(count: int) -> dict[str, float]:
    """CPU ms per credential of each step of the bulk path, in this process (SQLite in a temp dir, 200 per chunk)."""
    from sqlalchemy import event, insert

    from microcred.app.db.engine import make_engine, make_sessions
    from microcred.app.db.tables import Base, IssuedCredential
    from microcred.issuer import (
        AchievementDefinition,
        Award,
        IssuerProfile,
        Learner,
        achievement_document,
        build_credential,
    )
    from microcred.issuer.completeness import check_before_signing

    definition = AchievementDefinition.model_validate(DEMO_ACHIEVEMENT).normalized()
    achievement = achievement_document(
        definition, achievement_id="https://bench.example/achievements/a/versions/1", version=1
    )
    profile = IssuerProfile(
        did="did:web:bench.example", name="Bench", url="https://bench.example", country="IE"
    )
    signer = Ed25519Signer.from_seed(
        secrets.token_bytes(32), verification_method="did:web:bench.example#key-1"
    )
    loader, now = offline_loader(), datetime.now(UTC)
    spent = {"build": 0.0, "check": 0.0, "sign": 0.0, "serialize": 0.0, "store": 0.0}
    warm = build_credential(
        credential_id="urn:uuid:warm",
        issuer=profile,
        achievement=achievement,
        award=Award(learner=Learner(email="w@example.org"), awarded_date=now, valid_from=now, grade="Pass"),
        salt="warm",
    )
    check_before_signing(warm)  # compiles the schema once
    sign(warm, signer=signer, loader=loader, created=now)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'b.db'}")

        @event.listens_for(engine, "connect")
        def _no_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
            # the rows name no real institution; runs after app.db's pragmas (and outside any transaction)
            dbapi_connection.execute("PRAGMA foreign_keys=OFF")

        with engine.begin() as connection:
            Base.metadata.create_all(connection)
        sessions = make_sessions(engine)
        rows: list[dict[str, Any]] = []
        for i in range(count):
            t0 = time.process_time()
            award = Award(
                learner=Learner(name=f"L{i}", email=f"l{i}@example.org"),
                awarded_date=now,
                valid_from=now,
                grade="Pass",
            )
            unsigned = build_credential(
                credential_id=f"urn:uuid:{i:08d}-0000-4000-8000-000000000000",
                issuer=profile,
                achievement=achievement,
                award=award,
                salt=secrets.token_hex(16),
            )
            t1 = time.process_time()
            check_before_signing(unsigned)
            t2 = time.process_time()
            signed = sign(unsigned, signer=signer, loader=loader, created=now)
            t3 = time.process_time()
            text = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
            t4 = time.process_time()
            rows.append({"public_id": f"{i:036d}", "institution_id": 1, "achievement_version_id": 1, "suite": "eddsa-rdfc-2022",
                         "document": text, "issued_at": now, "valid_from": now, "batch_id": None, "batch_row": i})  # fmt: skip
            if len(rows) == 200 or i == count - 1:
                with sessions.begin() as session:
                    session.execute(insert(IssuedCredential), rows)
                rows = []
            t5 = time.process_time()
            for key, value in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
                spent[key] += value
        engine.dispose()
    return {key: round(value / count * 1000, 3) for key, value in spent.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite in a temp dir)")
    parser.add_argument("--single", type=int, default=500, help="sequential issue requests")
    parser.add_argument("--bulk", type=int, default=5000, help="rows in the batch")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="microcred-bench-") as tmp:
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "MICROCRED_MODE": "dev",
            "MICROCRED_DATA_DIR": str(Path(tmp) / "var"),
            "MICROCRED_DATABASE_URL": database_url,
            "MICROCRED_KEY_ENCRYPTION_KEY": KEK,
            "MICROCRED_ADMIN_TOKEN": ADMIN,
            "MICROCRED_PUBLIC_BASE_URL": base,
            "MICROCRED_LOG_LEVEL": "WARNING",
            "MICROCRED_RATE_LIMIT_ENABLED": "false",  # a benchmark is one client sending thousands of requests
        }
        upgrade(database_url)
        server = start_server(env, port)
        try:
            with httpx.Client(base_url=base, timeout=600) as client:
                created = client.post(
                    "/admin/institutions",
                    json={
                        "slug": "bench",
                        "name": "Bench University",
                        "url": "https://bench.example",
                        "country": "IE",
                    },
                    headers={"Authorization": f"Bearer {ADMIN}"},
                )
                created.raise_for_status()
                auth = {"Authorization": f"Bearer {created.json()['apiKey']['key']}"}
                achievement = client.post("/achievements", json=DEMO_ACHIEVEMENT, headers=auth).json()
                body = {
                    "credential": {
                        "credentialSubject": {"id": DID_KEY, "achievement": {"id": achievement["id"]}}
                    }
                }

                for _ in range(20):  # warm-up
                    client.post("/credentials/issue", json=body, headers=auth).raise_for_status()
                latencies: list[float] = []
                issued: list[dict[str, Any]] = []
                cpu0, wall0 = tree_cpu_seconds(server.pid), time.perf_counter()
                for _ in range(args.single):
                    t = time.perf_counter()
                    response = client.post("/credentials/issue", json=body, headers=auth)
                    latencies.append((time.perf_counter() - t) * 1000)
                    response.raise_for_status()
                    issued.append(response.json()["verifiableCredential"])
                single_wall = time.perf_counter() - wall0
                single_cpu = tree_cpu_seconds(server.pid) - cpu0

                # Baseline: an authenticated GET that issues nothing (framework, middleware, auth, one query).
                cpu0 = tree_cpu_seconds(server.pid)
                for _ in range(args.single):
                    client.get("/institutions/bench", headers=auth).raise_for_status()
                baseline_cpu = tree_cpu_seconds(server.pid) - cpu0

                rows = io.StringIO()
                writer = csv.writer(rows)
                writer.writerow(["name", "email", "grade", "ects"])
                for i in range(args.bulk):
                    writer.writerow([f"Learner {i}", f"learner{i}@example.org", "Pass", "2"])
                cpu0, wall0 = tree_cpu_seconds(server.pid), time.perf_counter()
                started = client.post(
                    "/batches",
                    params={"achievement": achievement["achievementId"]},
                    content=rows.getvalue().encode(),
                    headers={**auth, "Content-Type": "text/csv"},
                )
                started.raise_for_status()
                batch_id = started.json()["id"]
                peak_cpu = 0.0
                while True:
                    status = client.get(f"/batches/{batch_id}", headers=auth).json()
                    peak_cpu = max(peak_cpu, tree_cpu_seconds(server.pid) - cpu0)
                    if status["finished"]:
                        break
                    time.sleep(0.5)
                bulk_wall = time.perf_counter() - wall0
                bulk_cpu = peak_cpu
                assert status["done"] == args.bulk, status
        finally:
            server.terminate()
            server.wait(timeout=30)

    signing = sign_ms(issued[:200])
    steps = breakdown(1000)
    single_rps = args.single / single_wall
    bulk_rps = args.bulk / bulk_wall
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "loadavg": os.getloadavg()},
        "database": "postgresql" if args.database_url else "sqlite",
        "single": {
            "requests": args.single,
            "per_second": round(single_rps, 1),
            "p50_ms": round(statistics.median(latencies), 2),
            "p95_ms": round(percentile(latencies, 95), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "server_cpu_ms_per_credential": round(single_cpu / args.single * 1000, 2),
            "signing_share": round(signing / (single_cpu / args.single * 1000), 2),
            "baseline_get_cpu_ms": round(baseline_cpu / args.single * 1000, 2),
        },
        "bulk": {
            "rows": args.bulk,
            "per_second": round(bulk_rps, 1),
            "seconds": round(bulk_wall, 2),
            "cpu_ms_per_credential": round(bulk_cpu / args.bulk * 1000, 2),
            "per_cpu_second": round(args.bulk / bulk_cpu, 1) if bulk_cpu else None,
            "signing_share": round(signing * args.bulk / 1000 / bulk_cpu, 2) if bulk_cpu else None,
        },
        "sign_ms": round(signing, 3),
        "bulk_cpu_ms_per_credential_in_process": {**steps, "total": round(sum(steps.values()), 3)},
        "bulk_in_process_signing_share": round(steps["sign"] / sum(steps.values()), 2),
        "targets": {"bulk_per_second": 500, "single_p95_ms": 20},
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
