"""Page render times (issue 9, point 6): each page people use, rendered server-side, p50 / p95 / max in ms.

Run: ``.venv/bin/python bench/pages.py`` (``--requests`` per page, default 200). Wall-clock latency and this
process's CPU time per request are printed with the load average: other work on the machine inflates the former.

Both apps run in this process (ASGI through Starlette's TestClient, so no socket time is counted; the database is
a temporary SQLite file); the verifier's guarded client reaches the issuer app in process, as in
tests/app/verification/test_verifier_e2e.py, so the result pages include a complete verification (did:web document and status
list fetched once, then cached as in production). Figures go into docs/benchmarks.md (## Pages).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from microcred.app import Settings, create_app
from microcred.app.db.migrate import upgrade
from microcred.app.main import create_verifier_app
from microcred.app.verification.service import build_verifier
from microcred.issuer import DEMO_ACHIEVEMENT
from microcred.verifier.trust import TrustAnswer

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
KEK = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  # a benchmark KEK (bytes 0..31), never a real one


@dataclasses.dataclass(frozen=True)
class Listed:
    issuer: str

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        return TrustAnswer(issuer == self.issuer, "bench", "listed")


def measure(name: str, call: Callable[[], Any], requests: int) -> dict[str, Any]:
    for _ in range(5):
        call()
    times = []
    cpu_started = time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (name, response.status_code, response.text[:300])
    cpu = (time.process_time() - cpu_started) * 1000 / requests
    times.sort()
    return {
        "page": name,
        "cpu": cpu,
        "p50": statistics.median(times),
        "p95": times[int(0.95 * (len(times) - 1))],
        "max": times[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/bench.db"
        upgrade(database)
        settings = Settings(
            mode="dev",
            data_dir=Path(tmp) / "var",
            database_url=database,
            key_encryption_key=SecretStr(KEK),
            admin_token=SecretStr("bench-admin-token-0123456789abcdef"),
            public_base_url="http://testserver",
            log_level="WARNING",
            rate_limit_enabled=False,  # one client, many requests
        )
        issuer_app = create_app(settings)
        with TestClient(issuer_app) as issuer:
            created = issuer.post(
                "/admin/institutions",
                json={
                    "slug": "demo",
                    "name": "Demo University",
                    "url": "https://demo.example",
                    "country": "IE",
                },
                headers={"Authorization": "Bearer bench-admin-token-0123456789abcdef"},
            ).json()
            headers = {"Authorization": f"Bearer {created['apiKey']['key']}"}
            achievement = issuer.post("/achievements", json=DEMO_ACHIEVEMENT, headers=headers).json()
            subject = {
                "achievement": {"id": achievement["id"]},
                "identifier": [
                    {
                        "type": "IdentityObject",
                        "identityType": "emailAddress",
                        "hashed": False,
                        "identityHash": "ana@example.org",
                    },
                    {
                        "type": "IdentityObject",
                        "identityType": "name",
                        "hashed": False,
                        "identityHash": "Ana",
                    },
                ],
            }
            issued = issuer.post(
                "/credentials/issue", json={"credential": {"credentialSubject": subject}}, headers=headers
            ).json()
            page = issued["learnerPage"]
            png = issuer.get(f"{page}/badge.png").content
            verifier_app = create_verifier_app(settings)
            verifier_app.state.verifier = dataclasses.replace(
                build_verifier(settings, client=issuer, resolve=lambda host, port: ["127.0.0.1"]),
                trust=Listed(created["did"]),
            )
            with TestClient(verifier_app) as verifier:
                pages: list[tuple[str, Callable[[], Any]]] = [
                    ("verifier home `GET /`", lambda: verifier.get("/", headers=HTML)),
                    (
                        "verifier result, baked PNG upload (full verification)",
                        lambda: verifier.post(
                            "/check", files={"file": ("b.png", png, "image/png")}, headers=HTML
                        ),
                    ),
                    (
                        "verifier result, `GET /?url=` (fetch + verification)",
                        lambda: verifier.get("/", params={"url": f"{page}/credential.json"}, headers=HTML),
                    ),
                    ("learner page", lambda: issuer.get(page, headers=HTML)),
                    ("badge PNG (baked)", lambda: issuer.get(f"{page}/badge.png")),
                    ("badge SVG (baked)", lambda: issuer.get(f"{page}/badge.svg")),
                    ("catalogue", lambda: issuer.get("/catalogue", headers=HTML)),
                    ("achievement", lambda: issuer.get(achievement["id"], headers=HTML)),
                    ("issuer profile", lambda: issuer.get("/issuers/demo", headers=HTML)),
                ]
                rows = [measure(name, call, args.requests) for name, call in pages]
    load = os.getloadavg()[0]
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, load average {load:.1f} at the end of the run, "
        f"Python {platform.python_version()}, {args.requests} requests per page"
    )
    print("| page | p50 ms | p95 ms | max ms | CPU ms / request |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['page']} | {row['p50']:.1f} | {row['p95']:.1f} | {row['max']:.1f} | {row['cpu']:.1f} |"
        )


if __name__ == "__main__":
    main()
