"""Public issuer documents: the OB3 Profile at ``/issuers/{slug}`` and the did:web document beside it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from microcred.app.achievements import data as achievements_data
from microcred.app.achievements.service import achievement_url
from microcred.app.core.deps import ServicesDep, SessionDep
from microcred.app.institutions import data as institutions_data
from microcred.app.institutions.keys import institution_keys
from microcred.app.institutions.service import profile_document
from microcred.app.pages.public import issuer_page
from microcred.app.pages.templating import wants_html

__all__ = ["router"]

router = APIRouter(tags=["issuers"])


@router.get("/issuers/{slug}", response_model=None)
def issuer_profile(slug: str, request: Request, session: SessionDep, services: ServicesDep) -> Response:
    """The institution's OB3 issuer Profile (JSON-LD), id = its did:web; a browser gets its profile page."""
    institution = institutions_data.get_institution(session, slug=slug)
    document: dict[str, Any] = profile_document(session, institution=institution)
    if wants_html(request):
        achievements = []
        for achievement in achievements_data.list_achievements(session, institution=institution):
            latest = achievements_data.latest_version(session, achievement=achievement)
            url = achievement_url(services.settings.base_url, achievement.public_id)
            achievements.append(
                {"id": url, "name": latest.name, "ects": f"{latest.ects:g}", "version": latest.version}
            )
        return issuer_page(institution, document, achievements)
    return JSONResponse(document, media_type="application/ld+json")


@router.get("/issuers/{slug}/did.json", response_class=JSONResponse)
def issuer_did_document(slug: str, session: SessionDep) -> JSONResponse:
    """The did:web document of ``did:web:HOST:issuers:SLUG`` with every published key."""
    institution = institutions_data.get_institution(session, slug=slug)
    document = institution_keys(institution).did_document(session)
    return JSONResponse(document, media_type="application/did+json")
