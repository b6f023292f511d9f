"""The admin API (``Authorization: Bearer <admin token>``): institutions and their API keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from microcred.app.core.deps import AdminDep, ServicesDep, SessionDep
from microcred.app.institutions import data as institutions_data
from microcred.app.institutions.service import (
    api_key_summary,
    create_institution,
    created_view,
    institution_summary,
    mint_api_key,
    revoke_api_key,
)

__all__ = ["router"]

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[AdminDep])
_ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "missing or wrong admin token"}}


class InstitutionIn(BaseModel):
    """A new institution; values are checked by ``app.institutions`` (slug, http(s) URL, ISO/NUTS codes)."""

    model_config = ConfigDict(extra="forbid")

    slug: str = Field(max_length=63, examples=["uni-zed"])
    name: str = Field(max_length=300, examples=["University of Zed"])
    url: str = Field(max_length=2000, examples=["https://uni-zed.example"])
    country: str = Field(max_length=2, examples=["IE"], description="ISO 3166-1 alpha-2")
    region: str | None = Field(None, max_length=10, examples=["IE-D"], description="ISO 3166-2 or NUTS code")


class ApiKeyIn(BaseModel):
    """A label for a new API key."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field("", max_length=200)


@router.post(
    "/institutions",
    status_code=201,
    responses={**_ERRORS, 409: {"description": "slug taken"}, 422: {"description": "invalid field"}},
)
def create(body: InstitutionIn, session: SessionDep, services: ServicesDep) -> dict[str, Any]:
    """Create an institution with its did:web, a first signing key and an API key (shown only in this response)."""
    created = create_institution(
        session,
        keystore=services.keystore,
        base_url=services.settings.base_url,
        slug=body.slug,
        name=body.name,
        url=body.url,
        country=body.country,
        region=body.region,
        now=services.clock(),
    )
    return created_view(created, base_url=services.settings.base_url)


@router.get("/institutions", responses=_ERRORS)
def list_all(session: SessionDep) -> dict[str, Any]:
    """Every institution."""
    return {"institutions": [institution_summary(i) for i in institutions_data.list_institutions(session)]}


@router.post("/institutions/{slug}/api-keys", status_code=201, responses={**_ERRORS, 404: {}})
def create_api_key(
    slug: str, session: SessionDep, services: ServicesDep, body: ApiKeyIn | None = None
) -> dict[str, Any]:
    """A new API key for the institution (the key is shown only in this response)."""
    institution = institutions_data.get_institution(session, slug=slug)
    minted = mint_api_key(
        session, institution=institution, label=body.label if body else "", now=services.clock()
    )
    return {"prefix": minted.prefix, "key": minted.key, "shownOnce": True}


@router.delete("/institutions/{slug}/api-keys/{prefix}", status_code=204, responses={**_ERRORS, 404: {}})
def revoke(slug: str, prefix: str, session: SessionDep, services: ServicesDep) -> Response:
    """Revoke an API key: it answers 401 from now on."""
    institution = institutions_data.get_institution(session, slug=slug)
    revoke_api_key(session, institution=institution, prefix=prefix, now=services.clock())
    return Response(status_code=204)


@router.get("/institutions/{slug}/api-keys", responses={**_ERRORS, 404: {}})
def list_api_keys(slug: str, session: SessionDep) -> dict[str, Any]:
    """The institution's API keys (prefixes and dates, never secrets)."""
    institution = institutions_data.get_institution(session, slug=slug)
    return {"apiKeys": [api_key_summary(k) for k in institution.api_keys]}
