"""Run the Alembic migrations of the installed ``microcred.migrations`` package against a database URL.

The migrations directory is found through the import system, so ``microcred migrate`` works from any directory.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from microcred.app.db.engine import make_engine
from microcred.vc.errors import ConfigurationError

__all__ = ["alembic_config", "current_revision", "downgrade", "head_revision", "upgrade"]


def migrations_dir() -> Path:
    """Where ``microcred.migrations`` lives (located without importing it: it sits above ``app``)."""
    spec = importlib.util.find_spec("microcred.migrations")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError("the migrations package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def alembic_config(database_url: str) -> Config:
    """An Alembic config for ``database_url`` (the URL travels in ``attributes``, not the ini file)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, *, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, *, revision: str) -> None:
    """Undo migrations down to ``revision`` (``base`` removes every table)."""
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    """The newest revision shipped."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(database_url: str) -> str | None:
    """The revision the database is at (None: not migrated)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
