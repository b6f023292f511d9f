"""The public catalogue of micro-credentials (HTML, or JSON with ``Accept: application/json``) and our EU context.

The EU context is published at its fixed URL (https://microcred.eu/contexts/eu-microcredential/v1.jsonld) and
served here too, at the same path, byte for byte the pinned file.
"""

from __future__ import annotations

import html
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app import repo_issuance as repo
from app.deps import ServicesDep, SessionDep
from app.issuance import achievement_url, version_url
from contexts.loader import FILES_DIR
from issuer import EU_CONTEXT

__all__ = ["router"]

router = APIRouter(tags=["catalogue"])


@router.get("/catalogue", response_model=None)
def catalogue(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    title: Annotated[str | None, Query(max_length=200, description="part of the title")] = None,
    level: Annotated[int | None, Query(ge=1, le=8, description="EQF level")] = None,
    field: Annotated[
        str | None, Query(pattern=r"^\d{2,4}$", description="ISCED-F code or its prefix")
    ] = None,
    ects_min: Annotated[float | None, Query(ge=0)] = None,
    ects_max: Annotated[float | None, Query(ge=0)] = None,
) -> Response:
    """Every institution's micro-credentials (newest versions), filtered by title, EQF level, field, ECTS."""
    base = services.settings.base_url
    rows = repo.catalogue(
        session, title=title, level=level, field=field, ects_min=ects_min, ects_max=ects_max
    )
    items: list[dict[str, Any]] = [
        {
            "id": achievement_url(base, a.public_id),
            "versionUrl": version_url(base, a.public_id, v.version),
            "name": v.name,
            "version": v.version,
            "eqfLevel": v.eqf_level,
            "ects": v.ects,
            "iscedF": v.isced_f,
            "institution": {"name": i.name, "did": i.did},
        }
        for v, a, i in rows
    ]
    accept = request.headers.get("accept", "")
    if "application/json" in accept or "application/ld+json" in accept:
        return JSONResponse({"achievements": items})
    return HTMLResponse(
        _page(
            items,
            {"title": title, "level": level, "field": field, "ects_min": ects_min, "ects_max": ects_max},
        )
    )


def _page(items: list[dict[str, Any]], filters: dict[str, Any]) -> str:
    e = html.escape
    form = "".join(
        f'<label>{e(label)} <input name="{name}" value="{e(str(filters[name] or ""))}"></label> '
        for name, label in (
            ("title", "Title"),
            ("level", "EQF level"),
            ("field", "ISCED-F"),
            ("ects_min", "ECTS from"),
            ("ects_max", "to"),
        )
    )
    rows = "".join(
        f'<tr><td><a href="{e(i["id"])}">{e(i["name"])}</a></td><td>{i["eqfLevel"]}</td><td>{i["ects"]:g}</td>'
        f"<td>{e(i['iscedF'] or '')}</td><td>{e(i['institution']['name'])}</td><td>{i['version']}</td></tr>"
        for i in items
    )
    query = urlencode({k: v for k, v in filters.items() if v is not None})
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Micro-credential catalogue</title></head><body>"
        "<h1>Micro-credential catalogue</h1>"
        f'<form method="get" action="/catalogue">{form}<button>Filter</button></form>'
        f"<p>{len(items)} micro-credential(s){' for ' + e(query) if query else ''}</p>"
        "<table><thead><tr><th>Title</th><th>EQF</th><th>ECTS</th><th>ISCED-F</th><th>Awarding body</th><th>Version</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>"
    )


_CONTEXT_PATH = "/" + EU_CONTEXT.split("/", 3)[3]


@router.get(_CONTEXT_PATH, response_model=None)
def eu_context() -> Response:
    """Our EU micro-credential JSON-LD context, immutable (a change is a new versioned URL)."""
    data = (FILES_DIR / "microcred-eu-v1.jsonld").read_bytes()
    return Response(
        data,
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
