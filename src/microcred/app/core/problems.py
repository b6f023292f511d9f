"""RFC 9457 problem details: every client error leaves as ``application/problem+json``; no stack traces.

https://www.rfc-editor.org/rfc/rfc9457
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from microcred.vc.errors import PROBLEM_BASE, DeadlineExceeded, MicrocredError, Unauthorized

__all__ = [
    "BUSY_RETRY_AFTER_SECONDS",
    "PROBLEM_JSON",
    "UNAVAILABLE_RETRY_AFTER_SECONDS",
    "database_busy",
    "database_unavailable",
    "install_problem_handlers",
    "internal_error_response",
    "problem_response",
]

PROBLEM_JSON = "application/problem+json"
BUSY_RETRY_AFTER_SECONDS = 1
UNAVAILABLE_RETRY_AFTER_SECONDS = 5
log = logging.getLogger("microcred.app")


def problem_response(
    *,
    status: int,
    title: str,
    detail: str,
    problem_type: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response; ``errors`` names the offending fields (JSON pointers into the body)."""
    body: dict[str, Any] = {
        "type": problem_type or f"{PROBLEM_BASE}{HTTPStatus(status).phrase.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _microcred_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MicrocredError)
    if exc.status >= 500 and not isinstance(exc, DeadlineExceeded):
        log.error("server-side error: %s", type(exc).__name__)
        return problem_response(
            status=exc.status,
            title=exc.title,
            detail="the service is misconfigured",
            problem_type=exc.problem_type,
        )
    return problem_response(
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        problem_type=exc.problem_type,
        errors=getattr(exc, "errors", None)
        or ([{"pointer": exc.pointer, "detail": exc.detail}] if exc.pointer else None),
        headers={"WWW-Authenticate": "Bearer"}
        if isinstance(exc, Unauthorized)
        else {"Retry-After": "1"}
        if isinstance(exc, DeadlineExceeded)
        else None,
    )


def _location(loc: tuple[int | str, ...]) -> dict[str, str]:
    if loc and loc[0] == "body":
        return {"pointer": "#" + "".join(f"/{part}" for part in loc[1:])}
    if len(loc) >= 2:
        return {"parameter": str(loc[1]), "in": str(loc[0])}
    return {"pointer": "#"}


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{**_location(tuple(e.get("loc", ()))), "detail": str(e.get("msg", ""))} for e in exc.errors()]
    names = ", ".join(e.get("pointer", e.get("parameter", "")) for e in errors)
    return problem_response(
        status=422,
        title="Invalid input",
        detail=f"the request is not valid: {names}",
        problem_type=PROBLEM_BASE + "invalid-input",
        errors=errors,
    )


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else phrase.lower()
    return problem_response(
        status=exc.status_code, title=phrase, detail=detail, headers=dict(exc.headers or {}) or None
    )


# PostgreSQL's transient failures (SQLSTATE): deadlock_detected, serialization_failure, lock_not_available.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def database_busy(exc: BaseException) -> bool:
    """True for SQLite's SQLITE_BUSY / SQLITE_LOCKED ("database is locked") and PostgreSQL's deadlock,
    serialization and lock-timeout failures: transient (the transaction was rolled back), worth retrying."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    message = str(orig).lower()
    return (
        "database is locked" in message
        or "database is busy" in message
        or "database table is locked" in message
    )


# SQLSTATE class 08 (connection exception) and the server going away: admin_shutdown, crash_shutdown,
# cannot_connect_now (starting up or shutting down), too_many_connections.
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P01", "57P02", "57P03", "53300")
_UNAVAILABLE_SQLITE_MESSAGES = ("unable to open database file",)


def database_unavailable(exc: BaseException) -> bool:
    """True when the database cannot be reached (refused, dropped, shutting down, no file): nothing was written and
    the request may be retried once it is back. The pool already discarded a dropped connection
    (``connection_invalidated``) and ``pool_pre_ping`` replaces stale ones, so service resumes without a restart."""
    if isinstance(exc, PoolTimeoutError | InterfaceError):
        return True
    if getattr(exc, "connection_invalidated", False):
        return True
    orig = getattr(exc, "orig", exc)
    sqlstate = getattr(orig, "sqlstate", "")
    if sqlstate and str(sqlstate).startswith(_UNAVAILABLE_SQLSTATE_PREFIXES):
        return True
    module = type(orig).__module__
    if module.startswith("psycopg") and type(orig).__name__ in {"OperationalError", "InterfaceError"}:
        # psycopg's own (client-side) connection failures carry no SQLSTATE: connection refused, timeout, reset.
        return not sqlstate
    message = str(orig).lower()
    return any(text in message for text in _UNAVAILABLE_SQLITE_MESSAGES)


def _unavailable_response() -> JSONResponse:
    log.warning("database unreachable: answering 503")
    return problem_response(
        status=503,
        title="Service Unavailable",
        detail="the database is unreachable; retry the request later",
        problem_type=PROBLEM_BASE + "database-unavailable",
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)},
    )


def _operational_error(_request: Request, exc: Exception) -> JSONResponse:
    # SQLite transactions start with BEGIN IMMEDIATE and wait busy_timeout for the write lock (app.db), so this is
    # rare: a writer held the database longer than that; on PostgreSQL, a deadlock or serialization failure the
    # server rolled back. An unreachable database (refused, dropped, shutting down) is a 503 as well. The client
    # may retry; any other driver error is a 500.
    assert isinstance(exc, OperationalError)
    if database_unavailable(exc):
        return _unavailable_response()
    if not database_busy(exc):
        raise exc
    log.warning("database busy: answering 503")
    return problem_response(
        status=503,
        title="Service Unavailable",
        detail="the database is busy; retry the request",
        problem_type=PROBLEM_BASE + "database-busy",
        headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
    )


def _connection_error(_request: Request, exc: Exception) -> JSONResponse:
    # No pooled connection within pool_timeout (the database is slow to answer or every connection hangs), or the
    # driver found its connection closed: the database is out of reach for now.
    assert isinstance(exc, PoolTimeoutError | InterfaceError)
    return _unavailable_response()


def _data_error(_request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the request carried (PostgreSQL: a NUL character in text, a number out of
    # range): the client's input, so a 422 - nothing was written, the request's transaction rolls back. The
    # statement and the driver's message stay in the log.
    assert isinstance(exc, DataError)
    message = str(getattr(exc, "orig", exc))
    log.warning(
        "database refused a request value: %s", message.splitlines()[0] if message else type(exc).__name__
    )
    detail = (
        "a value in the request contains a NUL character (U+0000), which is not accepted"
        if "NUL" in message or "0x00" in message
        else "a value in the request cannot be stored (out of range or not representable)"
    )
    return problem_response(status=422, title="Unprocessable Content", detail=detail)


def internal_error_response() -> JSONResponse:
    """The generic 500: nothing about the failure reaches the client (it is logged with the request id)."""
    return problem_response(
        status=500, title="Internal Server Error", detail="an unexpected error occurred; see the server log"
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers on an app (the catch-all for other exceptions is in ``app.middleware``)."""
    app.add_exception_handler(MicrocredError, _microcred_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(PoolTimeoutError, _connection_error)
    app.add_exception_handler(InterfaceError, _connection_error)
