"""What every ``microcred`` command shares: one line on stderr for expected failures, the migrated database,
JSON output and private files."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from microcred.app.core.settings import Settings
from microcred.app.db.engine import make_engine, make_sessions
from microcred.app.db.migrate import current_revision, head_revision
from microcred.keys import KeyStore, LocalKeyStore
from microcred.vc.errors import ConfigurationError, MicrocredError

__all__ = ["Db", "database", "errors", "print_json", "write_private"]


@contextmanager
def errors() -> Iterator[None]:
    """Turn expected failures into one line on stderr and exit status 1."""
    try:
        yield
    except MicrocredError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    except SQLAlchemyError as exc:
        typer.echo(f"error: database failure ({type(exc).__name__}); is the database reachable?", err=True)
        raise typer.Exit(1) from None


@dataclass
class Db:
    """What a command works with: sessions of the migrated database, the key store, the settings."""

    sessions: sessionmaker[Session]
    keystore: KeyStore
    settings: Settings


@contextmanager
def database(settings: Settings) -> Iterator[Db]:
    """Sessions and the key store for a migrated database."""
    settings.validate_for_start()
    url = settings.resolved_database_url
    if current_revision(url) != head_revision():
        raise ConfigurationError(
            "the database is not migrated to the current schema: run `microcred migrate`"
        )
    engine = make_engine(url)
    try:
        yield Db(make_sessions(engine), LocalKeyStore(settings.kek()), settings)
    finally:
        engine.dispose()


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON."""
    typer.echo(json.dumps(value, indent=2))


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (mode 0600), replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
