"""An unreachable database is a 503 problem+json with Retry-After on every route that needs it, never a 500, and
the service recovers by itself once the database is back (no restart).

PostgreSQL: the app reaches the suite's server through a TCP forwarder the test cuts (listener closed, open
connections reset) and restores; a URL whose port has nothing listening is refused at once. SQLite has no server
to lose: there the realistic outage is a pool with no free connection (``pool_timeout``), tested on both."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine, func, make_url, select
from sqlalchemy.orm import sessionmaker

from microcred.app import Settings, create_app
from microcred.app.db.engine import make_engine
from microcred.app.db.migrate import upgrade
from microcred.app.db.tables import IssuedCredential
from tests.app.factories import ADMIN_TOKEN, KEK
from tests.factories import POSTGRES_URL
from tests.issuer.factories import DID_KEY, Issuing, issuing

from .tcp_proxy import TcpProxy

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(
        mode="dev",
        data_dir=tmp_path / "var",
        database_url=url,
        key_encryption_key=SecretStr(KEK),
        admin_token=SecretStr(ADMIN_TOKEN),
        public_base_url="http://testserver",
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: a connection there is refused


def _institution(client: TestClient, slug: str = "uni-a") -> dict[str, Any]:
    body = {"slug": slug, "name": f"University {slug}", "url": f"https://{slug}.example", "country": "IE"}
    response = client.post("/admin/institutions", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _requests(it: Issuing | None) -> list[Callable[[TestClient], httpx.Response]]:
    """Requests that need the database: admin, issuing, status change, batches, catalogue, an HTML page."""
    headers = it.headers if it else {"Authorization": "Bearer mc_abcdefgh_0123456789abcdef0123456789abcdef"}
    subject = it.subject(id=DID_KEY) if it else {"credentialSubject": {}}
    achievement = it.achievement_id if it else "x"
    return [
        lambda c: c.post("/admin/institutions", json={"slug": "uni-z", "name": "Z", "url": "https://z.example",
                                                      "country": "IE"}, headers=ADMIN),
        lambda c: c.get("/admin/institutions", headers=ADMIN),
        lambda c: c.post("/credentials/issue", json={"credential": subject}, headers=headers),
        lambda c: c.post(
            "/credentials/status",
            json={"credentialId": "urn:uuid:00000000-0000-4000-8000-000000000000",
                  "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
                  "status": True},
            headers=headers,
        ),
        lambda c: c.post(f"/batches?achievement={achievement}", content=b"email\na@example.org\n",
                         headers={**headers, "Content-Type": "text/csv"}),
        lambda c: c.get("/batches/00000000-0000-4000-8000-000000000000", headers=headers),
        lambda c: c.get("/catalogue", headers={"Accept": "application/json"}),
        lambda c: c.get("/issuers/uni-a/did.json"),
    ]  # fmt: skip


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.request.url, response.status_code, response.text[:300])
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    problem = response.json()
    assert problem["status"] == 503
    assert problem["type"].endswith("database-unavailable")


def test_unreachable_postgresql_answers_503_on_every_route(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://microcred@127.0.0.1:{_closed_port()}/microcred"
    application = create_app(_settings(tmp_path, url))
    try:
        with TestClient(application, raise_server_exceptions=False) as client:
            for send in _requests(None):
                _assert_unavailable(send(client))
            assert client.get("/readyz").status_code == 503
            assert client.get("/healthz").status_code == 200  # liveness does not need the database
    finally:
        application.state.services.engine.dispose()


def _count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(IssuedCredential)) or 0)
    finally:
        engine.dispose()


def test_no_free_connection_answers_503_then_recovers(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every pooled connection busy past pool_timeout (a hung database, or one too slow to answer): 503, and the
    next request after a connection is free succeeds (suite database: SQLite file or PostgreSQL)."""
    upgrade(database_url)
    application = create_app(_settings(tmp_path, database_url))
    services = application.state.services
    own = services.engine
    # A one-connection pool with a short wait stands in for the default pool, so the test needs no 30 s wait.
    small = create_engine(make_url(database_url), pool_size=1, max_overflow=0, pool_timeout=0.3)
    try:
        with TestClient(application, raise_server_exceptions=False) as client:
            it = issuing(client, _institution(client))
            monkeypatch.setattr(services, "engine", small)
            monkeypatch.setattr(services, "sessions", sessionmaker(small, expire_on_commit=False))
            held = small.connect()
            try:
                for send in _requests(it):
                    _assert_unavailable(send(client))
            finally:
                held.close()
            response = it.issue(it.subject(id=DID_KEY))
            assert response.status_code == 201, response.text
    finally:
        small.dispose()
        own.dispose()
    assert _count(database_url) == 1


if POSTGRES_URL:  # a server to lose: the PostgreSQL suite (.ci/postgres.sh)

    @pytest.fixture
    def proxied(tmp_path: Path, database_url: str) -> Iterator[tuple[FastAPI, TcpProxy]]:
        upgrade(database_url)
        real = make_url(database_url)
        proxy = TcpProxy((real.host or "127.0.0.1", real.port or 5432))
        url = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        application = create_app(_settings(tmp_path, url))
        yield application, proxy
        proxy.close()
        application.state.services.engine.dispose()

    def test_postgresql_outage_is_503_and_recovers_without_restart(
        proxied: tuple[FastAPI, TcpProxy], database_url: str
    ) -> None:
        application, proxy = proxied
        with TestClient(application, raise_server_exceptions=False) as client:
            it = issuing(client, _institution(client))
            first = it.issue(it.subject(id=DID_KEY))
            assert first.status_code == 201, first.text
            credential_id = first.json()["verifiableCredential"]["id"]
            proxy.cut()  # the pooled connections die with it
            for _ in range(2):
                for send in _requests(it):
                    _assert_unavailable(send(client))
            assert client.get("/readyz").status_code == 503
            proxy.restore()
            assert client.get("/readyz").status_code == 200
            again = it.issue(it.subject(id=DID_KEY))
            assert again.status_code == 201, again.text
            revoke = client.post(
                "/credentials/status",
                json={"credentialId": credential_id,
                      "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
                      "status": True},
                headers=it.headers,
            )  # fmt: skip
            assert revoke.status_code == 200, revoke.text
        assert _count(database_url) == 2  # nothing half-written during the outage

    def test_concurrent_requests_during_an_outage_are_all_503(proxied: tuple[FastAPI, TcpProxy]) -> None:
        application, proxy = proxied
        with TestClient(application, raise_server_exceptions=False) as client:
            it = issuing(client, _institution(client))
            proxy.cut()
            codes: list[int] = []
            lock = threading.Lock()

            def send() -> None:
                for _ in range(4):
                    status = it.issue(it.subject(id=DID_KEY)).status_code
                    with lock:
                        codes.append(status)

            threads = [threading.Thread(target=send) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert codes == [503] * 32
            proxy.restore()
            assert it.issue(it.subject(id=DID_KEY)).status_code == 201
