"""Issuing: the VC-API route and the per-achievement convenience route; reading issued credentials.

``Idempotency-Key`` (unique per institution) returns the same credential for a retried request; the same key with
another request is a 409 problem. https://w3c-ccg.github.io/vc-api/#issue-credential
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from microcred.app.achievements import data as achievements_data
from microcred.app.achievements.service import resolve_achievement_url
from microcred.app.batches import data as batches_data
from microcred.app.core.deps import CallerDep, Services, ServicesDep, SessionDep
from microcred.app.db.tables import AchievementVersion, Institution, IssuedCredential
from microcred.app.issuance import data as issuance_data
from microcred.app.issuance.elm import signed_elm
from microcred.app.issuance.learner_keys import learner_page_url, new_learner_key
from microcred.app.issuance.requests import AwardRequest, IssueRequest
from microcred.app.issuance.service import (
    Issuer,
    check_possible,
    credential_json,
    issue_idempotent,
    request_hash,
)
from microcred.app.pages.learner import learner_page
from microcred.app.pages.templating import wants_html
from microcred.app.status.allocation import StatusAllocator
from microcred.issuer import Award
from microcred.issuer.issue_requests import (
    AWARDS_ROUTE_FIELDS,
    VCAPI_FIELDS,
    evidence_items,
    learner_from_fields,
    parse_vcapi_credential,
)
from microcred.issuer.signing import check_signing_suite
from microcred.vc.errors import InvalidInput

__all__ = ["router"]

router = APIRouter(tags=["credentials"])
_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "the credential names another issuer"},
    401: {"description": "missing, wrong or revoked API key"},
    409: {"description": "Idempotency-Key already used for a different request"},
    422: {"description": "invalid input, or missing EU elements (each one listed)"},
}
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def _status(services: Services) -> StatusAllocator:
    """The status-list hook: each credential gets its status entries in the issuing transaction."""
    return StatusAllocator.from_settings(services.settings, services.clock)


def _aware(value: datetime | None, pointer: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(f'"{pointer[1:]}" needs a timezone (e.g. "Z")', pointer=pointer)
    return value


def _learner_key(row: IssuedCredential, session: Session, base_url: str, now: datetime) -> str:
    """A new learner key for ``row``, in the request's transaction (a request that lost an Idempotency-Key race
    rolled back only its savepoint, so its transaction is still open)."""
    return new_learner_key(session, credential=row, base_url=base_url, now=now).link


def _created(
    row: IssuedCredential,
    created: bool,
    session: Session,
    base_url: str,
    now: datetime,
) -> Response:
    # learnerPage: the credential's public page (anyone with the link may see and verify it).
    # learnerLink: the learner's private link with their key (sending it to a wallet); a replayed request gets a
    # new key, as only its hash is kept (the earlier link stops working).
    # The stored JSON text goes out as it is (no parse and re-serialisation per response).
    page = json.dumps(learner_page_url(base_url, row.public_id))
    link = json.dumps(_learner_key(row, session, base_url, now))
    content = f'{{"verifiableCredential":{row.document},"learnerPage":{page},"learnerLink":{link}}}'
    return Response(
        content.encode("utf-8"),
        status_code=201 if created else 200,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def _issue_once(
    services: Services,
    session: Session,
    *,
    caller: Institution,
    route: str,
    body: BaseModel,
    idempotency_key: str | None,
    wanted: Callable[[datetime], tuple[AchievementVersion, Award, str]],
) -> Response:
    """Issue one credential (replayed for a repeated Idempotency-Key): ``wanted(now)`` reads the request into
    the achievement version, the award and the cryptosuite; 201 with the credential and its learner page."""
    now = services.clock()
    issuer = Issuer(
        institution=caller,
        keystore=services.keystore,
        status=_status(services),
        eu_context=services.settings.eu_context,
    )
    digest = request_hash(route, body.model_dump(mode="json"))

    def make() -> Any:
        version, award, suite = wanted(now)
        return issuer.issue(
            session,
            version=version,
            award=award,
            suite=suite,
            now=now,
            idempotency_key=idempotency_key,
            request_hash=digest if idempotency_key else None,
        )

    row, created = issue_idempotent(session, issuer=issuer, key=idempotency_key, digest=digest, make=make)
    return _created(row, created, session, services.settings.base_url, now)


@router.post("/credentials/issue", status_code=201, responses=_RESPONSES)
def issue_credential(
    body: IssueRequest,
    caller: CallerDep,
    session: SessionDep,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Complete, check and sign an unsigned credential (VC-API): achievement, issuer, id and dates are filled in."""

    def wanted(now: datetime) -> tuple[AchievementVersion, Award, str]:
        request = parse_vcapi_credential(body.credential, issuer_did=caller.did, now=now)
        version = resolve_achievement_url(
            session,
            url=request.achievement_url,
            base_url=services.settings.base_url,
            institution=caller,
            pointer="/credential/credentialSubject/achievement/id",
        )
        check_possible(version, request.award, now=now, fields=VCAPI_FIELDS)
        return version, request.award, body.options.cryptosuite

    return _issue_once(
        services,
        session,
        caller=caller,
        route="/credentials/issue",
        body=body,
        idempotency_key=idempotency_key,
        wanted=wanted,
    )


@router.post("/achievements/{achievement_id}/awards", status_code=201, responses=_RESPONSES)
def award_achievement(
    achievement_id: str,
    body: AwardRequest,
    caller: CallerDep,
    session: SessionDep,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Award the newest version of an achievement to one learner."""
    check_signing_suite(body.cryptosuite, pointer="/cryptosuite")

    def wanted(now: datetime) -> tuple[AchievementVersion, Award, str]:
        achievement = achievements_data.get_achievement(session, public_id=achievement_id, institution=caller)
        version = achievements_data.latest_version(session, achievement=achievement)
        learner = learner_from_fields(
            did=body.learner.did, name=body.learner.name, email=body.learner.email, pointer="/learner"
        )
        valid_from = _aware(body.valid_from, "/validFrom") or now
        award = Award(
            learner=learner,
            awarded_date=_aware(body.awarded_date, "/awardedDate") or valid_from,
            valid_from=valid_from,
            valid_until=_aware(body.valid_until, "/validUntil"),
            grade=body.result.grade,
            ects_awarded=body.result.ects_awarded,
            assessment_date=_aware(body.result.assessment_date, "/result/assessmentDate"),
            evidence=evidence_items(body.evidence, "/evidence"),
        )
        check_possible(version, award, now=now, fields=AWARDS_ROUTE_FIELDS)
        return version, award, body.cryptosuite

    return _issue_once(
        services,
        session,
        caller=caller,
        route=f"/achievements/{achievement_id}/awards",
        body=body,
        idempotency_key=idempotency_key,
        wanted=wanted,
    )


@router.get("/credentials/{credential_id}", response_model=None)
def get_credential(
    credential_id: str, request: Request, session: SessionDep, services: ServicesDep
) -> Response:
    """An issued credential by its (unguessable) id, as issued; a browser gets the learner page."""
    row = issuance_data.find_credential(session, public_id=credential_id.removeprefix("urn:uuid:"))
    if wants_html(request):
        return learner_page(services.settings, row)
    return Response(row.document.encode("utf-8"), media_type="application/ld+json")


@router.get(
    "/credentials/{credential_id}/elm",
    response_class=Response,
    responses={
        200: {"content": {"application/ld+json": {}}, "description": "the signed ELM v3 credential"},
        404: {"description": "no such credential"},
    },
)
def get_credential_elm(credential_id: str, session: SessionDep, services: ServicesDep) -> Response:
    """The credential's ELM v3 form (a Europass ``EuropeanDigitalCredential``), signed by the institution's key;
    ``{credential_id}`` as for the learner page (the UUID, or ``urn:uuid:…``)."""
    row = issuance_data.find_credential(session, public_id=credential_id.removeprefix("urn:uuid:"))
    document = signed_elm(session, keystore=services.keystore, row=row)
    return Response(
        json.dumps(document, ensure_ascii=False).encode("utf-8"), media_type="application/ld+json"
    )


@router.get("/credentials", responses=_RESPONSES)
def list_credentials(
    caller: CallerDep,
    session: SessionDep,
    achievement: Annotated[str | None, Query(description="achievement id")] = None,
    subject: Annotated[str | None, Query(description="learner DID")] = None,
    batch: Annotated[str | None, Query(description="batch id")] = None,
    issued_after: datetime | None = None,
    issued_before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """The caller's credentials, newest first, filtered by achievement, learner DID, batch or issue date."""
    rows = issuance_data.list_credentials(
        session,
        institution=caller,
        achievement=achievements_data.get_achievement(session, public_id=achievement, institution=caller)
        if achievement
        else None,
        subject=subject,
        batch=batches_data.get_batch(session, public_id=batch, institution=caller) if batch else None,
        issued_after=_aware(issued_after, "/issued_after"),
        issued_before=_aware(issued_before, "/issued_before"),
        limit=limit,
        offset=offset,
    )
    return {
        "credentials": [
            {
                "id": f"urn:uuid:{r.public_id}",
                "issuedAt": r.issued_at.isoformat().replace("+00:00", "Z"),
                "subject": r.subject_did,
                "suite": r.suite,
                "batch": r.batch_row,
                "verifiableCredential": credential_json(r),
            }
            for r in rows
        ]
    }
