"""SQLite under concurrent writers: a transaction waits for the write lock (``BEGIN IMMEDIATE`` + busy_timeout, in
app.db) and a lock held past busy_timeout leaves as a 503 problem+json with Retry-After, never a bare 500. These
tests use their own SQLite file whatever the suite's database is (the lock semantics are SQLite's). PostgreSQL's
transient failures (deadlock, serialization, lock timeout: rolled back by the server) answer the same 503."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import psycopg.errors
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.exc import DataError, OperationalError

import microcred.app.db.engine
from microcred.app import Settings, create_app
from microcred.app.db.migrate import upgrade
from tests.app.factories import ADMIN_TOKEN, KEK

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _body(slug: str) -> dict[str, str]:
    return {"slug": slug, "name": f"University {slug}", "url": f"https://{slug}.example", "country": "IE"}


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "busy.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_app(tmp_path: Path, sqlite_file: Path) -> Iterator[FastAPI]:
    settings = Settings(
        mode="dev",
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{sqlite_file}",
        key_encryption_key=SecretStr(KEK),
        admin_token=SecretStr(ADMIN_TOKEN),
        public_base_url="http://testserver",
    )
    application = create_app(settings)
    yield application
    application.state.services.engine.dispose()


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another process's writer, as SQLite sees it: a connection holding the write lock."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("PRAGMA user_version")
    return holder


def test_writer_waits_for_the_lock_instead_of_failing(sqlite_app: FastAPI, sqlite_file: Path) -> None:
    holder = _hold_write_lock(sqlite_file)
    released = threading.Timer(0.4, holder.commit)
    with TestClient(sqlite_app, raise_server_exceptions=False) as client:
        started = time.perf_counter()
        released.start()
        response = client.post("/admin/institutions", json=_body("uni-a"), headers=ADMIN)
        waited = time.perf_counter() - started
    released.join()
    holder.close()
    assert response.status_code == 201, response.text
    assert waited >= 0.3  # it queued behind the other writer


def test_lock_held_past_busy_timeout_is_503_with_retry_after(
    sqlite_app: FastAPI, sqlite_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        microcred.app.db.engine, "BUSY_TIMEOUT_MS", 50
    )  # read by each new connection's PRAGMA
    sqlite_app.state.services.engine.dispose()
    holder = _hold_write_lock(sqlite_file)
    try:
        with TestClient(sqlite_app, raise_server_exceptions=False) as client:
            response = client.post("/admin/institutions", json=_body("uni-a"), headers=ADMIN)
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["retry-after"] == "1"
            body = response.json()
            assert body["status"] == 503
            assert body["type"] == "https://microcred.eu/problems/database-busy"
            assert "Traceback" not in response.text
            assert "sqlite" not in response.text.lower()
            holder.rollback()
            again = client.post("/admin/institutions", json=_body("uni-a"), headers=ADMIN)
            assert again.status_code == 201, again.text
    finally:
        holder.close()


def test_other_operational_errors_stay_a_generic_500(sqlite_app: FastAPI) -> None:
    def broken() -> None:
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("disk I/O error"))

    sqlite_app.add_api_route("/test-broken", broken)
    with TestClient(sqlite_app, raise_server_exceptions=False) as client:
        response = client.get("/test-broken")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "retry-after" not in response.headers
    assert "disk" not in response.text


@pytest.mark.parametrize(
    "error",
    [
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access due to concurrent update"),
        psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
    ],
)
def test_postgresql_deadlocks_and_serialization_failures_are_503_with_retry_after(
    sqlite_app: FastAPI, error: Exception
) -> None:
    def rolled_back() -> None:
        raise OperationalError("UPDATE status_list SET version = version + 1", {}, error)

    sqlite_app.add_api_route("/test-rolled-back", rolled_back)
    with TestClient(sqlite_app, raise_server_exceptions=False) as client:
        response = client.get("/test-rolled-back")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"] == "https://microcred.eu/problems/database-busy"
    assert "status_list" not in response.text


def test_readiness_does_not_wait_for_the_write_lock(
    sqlite_app: FastAPI, sqlite_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        microcred.app.db.engine, "BUSY_TIMEOUT_MS", 200
    )  # a probe that queued for the lock would fail here
    sqlite_app.state.services.engine.dispose()
    holder = _hold_write_lock(sqlite_file)
    try:
        with TestClient(sqlite_app, raise_server_exceptions=False) as client:
            assert client.get("/readyz").status_code == 200
    finally:
        holder.close()


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"), "NUL character"),
        (psycopg.errors.NumericValueOutOfRange("value out of range for type integer"), "cannot be stored"),
    ],
)
def test_a_value_the_database_refuses_is_a_422_problem(
    sqlite_app: FastAPI, error: Exception, said: str
) -> None:
    """PostgreSQL refuses NUL in text and out-of-range numbers (SQLite takes them): a client error, not a 500."""

    def refused() -> None:
        raise DataError("SELECT achievement.id FROM achievement WHERE public_id = %(p)s", {}, error)

    sqlite_app.add_api_route("/test-refused", refused)
    with TestClient(sqlite_app, raise_server_exceptions=False) as client:
        response = client.get("/test-refused")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert said in response.json()["detail"]
    assert "achievement" not in response.text
    assert "SELECT" not in response.text
