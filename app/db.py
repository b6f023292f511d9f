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
]

BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 5
_IMMEDIATE = "microcred.begin_immediate"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite the parent directory is created and pragmas set on each connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A bounded connect: with the server's host unreachable a request answers 503 in seconds instead of hanging.
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
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
