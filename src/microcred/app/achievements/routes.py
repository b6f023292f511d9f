"""Micro-credential definitions: institutions create, list, read and version achievements; anyone reads them.

``GET /achievements/{id}`` answers OB 3.0 Achievement JSON-LD, or HTML for a browser (``Accept``).
https://www.imsglobal.org/spec/ob/v3p0/#achievement
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from microcred.app.achievements import data as achievements_data
from microcred.app.achievements.service import (
    achievement_url,
    create_achievement,
    update_achievement,
    version_url,
)
from microcred.app.core.deps import CallerDep, ServicesDep, SessionDep
from microcred.app.db.tables import Achievement, AchievementVersion
from microcred.app.pages.public import achievement_page
from microcred.issuer import CONTEXTS, AchievementDefinition

__all__ = ["router", "wants_html"]

router = APIRouter(tags=["achievements"])
_AUTH: dict[int | str, dict[str, Any]] = {401: {"description": "missing, wrong or revoked API key"}}


def wants_html(request: Request) -> bool:
    """True when the client prefers HTML (a browser) over JSON."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept.split("text/html")[0]


def _summary(base_url: str, achievement: Achievement, version: AchievementVersion) -> dict[str, Any]:
    return {
        "id": achievement_url(base_url, achievement.public_id),
        "achievementId": achievement.public_id,
        "version": version.version,
        "versionUrl": version_url(base_url, achievement.public_id, version.version),
        "name": version.name,
        "used": version.used_at is not None,
        "achievement": version.document,
    }


@router.post(
    "/achievements", status_code=201, responses={**_AUTH, 422: {"description": "unknown code or field"}}
)
def post_achievement(
    definition: AchievementDefinition, caller: CallerDep, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    """Define a micro-credential with its EU standard elements (codes or EU vocabulary URIs); version 1."""
    base = services.settings.base_url
    version = create_achievement(
        session, institution=caller, definition=definition, base_url=base, now=services.clock()
    )
    return _summary(base, version.achievement, version)


@router.put("/achievements/{achievement_id}", responses=_AUTH)
def put_achievement(
    achievement_id: str,
    definition: AchievementDefinition,
    caller: CallerDep,
    session: SessionDep,
    services: ServicesDep,
) -> dict[str, Any]:
    """Change a definition: edits the newest version until a credential used it, then makes a new version."""
    base = services.settings.base_url
    achievement = achievements_data.get_achievement(session, public_id=achievement_id, institution=caller)
    version = update_achievement(
        session, achievement=achievement, definition=definition, base_url=base, now=services.clock()
    )
    return _summary(base, achievement, version)


@router.get("/achievements", responses=_AUTH)
def list_achievements(caller: CallerDep, session: SessionDep, services: ServicesDep) -> dict[str, Any]:
    """The caller's achievements, each with its newest version and version count."""
    base = services.settings.base_url
    items = []
    for achievement in achievements_data.list_achievements(session, institution=caller):
        latest = achievements_data.latest_version(session, achievement=achievement)
        items.append({**_summary(base, achievement, latest), "versions": len(achievement.versions)})
    return {"achievements": items}


def _achievement_response(
    request: Request, version: AchievementVersion, achievement: Achievement
) -> Response:
    document = {"@context": list(CONTEXTS), **version.document}
    if wants_html(request):
        return achievement_page(version, achievement, json_url=str(request.url))
    return JSONResponse(document, media_type="application/ld+json")


@router.get("/achievements/{achievement_id}", response_model=None)
def get_achievement(achievement_id: str, request: Request, session: SessionDep) -> Response:
    """The newest version: OB 3.0 Achievement JSON-LD, or an HTML page for a browser."""
    achievement = achievements_data.get_achievement(session, public_id=achievement_id)
    return _achievement_response(
        request, achievements_data.latest_version(session, achievement=achievement), achievement
    )


@router.get("/achievements/{achievement_id}/versions/{version}", response_model=None)
def get_achievement_version(
    achievement_id: str, version: int, request: Request, session: SessionDep
) -> Response:
    """One immutable version (the ``achievement.id`` of credentials issued from it)."""
    achievement = achievements_data.get_achievement(session, public_id=achievement_id)
    return _achievement_response(
        request, achievements_data.version_of(session, achievement=achievement, version=version), achievement
    )
