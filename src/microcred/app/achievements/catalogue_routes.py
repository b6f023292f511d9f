"""The public catalogue of micro-credentials (HTML, or JSON with ``Accept: application/json``) and our EU context.

Every deployment serves our EU context at ``EU_CONTEXT_PATH`` (the path of the URL the first credentials carried,
https://microcred.eu/contexts/eu-microcredential/v1.jsonld), byte for byte the pinned file: credentials it issues
name it there (``Settings.eu_context``), so anyone can resolve it. The EU extension JSON Schema is served the same way.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BeforeValidator, Field

from microcred.app.achievements import data as achievements_data
from microcred.app.achievements.service import achievement_url, version_url
from microcred.app.core.deps import ServicesDep, SessionDep
from microcred.app.pages.public import catalogue_page
from microcred.contexts import context_bytes
from microcred.issuer import EU_CONTEXT, EU_CONTEXT_PATH
from microcred.vc.schema import EU_MICROCREDENTIAL_SCHEMA, EU_MICROCREDENTIAL_SCHEMA_PATH, schema_bytes

__all__ = ["router"]

router = APIRouter(tags=["catalogue"])


def _blank_is_none(value: Any) -> Any:
    """An HTML form sends every field, the empty ones as ``""``: those are no filter."""
    return None if value == "" else value


_Blank = BeforeValidator(_blank_is_none)
Title = Annotated[Annotated[str, Field(max_length=200)] | None, _Blank]
Level = Annotated[Annotated[int, Field(ge=1, le=8)] | None, _Blank]
FieldCode = Annotated[Annotated[str, Field(pattern=r"^\d{2,4}$")] | None, _Blank]
Ects = Annotated[Annotated[float, Field(ge=0)] | None, _Blank]


@router.get("/catalogue", response_model=None)
def catalogue(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    title: Annotated[Title, Query(description="part of the title")] = None,
    level: Annotated[Level, Query(description="EQF level")] = None,
    field: Annotated[FieldCode, Query(description="ISCED-F code or its prefix")] = None,
    ects_min: Annotated[Ects, Query()] = None,
    ects_max: Annotated[Ects, Query()] = None,
) -> Response:
    """Every institution's micro-credentials (newest versions), filtered by title, EQF level, field, ECTS."""
    base = services.settings.base_url
    rows = achievements_data.catalogue(
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
    return catalogue_page(
        items, {"title": title, "level": level, "field": field, "ects_min": ects_min, "ects_max": ects_max}
    )


@router.get(EU_CONTEXT_PATH, response_model=None)
def eu_context() -> Response:
    """Our EU micro-credential JSON-LD context, immutable (a change is a new versioned URL)."""
    return Response(
        context_bytes(EU_CONTEXT),
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


@router.get(EU_MICROCREDENTIAL_SCHEMA_PATH, response_model=None)
def eu_schema() -> Response:
    """Our EU extension JSON Schema (draft 2019-09), byte for byte the pinned copy, immutable like the context.

    https://www.imsglobal.org/spec/ob/v3p0/#extending-the-data-model (an extension publishes a JSON Schema)
    """
    return Response(
        schema_bytes(EU_MICROCREDENTIAL_SCHEMA),
        media_type="application/schema+json",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
