"""The VC-API exchange of a wallet offer, as the DCC Learner Credential Wallet runs it.

``POST /exchanges/{reference}`` with ``{}`` → a DID-authentication request (fresh challenge, our domain); with
``{"verifiablePresentation": …}`` → the presentation is checked (purpose authentication, that challenge, that
domain, signed by the holder's did:key) and the credential is issued to that DID, once. An offer made with a
transaction code needs it as ``"txCode"`` beside the presentation: the exchange passes the same offer state
machine (:mod:`issuer.offer_state`) as OpenID4VCI - code, expiry, single use, attempt limit.
https://w3c-ccg.github.io/vc-api/#exchanges
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from microcred.app.core.deps import ServicesDep, SessionDep
from microcred.app.core.problems import problem_response
from microcred.app.status.allocation import StatusAllocator
from microcred.app.wallets.redemption import admit_step, check_open, exchange_refusal
from microcred.app.wallets.service import issue_offer, offer_by_reference, wallet_links
from microcred.contexts import offline_loader
from microcred.issuer.exchanges import check_did_authentication, credentials_presentation, did_auth_request
from microcred.issuer.offer_state import Path
from microcred.issuer.offers import new_secret, tx_code_key
from microcred.vc.errors import InvalidInput, MicrocredError, Unauthorized

__all__ = ["exchange_domain", "router"]

router = APIRouter(tags=["wallets"])
NO_STORE = {"Cache-Control": "no-store"}
_LOADER = offline_loader()


def exchange_domain(base_url: str) -> str:
    """The ``domain`` a holder's proof must name: this issuer's origin (the LCW deep link's
    ``credentialRequestOrigin``)."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


@router.get("/exchanges/{reference}/protocols")
def exchange_protocols(reference: str, session: SessionDep, services: ServicesDep) -> JSONResponse:
    """The ways to run this offer (VC-API ``protocols``): the exchange itself and the OpenID4VCI offer."""
    row = offer_by_reference(session, reference=reference, now=services.clock())
    links = wallet_links(
        base_url=services.settings.base_url, reference=reference, with_tx_code=row.tx_code_hash is not None
    )
    return JSONResponse(
        {"protocols": {"vcapi": links.exchange_url, "OID4VCI": links.openid_by_reference}}, headers=NO_STORE
    )


@router.post("/exchanges/{reference}")
def exchange(
    reference: str,
    session: SessionDep,
    services: ServicesDep,
    body: Annotated[Any, Body()] = None,
) -> JSONResponse:
    """One step of the exchange: ``{}`` starts it (DID-auth request); a presentation finishes it (credentials)."""
    now = services.clock()
    row = offer_by_reference(session, reference=reference, now=now)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise InvalidInput("the exchange expects a JSON object", pointer="")
    domain = exchange_domain(services.settings.base_url)
    presentation = body.get("verifiablePresentation")
    if presentation is None:
        check_open(row, path=Path.EXCHANGE, now=now, refuse=exchange_refusal)
        row.challenge = new_secret()
        session.flush()
        return JSONResponse(did_auth_request(challenge=row.challenge, domain=domain), headers=NO_STORE)
    tx_code = body.get("txCode")
    if tx_code is not None and not isinstance(tx_code, str):
        raise InvalidInput('"txCode" must be a string', pointer="/txCode")
    check_open(row, path=Path.EXCHANGE, now=now, refuse=exchange_refusal)
    if row.challenge is None:
        raise Unauthorized("start the exchange with {} to get a challenge first")
    try:
        move = admit_step(
            session,
            row=row,
            path=Path.EXCHANGE,
            tx_code=tx_code,
            tx_key=tx_code_key(reference),
            now=now,
            refuse=exchange_refusal,
        )
    except MicrocredError as exc:
        # Answered, not raised: the request's transaction commits, so a wrong code stays counted.
        return problem_response(
            status=exc.status,
            title=exc.title,
            detail=exc.detail,
            problem_type=exc.problem_type,
            errors=[{"pointer": exc.pointer, "detail": exc.detail}] if exc.pointer else None,
            headers=NO_STORE,
        )
    # A replayed presentation gets nowhere: the first valid one issues the credential and closes the offer.
    holder = check_did_authentication(
        presentation, challenge=row.challenge, domain=domain, loader=_LOADER, now=now
    )
    if row.learner_did and holder != row.learner_did:
        raise Unauthorized("this offer is for another DID")
    document = issue_offer(
        session,
        offer=row,
        holder=holder,
        keystore=services.keystore,
        from_states=(move.from_state,),
        now=now,
        status=StatusAllocator.from_settings(services.settings, services.clock),
        eu_context=services.settings.eu_context,
    )
    return JSONResponse(credentials_presentation([document]), headers=NO_STORE)
