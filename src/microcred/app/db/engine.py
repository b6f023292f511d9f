"""Engine and session factory for a settings' database URL (SQLite: foreign keys ON, WAL, ``BEGIN IMMEDIATE``).

SQLite lets one writer at a time. pysqlite's default ``BEGIN`` (deferred) starts a transaction that takes the write
lock only at its first write; when a transaction that has read meets another writer there, SQLite answers
SQLITE_BUSY ("database is locked") at once, without waiting for ``busy_timeout`` (waiting could not help: its
snapshot is already stale). So every SQLite transaction here starts with ``BEGIN IMMEDIATE``: the write lock is
taken (waiting up to ``busy_timeout``) before anything is read, and writers queue instead of failing. The price:
a read-only request's transaction queues too (behind, say, a batch chunk that holds the lock while it signs, a few
hundred ms); ``database_reachable`` reads on the raw driver connection (autocommit, a WAL snapshot) so a health
probe never waits for the lock. A lock held past
``busy_timeout`` surfaces as a 503 (``app.problems``). This is SQLAlchemy's documented pysqlite recipe
(https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "BUSY_TIMEOUT_MS",
    "CONNECT_TIMEOUT_S",
    "begins_immediate",
    "database_reachable",
    "make_engine",
    "make_sessions",
    "private_database_file",
]

log = logging.getLogger("microcred.app")
BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 5
_IMMEDIATE = "microcred.begin_immediate"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite the parent directory is created and pragmas set on each connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A bounded connect: with the server's host unreachable a request answers 503 in seconds instead of hanging.
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        private_database_file(Path(parsed.database))
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, record: Any) -> None:
        # pysqlite must not emit its own (deferred) BEGIN; SQLAlchemy's "begin" event below does it.
        dbapi_connection.isolation_level = None
        record.info[_IMMEDIATE] = True
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def private_database_file(path: Path) -> None:
    """Make the SQLite file ``path`` readable by its owner only (0600): created so if missing, tightened if not.

    The database holds sealed keys, hashed codes and learners' records. SQLite creates the ``-wal`` and ``-shm``
    files with the database file's own permissions (https://www.sqlite.org/src/doc/trunk/src/os_unix.c,
    ``findCreateFileMode``), so they follow; any left from before are tightened here too.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # An existing database (or one another process made first) is tightened below instead.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)
        except FileNotFoundError:
            continue
        except PermissionError:  # not ours (a shared directory): say so rather than fail to start
            log.warning("cannot make %s private (mode 0600): not its owner", file.name)


def begins_immediate(connection: Connection) -> bool:
    """True when ``connection``'s transactions hold SQLite's write lock from their start (an engine of
    ``make_engine``), so no statement is needed to take it before reading what a write depends on."""
    return bool(connection.info.get(_IMMEDIATE))


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """The session factory; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def database_reachable(engine: Engine) -> bool:
    """True when a ``SELECT 1`` round trip succeeds."""
    try:
        # The driver connection, not a SQLAlchemy transaction: on SQLite that would BEGIN IMMEDIATE and wait for
        # the write lock; a bare SELECT reads without it.
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            cursor.close()
        finally:
            raw.close()
    except Exception:  # any driver error means "not ready"; readiness must not raise
        return False
    return True
