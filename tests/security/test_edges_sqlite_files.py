"""The dev SQLite database and its -wal and -shm files are readable by their owner only (0600), whatever the umask:
created so by migrations and the app, and tightened when an older database was left open to others."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from microcred.app import Settings, create_app
from microcred.app.db.migrate import upgrade
from tests.app.factories import ADMIN_TOKEN, KEK

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask, under which a file is created 0644 unless its creator says otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _modes(database: Path) -> dict[str, int]:
    files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    return {file.name: stat.S_IMODE(file.stat().st_mode) for file in files}


def _dev_settings(tmp_path: Path, database: Path) -> Settings:
    return Settings(
        mode="dev",
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{database}",
        key_encryption_key=SecretStr(KEK),
        admin_token=SecretStr(ADMIN_TOKEN),
        public_base_url="http://testserver",
    )


def test_a_new_database_and_its_wal_are_0600(tmp_path: Path, open_umask: None) -> None:
    database = tmp_path / "var" / "microcred.db"
    upgrade(f"sqlite:///{database}")
    app = create_app(_dev_settings(tmp_path, database))
    try:
        with TestClient(app) as client:
            body = {"slug": "uni-p", "name": "Uni P", "url": "https://p.example", "country": "IE"}
            assert client.post("/admin/institutions", json=body, headers=ADMIN).status_code == 201
            # While the app's connections are open the WAL and shared-memory files exist.
            assert _modes(database) == {
                "microcred.db": 0o600,
                "microcred.db-wal": 0o600,
                "microcred.db-shm": 0o600,
            }
    finally:
        app.state.services.engine.dispose()


def test_an_older_database_left_readable_is_tightened_at_start(tmp_path: Path, open_umask: None) -> None:
    database = tmp_path / "old.db"
    keep_open = sqlite3.connect(database)  # a database made before, by anyone, with the umask's 0644
    keep_open.execute("PRAGMA journal_mode=WAL")
    keep_open.execute("CREATE TABLE t (x)")
    keep_open.execute("INSERT INTO t VALUES (1)")
    keep_open.commit()
    try:
        assert _modes(database) == {"old.db": 0o644, "old.db-wal": 0o644, "old.db-shm": 0o644}
        upgrade(f"sqlite:///{database}")
        assert _modes(database) == {"old.db": 0o600, "old.db-wal": 0o600, "old.db-shm": 0o600}
    finally:
        keep_open.close()
