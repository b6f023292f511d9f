"""Database tests run on a temp SQLite file, or on PostgreSQL when MICROCRED_DATABASE_URL is set (.ci/postgres.sh)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData

from app.db import make_engine

POSTGRES_URL = os.environ.get("MICROCRED_DATABASE_URL")


def drop_everything(url: str) -> None:
    """Empty the shared PostgreSQL test database (tables and alembic_version) so each test starts clean."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            metadata = MetaData()
            metadata.reflect(connection)
            metadata.drop_all(connection)
    finally:
        engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database: a fresh SQLite file, or the (emptied) PostgreSQL database."""
    if POSTGRES_URL:
        drop_everything(POSTGRES_URL)
        yield POSTGRES_URL
        drop_everything(POSTGRES_URL)
    else:
        yield f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database (disposed afterwards)."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()
