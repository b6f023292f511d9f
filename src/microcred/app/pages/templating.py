"""Server-rendered pages: one Jinja2 environment (autoescaped), the one stylesheet, and friendly error pages.

Error responses of page URLs are HTML for people: a problem+json answer (413 from the body limit, a 500 from the
last-resort handler, any MicrocredError) to a request that accepts HTML is rewritten into the error page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HtmlErrorPages", "render", "render_text", "static_router", "wants_html"]

APP_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = APP_DIR / "templates"
STYLE = APP_DIR / "static" / "style.css"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["style_version"] = str(int(STYLE.stat().st_mtime))
    return env


def render_text(template: str, /, **context: Any) -> str:
    """The template ``template`` rendered with ``context``."""
    return _environment().get_template(template).render(**context)


def render(
    template: str, /, *, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    """An HTML response of the template ``template``."""
    return HTMLResponse(render_text(template, **context), status_code=status, headers=headers)


def wants_html(request: Request) -> bool:
    """True when the client prefers HTML (a browser) over JSON."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept.split("text/html")[0]


static_router = APIRouter(include_in_schema=False)


@static_router.get("/static/style.css")
def stylesheet() -> Response:
    """The one stylesheet (screen and print)."""
    return Response(
        STYLE.read_bytes(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


_FRIENDLY: dict[int, str] = {
    413: "The file is too large",
    429: "Too many requests",
    500: "Something went wrong on our side",
}


class HtmlErrorPages:
    """Turns problem+json error answers into the friendly error page for browsers on the page URLs.

    ``is_page(method, path, accept)`` names the page requests; API requests keep their problem+json answers.
    """

    def __init__(self, app: ASGIApp, *, is_page: Callable[[str, str, str], bool], home: str = "/") -> None:
        self.app = app
        self.is_page = is_page
        self.home = home

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
        if not self.is_page(scope["method"], scope["path"], accept):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = bytearray()

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if message["status"] >= 400 and headers.get(b"content-type", b"").startswith(
                    b"application/problem+json"
                ):
                    start = message
                    return
                await send(message)
            elif start is not None:
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._page(start, bytes(body), scope, receive, send)
            else:
                await send(message)

        await self.app(scope, receive, capture)

    async def _page(self, start: Message, body: bytes, scope: Scope, receive: Receive, send: Send) -> None:
        status = int(start["status"])
        try:
            problem = json.loads(body)
        except ValueError:
            problem = {}
        detail = str(problem.get("detail", "")) if isinstance(problem, dict) else ""
        title = _FRIENDLY.get(status) or str(problem.get("title", "Something was wrong with the request"))
        if status == 413:
            detail = (
                f"{detail[:1].upper()}{detail[1:]}. Upload the credential's JSON file or its badge image."
            )
        keep = {b"x-request-id", b"retry-after"}  # a 429 page still says when to come back
        extra = {k.decode(): v.decode() for k, v in start.get("headers", []) if k in keep}
        response = render(
            "error.html",
            status=status,
            headers=extra,
            title=title,
            detail=detail,
            status_code=status,
            home=self.home,
        )
        await response(scope, receive, send)
