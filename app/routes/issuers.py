"""Public issuer documents: the OB3 Profile at ``/issuers/{slug}`` and the did:web document beside it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app import repo
from app.deps import SessionDep
from app.institutions import profile_document
from app.signing_keys import did_document

__all__ = ["router"]

router = APIRouter(tags=["issuers"])


@router.get("/issuers/{slug}", response_class=JSONResponse)
def issuer_profile(slug: str, session: SessionDep) -> JSONResponse:
    """The institution's OB3 issuer Profile (JSON-LD), id = its did:web."""
    document: dict[str, Any] = profile_document(session, institution=repo.get_institution(session, slug=slug))
    return JSONResponse(document, media_type="application/ld+json")


@router.get("/issuers/{slug}/did.json", response_class=JSONResponse)
def issuer_did_document(slug: str, session: SessionDep) -> JSONResponse:
    """The did:web document of ``did:web:HOST:issuers:SLUG`` with every published key."""
    document = did_document(session, institution=repo.get_institution(session, slug=slug))
    return JSONResponse(document, media_type="application/did+json")
