"""Pages people use: the verifier's upload page and result, the learner page, catalogue and profiles.

Jinja2 templates in ``app/templates``, one stylesheet in ``app/static``; no JavaScript needed for any flow.
"""

from __future__ import annotations

from fastapi import FastAPI

from microcred.app.pages import learner, verifier_pages
from microcred.app.pages.templating import HtmlErrorPages, static_router, wants_html

__all__ = ["install_issuer_pages", "install_verifier_pages", "wants_html"]


def _issuer_page(method: str, path: str, accept: str) -> bool:
    """A browser's GET of a public page (the same URLs answer JSON-LD to machines)."""
    return (
        method == "GET"
        and "text/html" in accept
        and (path == "/catalogue" or path.startswith(("/credentials/", "/achievements/", "/issuers/")))
    )


def install_verifier_pages(app: FastAPI) -> None:
    """The verifier's home and result pages (after ``install_verifier``), with HTML error pages."""
    app.include_router(static_router)
    app.include_router(verifier_pages.router)
    app.add_middleware(HtmlErrorPages, is_page=verifier_pages.is_verifier_page, home="/")


def install_issuer_pages(app: FastAPI) -> None:
    """The learner page downloads and the stylesheet on the issuer app, with HTML error pages."""
    app.include_router(static_router)
    app.include_router(learner.router)
    app.add_middleware(HtmlErrorPages, is_page=_issuer_page, home="/catalogue")
