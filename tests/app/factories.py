"""Shared by the app tests and the security/reliability tests that run the app: settings for a test database,
the app and its client, the admin header and a new institution (fixtures: conftests re-export them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from microcred.app import Settings, create_app
from microcred.app.db.migrate import upgrade

KEK = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  # bytes 0..31, base64url: a test KEK, never a real one
ADMIN_TOKEN = "test-admin-token-0123456789abcdef"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Dev settings on the migrated test database, with a known KEK and admin token."""
    upgrade(database_url)
    return Settings(
        mode="dev",
        data_dir=tmp_path / "var",
        database_url=database_url,
        key_encryption_key=SecretStr(KEK),
        admin_token=SecretStr(ADMIN_TOKEN),
        public_base_url="http://testserver",
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    """The issuer app under test."""
    app = create_app(settings)
    yield app
    app.state.services.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client that sees 500 responses instead of re-raised server errors."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def admin() -> dict[str, str]:
    """The admin Authorization header."""
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def new_institution(client: TestClient, admin: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Create an institution through the admin API; returns the 201 body (with its one-time API key)."""

    def make(slug: str = "uni-a", **fields: Any) -> dict[str, Any]:
        body = {"slug": slug, "name": f"University {slug}", "url": f"https://{slug}.example", "country": "IE"}
        body.update(fields)
        response = client.post("/admin/institutions", json=body, headers=admin)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    return make
