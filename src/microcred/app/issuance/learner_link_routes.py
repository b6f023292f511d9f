"""Institution API: the learner's private link of a credential - make a new one (the old one stops working) or
revoke it. The link carries the learner key that sending the credential to a wallet needs (``app.learner_keys``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from microcred.app.core.deps import CallerDep, ServicesDep, SessionDep
from microcred.app.db.tables import Institution, IssuedCredential
from microcred.app.issuance import data as issuance_data
from microcred.app.issuance.learner_keys import learner_page_url, new_learner_key, revoke_learner_key
from microcred.vc.errors import NotFound

__all__ = ["router"]

router = APIRouter(tags=["credentials"])
_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing, wrong or revoked API key"},
    404: {"description": "no such credential of this institution"},
}


def _own(session: SessionDep, caller: Institution, credential_id: str) -> IssuedCredential:
    row = issuance_data.find_credential(session, public_id=credential_id.removeprefix("urn:uuid:"))
    if row.institution_id != caller.id:
        raise NotFound(f'no credential "{credential_id}"')
    return row


@router.post("/credentials/{credential_id}/learner-link", status_code=201, responses=_RESPONSES)
def renew_learner_link(
    credential_id: str, caller: CallerDep, session: SessionDep, services: ServicesDep
) -> JSONResponse:
    """A new private learner link (shown once); the earlier one, and wallet offers made with it, stop working."""
    row = _own(session, caller, credential_id)
    base = services.settings.base_url
    made = new_learner_key(session, credential=row, base_url=base, now=services.clock())
    return JSONResponse(
        {"learnerLink": made.link, "learnerPage": learner_page_url(base, row.public_id)},
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


@router.delete("/credentials/{credential_id}/learner-link", status_code=204, responses=_RESPONSES)
def revoke_learner_link(credential_id: str, caller: CallerDep, session: SessionDep) -> Response:
    """Revoke the private learner link: nobody can send the credential to a wallet until a new one is made."""
    revoke_learner_key(session, credential=_own(session, caller, credential_id))
    return Response(status_code=204)
