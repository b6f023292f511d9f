"""The issuer's event loop is never blocked by request work: /healthz answers fast while a 100,000-row CSV upload
is parsed (POST /batches) and while TRQP queries are answered (POST /registry/authorization)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from microcred.app import Settings, create_app
from tests.app.factories import admin as admin
from tests.app.factories import new_institution as new_institution
from tests.app.factories import settings as settings
from tests.issuer.factories import issuing
from tests.security.runtime_server import healthz_latencies, serving, serving_process

# The parse runs in a worker thread of the server process and shares its GIL (and two cores with whatever else
# runs): answers take a few ms, with occasional spikes of 50-90 ms (garbage collection of the parsed rows). On the
# event loop the whole parse (over a second for this file) held every request.
HEALTHZ_LIMIT = 0.25
ROW = "Ana Example " + "x" * 100 + ",ana@example.org,,Pass,2,2026-06-20T10:00:00Z\n"


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings.model_copy(update={"max_body_bytes": 16_000_000}))
    yield app
    app.state.services.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _while_polling(base: str, send: Any) -> tuple[httpx.Response, float, list[float]]:
    stop = threading.Event()
    latencies: list[float] = []
    poller = threading.Thread(target=lambda: latencies.extend(healthz_latencies(base, stop, every=0.02)))
    poller.start()
    time.sleep(0.1)
    started = time.monotonic()
    try:
        response = send()
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        poller.join()
    return response, elapsed, latencies


def _env(settings: Settings) -> dict[str, str]:
    """The environment that gives a server process the same settings (same database, keys and token)."""
    assert settings.database_url is not None
    assert settings.key_encryption_key is not None
    assert settings.admin_token is not None
    return {
        "MICROCRED_MODE": settings.mode,
        "MICROCRED_DATA_DIR": str(settings.data_dir),
        "MICROCRED_DATABASE_URL": settings.database_url,
        "MICROCRED_KEY_ENCRYPTION_KEY": settings.key_encryption_key.get_secret_value(),
        "MICROCRED_ADMIN_TOKEN": settings.admin_token.get_secret_value(),
        "MICROCRED_PUBLIC_BASE_URL": settings.base_url,
        "MICROCRED_MAX_BODY_BYTES": str(settings.max_body_bytes),
    }


def test_healthz_answers_fast_while_a_100000_row_csv_is_parsed(
    app: FastAPI, client: TestClient, new_institution: Any
) -> None:
    it = issuing(client, new_institution())
    # one row over the maximum: the whole file is read and parsed, then refused (no batch to work afterwards)
    csv = ("name,email,did,grade,ects,assessment_date\n" + ROW * 100_001).encode()
    with serving_process("microcred.app.main:issuer_app_from_env", _env(app.state.services.settings)) as base:
        response, elapsed, latencies = _while_polling(
            base,
            lambda: httpx.post(
                f"{base}/batches",
                params={"achievement": it.achievement_id},
                content=csv,
                headers={**it.headers, "Content-Type": "text/csv"},
                timeout=60,
            ),
        )
    assert response.status_code == 422
    assert "at most 100000 rows" in response.json()["detail"]
    assert len(latencies) >= 3
    assert max(latencies) < HEALTHZ_LIMIT, (
        f"/healthz took up to {max(latencies) * 1000:.0f} ms while the upload took {elapsed:.2f} s"
    )


def test_registry_authorization_is_answered_in_a_worker_thread(app: FastAPI, client: TestClient) -> None:
    query = {
        "entity_id": "did:web:uni.example",
        "authority_id": "did:web:registry.example",
        "action": "issue",
        "resource": "credential",
    }
    threads_seen: list[str] = []
    original = app.state.services.clock

    def clock() -> Any:
        threads_seen.append(threading.current_thread().name)
        return original()

    app.state.services.clock = clock
    with serving(app) as base:
        response = httpx.post(f"{base}/registry/authorization", json=query, timeout=10)
    assert response.status_code == 200
    assert threads_seen
    assert all(name.startswith("AnyIO worker thread") for name in threads_seen), threads_seen
