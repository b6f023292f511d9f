"""ASGI middleware: request ids, access log and the last-resort 500; the request body limit (413); security headers."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from microcred.app.core.logs import redact, request_id
from microcred.app.core.problems import internal_error_response, problem_response
from microcred.vc.json_text import lone_surrogate_escape

__all__ = ["BodyLimitMiddleware", "RequestContextMiddleware", "SecurityHeadersMiddleware"]

log = logging.getLogger("microcred.app")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Our pages use no JavaScript, one stylesheet and images from the same origin, and post forms only to themselves.
_PAGE_POLICY = (
    b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    b"base-uri 'none'"
)
# A served SVG (badges, QR codes) is a document too when opened directly: nothing may run or load in it.
_SVG_POLICY = b"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
_OWN_DOCS = (
    "/docs",
    "/redoc",
)  # FastAPI's OpenAPI pages load Swagger UI / ReDoc scripts: left as FastAPI serves them


def _security_headers(path: str, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``nosniff`` on every response; on HTML pages and SVG images a Content-Security-Policy and no framing."""
    added = [(b"x-content-type-options", b"nosniff")]
    kind = next((value for name, value in headers if name.lower() == b"content-type"), b"").lower()
    if kind.startswith(b"text/html") and not path.startswith(_OWN_DOCS):
        added += [(b"content-security-policy", _PAGE_POLICY), (b"x-frame-options", b"DENY")]
    elif kind.startswith(b"image/svg+xml"):
        added.append((b"content-security-policy", _SVG_POLICY))
    return [*headers, *added]


class RequestContextMiddleware:
    """Takes ``X-Request-ID`` (or makes one), echoes it, logs each request, and turns a crash into a plain 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        # Redacted here too, not only by JsonFormatter: any handler a deployment configures gets no secrets. The
        # query string is never logged (wallets may carry codes and tokens there).
        path = redact(scope["path"])
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Logged here with the traceback; the client gets a generic problem, never the trace.
            log.exception(
                "unhandled error", extra={"request_id": rid, "method": scope["method"], "path": path}
            )
            if not response_started:
                await internal_error_response()(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "request_id": rid,
                    "method": scope["method"],
                    "path": path,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id.reset(token)


# ``\u0000`` in JSON text: the escape itself, not an escaped backslash followed by "u0000"
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _json_nul(content_type: bytes, body: bytes) -> bool:
    if b"json" not in content_type.lower():
        return False
    return b"\\u0000" in body and _NUL_ESCAPE.search(body) is not None


# Bodies that are never read as JSON text as a whole; anything else may be (FastAPI parses a body without a media
# type as JSON, some handlers parse text/plain), so it is checked for lone surrogate escapes.
_NOT_JSON = (b"multipart/", b"application/x-www-form-urlencoded", b"text/csv", b"image/")


def _may_be_json(content_type: bytes) -> bool:
    return not content_type.strip().lower().startswith(_NOT_JSON)


class BodyLimitMiddleware:
    """Refuses bodies over ``max_bytes`` with 413: by Content-Length up front, and by counting streamed bytes.

    The body is read before the app runs (at most ``max_bytes`` are held), so an oversized stream is refused before
    any handler has done anything.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, refuse_nul: bool = False) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.refuse_nul = refuse_nul
        """Issuer app: a JSON body with a NUL character in a string is refused (422) whatever the database:
        PostgreSQL cannot store one, SQLite would, and no credential field has a use for it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)  # joined once: checked here, replayed to the app below
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        refusal = None
        if self.refuse_nul and _json_nul(content_type, whole):
            refusal = "the request body contains a NUL character (\\u0000) in a string, which is not accepted"
        elif _may_be_json(content_type) and lone_surrogate_escape(whole):
            # Both apps: a lone surrogate is no Unicode character, so nothing downstream could encode it.
            refusal = (
                "the request body contains a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair), "
                "which is not a Unicode character"
            )
        if refusal is not None:
            response = problem_response(status=422, title="Unprocessable Content", detail=refusal)
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            status=413,
            title="Content Too Large",
            detail=f"the request body is larger than {self.max_bytes} bytes",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


class SecurityHeadersMiddleware:
    """Adds :func:`_security_headers` to every response. Installed outermost, so the friendly error pages that
    ``HtmlErrorPages`` writes over problem+json answers get them too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _security_headers(path, list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, send_with_headers)
