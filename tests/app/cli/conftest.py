"""The CLI tests' environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.factories import KEK


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The CLI's environment: a test database, a KEK and a fixed public URL."""
    values = {
        "MICROCRED_DATABASE_URL": database_url,
        "MICROCRED_DATA_DIR": str(tmp_path / "var"),
        "MICROCRED_KEY_ENCRYPTION_KEY": KEK,
        "MICROCRED_PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values
