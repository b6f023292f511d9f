"""Institution API: offer a pending award to a learner's wallet; the answer carries every link and QR code.

``POST /credentials/offers`` takes the awards route's body plus the achievement, and answers once with the offer's
secrets: the learner's page link (QR codes and deep links of both flows), the OpenID4VCI offer (by reference and
by value), the VC-API exchange and its Learner Credential Wallet deep link, and the transaction code to send to
the learner separately. The credential is issued when a wallet redeems the offer, bound to the wallet's DID.

``POST /credentials/{id}/wallet`` is the private learner page's "Add to a wallet" button: with the learner's key
(``app.learner_keys``; the credential id alone is public) it offers the already issued credential and redirects
to the same wallet page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import Field

from microcred.app.achievements import data as achievements_data
from microcred.app.achievements.service import resolve_achievement_url
from microcred.app.core.deps import CallerDep, ServicesDep, SessionDep
from microcred.app.issuance.learner_keys import with_learner_key
from microcred.app.issuance.requests import AwardRequest
from microcred.app.issuance.service import Issuer
from microcred.app.wallets import data as wallets_data
from microcred.app.wallets.service import (
    DELIVERY_OFFER_TTL,
    create_offer,
    offer_issued_credential,
    offer_status,
)
from microcred.issuer.issue_requests import evidence_items
from microcred.issuer.signing import check_signing_suite
from microcred.vc.errors import InvalidInput, NotFound

__all__ = ["OfferRequest", "router"]

router = APIRouter(tags=["wallets"])
_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing, wrong or revoked API key"},
    404: {"description": "unknown achievement or offer"},
    422: {"description": "invalid input, or the award would fail the OB3 schema / EU completeness checks"},
}


class OfferRequest(AwardRequest):
    """An award to offer: the achievement (catalogue URL or id), the learner (a DID, if known, restricts the offer
    to that DID), result and dates; whether a transaction code is required; how long the offer stays open."""

    achievement: str = Field(max_length=2000)
    tx_code: bool = True
    expires_in: int | None = Field(default=None, ge=60)


def _check_aware(value: datetime | None, pointer: str) -> None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(f'"{pointer[1:]}" needs a timezone (e.g. "Z")', pointer=pointer)


@router.post("/credentials/offers", status_code=201, responses=_RESPONSES)
def offer_award(
    body: OfferRequest, caller: CallerDep, session: SessionDep, services: ServicesDep
) -> JSONResponse:
    """Offer an award to a wallet (OpenID4VCI pre-authorized code, VC-API exchange); secrets are shown once."""
    settings = services.settings
    now = services.clock()
    check_signing_suite(body.cryptosuite, pointer="/cryptosuite")
    if body.expires_in is not None and body.expires_in > settings.wallet_offer_ttl_seconds:
        raise InvalidInput(
            f'"expiresIn" may be at most {settings.wallet_offer_ttl_seconds} seconds', pointer="/expiresIn"
        )
    for value, pointer in (
        (body.awarded_date, "/awardedDate"),
        (body.valid_from, "/validFrom"),
        (body.valid_until, "/validUntil"),
        (body.result.assessment_date, "/result/assessmentDate"),
    ):
        _check_aware(value, pointer)
    evidence_items(body.evidence, "/evidence")
    if body.achievement.startswith(f"{settings.base_url}/"):
        version = resolve_achievement_url(
            session,
            url=body.achievement,
            base_url=settings.base_url,
            institution=caller,
            pointer="/achievement",
        )
    else:
        achievement = achievements_data.get_achievement(
            session, public_id=body.achievement, institution=caller
        )
        version = achievements_data.latest_version(session, achievement=achievement)
    award = body.model_dump(
        mode="json",
        by_alias=True,
        exclude_none=True,
        include={"learner", "result", "awarded_date", "valid_from", "valid_until", "evidence"},
    )
    created = create_offer(
        session,
        issuer=Issuer(
            institution=caller, keystore=services.keystore, eu_context=services.settings.eu_context
        ),
        version=version,
        award=award,
        suite=body.cryptosuite,
        with_tx_code=body.tx_code,
        ttl=timedelta(seconds=body.expires_in or settings.wallet_offer_ttl_seconds),
        code_ttl=timedelta(seconds=settings.wallet_code_ttl_seconds),
        base_url=settings.base_url,
        now=now,
    )
    answer = offer_status(created.row)
    answer["txCode"] = created.tx_code
    answer["links"] = created.links.as_json()
    return JSONResponse(answer, status_code=201, headers={"Cache-Control": "no-store"})


@router.get("/credentials/offers/{offer_id}", responses=_RESPONSES)
def get_offer(offer_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """An offer's state (offered, token, issued, blocked), its expiry, and the credential once issued."""
    row = wallets_data.offer_of(session, public_id=offer_id, institution=caller)
    if row is None:
        raise NotFound("no such offer")
    return offer_status(row)


@router.post("/credentials/{credential_id}/wallet", status_code=303, include_in_schema=False)
def deliver_to_wallet(
    credential_id: str,
    session: SessionDep,
    services: ServicesDep,
    key: Annotated[str | None, Form(max_length=200)] = None,
) -> RedirectResponse:
    """The private learner page's "Add to a wallet" button: with the learner's key, offer this issued credential
    to a wallet and open the wallet page (QR codes and deep links of both flows); an earlier unredeemed offer of
    it is withdrawn. Without the right key: 404, the same as for an unknown credential."""
    settings = services.settings
    row = with_learner_key(session, public_id=credential_id.removeprefix("urn:uuid:"), key=key)
    created = offer_issued_credential(
        session,
        credential=row,
        ttl=min(DELIVERY_OFFER_TTL, timedelta(seconds=settings.wallet_offer_ttl_seconds)),
        code_ttl=timedelta(seconds=settings.wallet_code_ttl_seconds),
        base_url=settings.base_url,
        now=services.clock(),
    )
    return RedirectResponse(
        created.links.page,
        status_code=303,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
