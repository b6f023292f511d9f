"""The institution API (``Authorization: Bearer <API key>``): an institution sees only itself.

A key of another institution gets 404, the same answer as for a slug that does not exist, so keys cannot be used
to probe which institutions have which records.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from microcred.app.core.deps import CallerDep, SessionDep
from microcred.app.db.tables import SigningKey
from microcred.app.institutions.keys import key_summary
from microcred.app.institutions.service import for_caller, institution_summary

__all__ = ["router"]

router = APIRouter(tags=["institution"])
_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing, wrong or revoked API key"},
    404: {"description": "not this key's institution"},
}


@router.get("/institutions/{slug}", responses=_AUTH)
def get_institution(slug: str, caller: CallerDep) -> dict[str, Any]:
    """The caller's institution record."""
    return institution_summary(for_caller(caller, slug=slug))


@router.get("/institutions/{slug}/keys", responses=_AUTH)
def list_keys(slug: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """All the caller's signing keys (active, inactive and retired) with their public parts."""
    institution = for_caller(caller, slug=slug)
    keys: list[SigningKey] = list(institution.signing_keys)
    return {"keys": [key_summary(institution, k) for k in keys]}
