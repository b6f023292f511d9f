"""Status list speed (issue 7, point 8): status changes/s, entry allocation per credential, list regeneration.

Run: ``.venv/bin/python bench/status.py`` (SQLite in a temp dir) or with ``--database-url postgresql+psycopg://…``
(an empty database; its tables are created and left there). It measures, on one database:

- *allocation*: claiming a random free index (``allocate_entry``) for N credentials, 200 per transaction as bulk
  issuance does, in a fresh 131,072-entry list: ms per credential;
- *changes*: N revocations through ``change_status``, one transaction each (entries locked, list version bumped,
  audit event written, committed): changes/s; and the same over HTTP, ``POST /credentials/status`` through the
  issuer app in-process (API key check, JSON, problem handling): requests/s;
- *regeneration*: publishing a changed list (read the set bits from ``status_entry``, build the bitstring, GZIP and
  multibase it, sign the list credential with eddsa-rdfc-2022, store the signed version) for lists of 131,072 and
  1,048,576 entries with 1 % and 10 % of the bits set: ms per regeneration, split into its steps, and the size of
  the served document.

Wall-clock and CPU (``process_time``) are both printed; the machine's load average is printed first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import insert, select

from microcred.app import Settings, create_app
from microcred.app.achievements.service import create_achievement
from microcred.app.db.engine import make_engine, make_sessions
from microcred.app.db.migrate import upgrade
from microcred.app.db.tables import Institution, IssuedCredential, StatusEntry, StatusList
from microcred.app.institutions.keys import institution_keys
from microcred.app.institutions.service import create_institution
from microcred.app.status.allocation import StatusConfig, allocate_entry, list_url
from microcred.app.status.changes import Actor, change_status
from microcred.app.status.publishing import publish
from microcred.contexts import offline_loader
from microcred.issuer import DEMO_ACHIEVEMENT, AchievementDefinition
from microcred.issuer.status_list import Bitstring, list_credential
from microcred.keys import LocalKeyStore
from microcred.suites import sign

KEK = bytes(range(32))
KEK_TEXT = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
ADMIN = "bench-admin-token-0123456789abcdef"
BASE = "http://testserver"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s, result) of ``work``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def setup(url: str) -> tuple[Any, int, int]:
    """Migrated database, institution bench-u with its key and demo achievement: (sessions, institution id, version id)."""
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        created = create_institution(
            session,
            keystore=LocalKeyStore(KEK),
            base_url=BASE,
            slug=f"bench-{uuid.uuid4().hex[:8]}",
            name="Bench University",
            url="https://bench.example",
            country="IE",
            region=None,
            now=NOW,
        )
        version = create_achievement(
            session,
            institution=created.institution,
            definition=AchievementDefinition.model_validate(DEMO_ACHIEVEMENT),
            base_url=BASE,
            now=NOW,
        )
        return sessions, created.institution.id, version.id


def bench_allocation(sessions: Any, institution_id: int, count: int) -> dict[str, float]:
    config = StatusConfig(base_url=BASE)
    ids: list[str] = []

    def run() -> None:
        for start in range(0, count, 200):
            with sessions.begin() as session:
                institution = session.get(Institution, institution_id)
                for _ in range(min(200, count - start)):
                    public_id = str(uuid.uuid4())
                    allocate_entry(
                        session,
                        institution=institution,
                        purpose="revocation",
                        credential_public_id=public_id,
                        config=config,
                        now=NOW,
                    )
                    ids.append(public_id)

    wall, cpu, _ = timed(run)
    return {
        "credentials": count,
        "ms_per_credential": 1000 * wall / count,
        "cpu_ms_per_credential": 1000 * cpu / count,
    }


def add_credentials(sessions: Any, institution_id: int, version_id: int, count: int) -> list[str]:
    """``count`` issued-credential rows (placeholder documents) with revocation entries, for the change bench."""
    config = StatusConfig(base_url=BASE)
    ids = [str(uuid.uuid4()) for _ in range(count)]
    with sessions.begin() as session:
        institution = session.get(Institution, institution_id)
        session.execute(
            insert(IssuedCredential),
            [
                {
                    "public_id": public_id,
                    "institution_id": institution_id,
                    "achievement_version_id": version_id,
                    "suite": "eddsa-rdfc-2022",
                    "document": "{}",
                    "issued_at": NOW,
                    "valid_from": NOW,
                }
                for public_id in ids
            ],
        )
        for public_id in ids:
            allocate_entry(
                session,
                institution=institution,
                purpose="revocation",
                credential_public_id=public_id,
                config=config,
                now=NOW,
            )
    return ids


def bench_changes(sessions: Any, institution_id: int, ids: list[str]) -> dict[str, float]:
    def run() -> None:
        for public_id in ids:
            with sessions.begin() as session:
                institution = session.get(Institution, institution_id)
                change_status(
                    session,
                    institution=institution,
                    credential_id=public_id,
                    purpose="revocation",
                    status=True,
                    reason="bench",
                    actor=Actor(label="bench"),
                    now=NOW,
                )

    wall, cpu, _ = timed(run)
    return {"changes": len(ids), "per_second": len(ids) / wall, "cpu_ms_per_change": 1000 * cpu / len(ids)}


def bench_http(url: str, tmp: Path, count: int) -> dict[str, float]:
    settings = Settings(
        mode="dev",
        data_dir=tmp / "var",
        database_url=url,
        key_encryption_key=SecretStr(KEK_TEXT),
        admin_token=SecretStr(ADMIN),
        public_base_url=BASE,
        rate_limit_enabled=False,  # one client, many requests
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            slug = f"http-{uuid.uuid4().hex[:8]}"
            created = client.post(
                "/admin/institutions",
                json={"slug": slug, "name": "HTTP University", "url": "https://h.example", "country": "IE"},
                headers={"Authorization": f"Bearer {ADMIN}"},
            ).json()
            headers = {"Authorization": f"Bearer {created['apiKey']['key']}"}
            with app.state.services.sessions() as session:
                institution_id = session.scalar(select(Institution.id).where(Institution.slug == slug))
            achievement = client.post("/achievements", json=DEMO_ACHIEVEMENT, headers=headers).json()
            with app.state.services.sessions() as session:
                from microcred.app.db.tables import AchievementVersion

                version_id = session.scalar(
                    select(AchievementVersion.id).order_by(AchievementVersion.id.desc()).limit(1)
                )
            assert achievement["id"]
            ids = add_credentials(app.state.services.sessions, institution_id, version_id, count)
            latencies: list[float] = []

            def run() -> None:
                for public_id in ids:
                    start = time.perf_counter()
                    response = client.post(
                        "/credentials/status",
                        json={
                            "credentialId": f"urn:uuid:{public_id}",
                            "credentialStatus": {
                                "type": "BitstringStatusListEntry",
                                "statusPurpose": "revocation",
                            },
                            "status": True,
                            "reason": "bench",
                        },
                        headers=headers,
                    )
                    latencies.append(time.perf_counter() - start)
                    assert response.status_code == 200, response.text

            wall, cpu, _ = timed(run)
    finally:
        app.state.services.engine.dispose()
    latencies.sort()
    return {
        "requests": count,
        "per_second": count / wall,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * len(latencies)) - 1],
        "cpu_ms_per_request": 1000 * cpu / count,
    }


def bench_regeneration(
    sessions: Any, institution_id: int, size: int, fraction: float, repeat: int
) -> dict[str, Any]:
    """A list of ``size`` entries with ``fraction`` of them set: publishing after each change, and its steps."""
    rng = random.Random(size)
    set_count = int(size * fraction)
    with sessions.begin() as session:
        status_list = StatusList(
            public_id=str(uuid.uuid4()),
            institution_id=institution_id,
            purpose="revocation",
            sequence=size
            + int(fraction * 1000),  # a sequence of its own, away from the allocation bench's lists
            size=size,
            full=True,
            version=0,
            created_at=NOW,
        )
        session.add(status_list)
        session.flush()
        chosen = rng.sample(range(size), set_count)
        for start in range(0, set_count, 20_000):
            session.execute(
                insert(StatusEntry),
                [
                    {
                        "list_id": status_list.id,
                        "list_index": i,
                        "credential_public_id": f"b{size}-{i}",
                        "status": True,
                    }
                    for i in chosen[start : start + 20_000]
                ],
            )
        list_id, public_id = status_list.id, status_list.public_id
    config = StatusConfig(base_url=BASE)
    keystore = LocalKeyStore(KEK)
    walls: list[float] = []
    cpus: list[float] = []
    size_bytes = 0
    for round_ in range(repeat):
        with sessions.begin() as session:
            session.get(StatusList, list_id).version += 1  # a change: the next read re-signs
        wall, cpu, published = timed(
            lambda r=round_: _publish(sessions, public_id, config, keystore, NOW + timedelta(seconds=r))
        )
        walls.append(wall)
        cpus.append(cpu)
        size_bytes = len(published.document.encode())
    # The steps, in this process: read the set indices, build + encode, sign.
    with sessions() as session:
        read_wall, _, indices = timed(
            lambda: list(
                session.scalars(
                    select(StatusEntry.list_index).where(
                        StatusEntry.list_id == list_id, StatusEntry.status.is_(True)
                    )
                )
            )
        )
        institution = session.get(Institution, institution_id)
        signer = institution_keys(institution).signer(session, keystore=keystore)
    build_wall, _, bits = timed(lambda: Bitstring.with_set(size, indices))
    encode_wall, _, _ = timed(bits.encoded)
    document = list_credential(
        list_url=list_url(BASE, public_id),
        issuer=institution.did,
        purpose="revocation",
        bits=bits,
        valid_from=NOW,
        valid_for=timedelta(hours=1),
        ttl_ms=1000,
    )
    sign_wall, _, _ = timed(lambda: sign(document, signer=signer, loader=offline_loader(), created=NOW))
    return {
        "entries": size,
        "set": set_count,
        "regenerate_ms_median": 1000 * statistics.median(walls),
        "regenerate_cpu_ms_median": 1000 * statistics.median(cpus),
        "steps_ms": {
            "read_set_indices": 1000 * read_wall,
            "build_bitstring": 1000 * build_wall,
            "gzip_multibase": 1000 * encode_wall,
            "sign": 1000 * sign_wall,
        },
        "document_bytes": size_bytes,
    }


def _publish(
    sessions: Any, public_id: str, config: StatusConfig, keystore: LocalKeyStore, now: datetime
) -> Any:
    with sessions.begin() as session:
        return publish(session, list_public_id=public_id, config=config, keystore=keystore, now=now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temp dir)")
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--allocations", type=int, default=2000)
    parser.add_argument("--http", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        print(
            json.dumps(
                {
                    "python": platform.python_version(),
                    "loadavg": os.getloadavg(),
                    "database": url.split(":")[0],
                }
            )
        )
        sessions, institution_id, version_id = setup(url)
        print(json.dumps({"allocation": bench_allocation(sessions, institution_id, args.allocations)}))
        ids = add_credentials(sessions, institution_id, version_id, args.changes)
        print(json.dumps({"changes": bench_changes(sessions, institution_id, ids)}))
        print(json.dumps({"http_changes": bench_http(url, Path(tmp), args.http)}))
        for size in (131_072, 1_048_576):
            for fraction in (0.01, 0.10):
                result = bench_regeneration(sessions, institution_id, size, fraction, args.repeat)
                print(json.dumps({"regeneration": result}))
        print(json.dumps({"loadavg_after": os.getloadavg()}))


if __name__ == "__main__":
    main()
