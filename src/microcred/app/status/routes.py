"""Revocation and suspension: the VC-API status request, the public signed status lists, the audit trail.

https://w3c-ccg.github.io/vc-api/#update-status ; https://www.w3.org/TR/vc-bitstring-status-list/
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from microcred.app.core.deps import ServicesDep, SessionDep
from microcred.app.db.tables import Institution
from microcred.app.institutions import data as institutions_data
from microcred.app.institutions.apikeys import parse_api_key
from microcred.app.institutions.service import authenticate
from microcred.app.status.allocation import StatusConfig
from microcred.app.status.changes import Actor, change_status, credential_status_view
from microcred.app.status.publishing import publish

__all__ = ["LIST_MEDIA_TYPE", "router"]

router = APIRouter(tags=["status"])
LIST_MEDIA_TYPE = "application/vc"
"""VC 2.0 media type of a JSON-LD credential (https://www.w3.org/TR/vc-data-model-2.0/#media-types)."""

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing, wrong or revoked API key"},
    404: {"description": "no such credential of this institution"},
    409: {"description": "revocation is final, or the credential has no entry for that purpose"},
    422: {"description": "malformed request or unknown statusPurpose"},
}
_bearer = HTTPBearer(auto_error=False, scheme_name="ApiKey", description="an institution API key (mc_…)")


def get_actor(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> tuple[Institution, Actor]:
    """The calling institution and, for the audit trail, the API key it used (by id and visible prefix)."""
    key = credentials.credentials if credentials else None
    institution = authenticate(session, key=key)
    prefix = parse_api_key(key or "")
    record = institutions_data.find_api_key(session, prefix=prefix) if prefix else None
    return institution, Actor(label=f"api-key:{prefix}", api_key_id=record.id if record else None)


ActorDep = Annotated[tuple[Institution, Actor], Depends(get_actor)]


class StatusEntryIn(BaseModel):
    """Which status of the credential: the entry type and purpose (index and list are looked up, not trusted)."""

    model_config = ConfigDict(extra="allow")

    type: Literal["BitstringStatusListEntry"]
    statusPurpose: str = Field(max_length=50)


class StatusRequest(BaseModel):
    """VC-API/VCALM ``POST /credentials/status``: ``status`` true sets the bit (revoke, suspend), false clears it."""

    model_config = ConfigDict(extra="forbid")

    credentialId: str = Field(max_length=200)
    credentialStatus: StatusEntryIn
    status: StrictBool
    reason: str | None = Field(default=None, max_length=2000)


@router.post("/credentials/status", responses=_RESPONSES)
def update_status(
    body: StatusRequest, caller: ActorDep, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    """Revoke (final), suspend or reinstate one of the caller's credentials; every change is audited."""
    institution, actor = caller
    change = change_status(
        session,
        institution=institution,
        credential_id=body.credentialId,
        purpose=body.credentialStatus.statusPurpose,
        status=body.status,
        reason=body.reason,
        actor=actor,
        now=services.clock(),
    )
    answer: dict[str, Any] = {
        "credentialId": body.credentialId,
        "statusPurpose": change.purpose,
        "status": change.status,
        "changed": change.changed,
        "statuses": change.statuses,
    }
    if change.copies:  # the credential was re-issued to wallets: its copies follow it
        answer["walletCopies"] = change.copies
    return answer


@router.get("/credentials/{credential_id}/status", responses=_RESPONSES)
def status_history(
    credential_id: str, caller: ActorDep, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    """The credential's current statuses and its audit trail (which API key or CLI user, when, why)."""
    institution, _ = caller
    return credential_status_view(
        session, institution=institution, credential_id=credential_id, base_url=services.settings.base_url
    )


@router.get("/status/{list_id}", response_model=None, responses={404: {"description": "no such list"}})
def status_list(
    list_id: str,
    session: SessionDep,
    services: ServicesDep,
    version: Annotated[
        int | None, Query(ge=0, description="a kept earlier signing of this list version")
    ] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The signed BitstringStatusListCredential, derived from the database; ETag and Cache-Control max-age = ttl."""
    publication = publish(
        session,
        list_public_id=list_id,
        config=StatusConfig.from_settings(services.settings),
        keystore=services.keystore,
        now=services.clock(),
        version=version,
    )
    headers = {
        "ETag": f'"{publication.etag}"',
        "Cache-Control": f"public, max-age={publication.max_age}",
        "X-Status-List-Version": str(publication.version),
    }
    if if_none_match is not None and f'"{publication.etag}"' in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(content=publication.document.encode("utf-8"), media_type=LIST_MEDIA_TYPE, headers=headers)
