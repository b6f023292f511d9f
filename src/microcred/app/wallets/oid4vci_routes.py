"""OpenID4VCI 1.0, pre-authorized code flow: metadata, the offer by reference, token, nonce and credential
endpoints, and the learner's wallet page with both flows' QR codes and deep links.

Refusals use the specifications' codes as ``{"error", "error_description"}`` (not problem+json): token errors per
RFC 6749 §5.2 / OpenID4VCI §6.3, credential errors per OpenID4VCI §8.3.1, token errors at the credential endpoint
per RFC 6750 §3.1. https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Form
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from microcred.app.achievements import data as achievements_data
from microcred.app.core.deps import ServicesDep, SessionDep
from microcred.app.institutions import data as institutions_data
from microcred.app.issuance.learner_keys import learner_page_url
from microcred.app.pages.templating import render
from microcred.app.status.allocation import StatusAllocator
from microcred.app.wallets.redemption import (
    consume_nonce,
    credential_refusal,
    grant_token,
    new_nonce,
    offer_by_token,
)
from microcred.app.wallets.service import current_code, issue_offer, offer_by_reference, wallet_links
from microcred.issuer.offers import (
    CREDENTIAL_CONFIGURATION_ID,
    PRE_AUTHORIZED_GRANT,
    TX_CODE_LENGTH,
    credential_offer,
)
from microcred.issuer.oid4vci import authorization_server_metadata, check_key_proof, issuer_metadata
from microcred.vc.errors import NotFound, OAuthError

__all__ = ["oauth_error", "router", "wallet_page_url"]

router = APIRouter(tags=["wallets"])
NO_STORE = {"Cache-Control": "no-store"}
_bearer = HTTPBearer(auto_error=False, scheme_name="WalletAccessToken", description="OpenID4VCI access token")


def wallet_page_url(base_url: str, reference: str) -> str:
    """The learner's wallet page of an offer (both flows' QR codes and deep links)."""
    return f"{base_url}/wallet/{reference}"


def _ascii_description(text: str) -> str:
    # error_description allows %x20-21 / %x23-5B / %x5D-7E only (RFC 6749 §5.2): no '"' and no '\'.
    cleaned = text.replace('"', "'").replace("\\", "/")
    return "".join(ch if 0x20 <= ord(ch) <= 0x7E else "?" for ch in cleaned)


def oauth_error(exc: OAuthError) -> JSONResponse:
    """The JSON error response wallets expect; 401s carry ``WWW-Authenticate`` (RFC 6750 §3)."""
    headers = dict(NO_STORE)
    description = _ascii_description(exc.detail)
    if exc.status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{exc.error}", error_description="{description}"'
    return JSONResponse(
        {"error": exc.error, "error_description": description}, status_code=exc.status, headers=headers
    )


@router.get("/.well-known/openid-credential-issuer")
def credential_issuer_metadata(services: ServicesDep) -> JSONResponse:
    """Credential Issuer Metadata (OpenID4VCI 1.0 §12.2)."""
    base = services.settings.base_url
    return JSONResponse(issuer_metadata(credential_issuer=base, display_name="microcred"))


@router.get("/.well-known/oauth-authorization-server")
def oauth_metadata(services: ServicesDep) -> JSONResponse:
    """Authorization server metadata (RFC 8414) of the issuer acting as its own authorization server."""
    return JSONResponse(authorization_server_metadata(issuer=services.settings.base_url))


@router.get("/oid4vci/offers/{reference}")
def offer_by_uri(reference: str, session: SessionDep, services: ServicesDep) -> JSONResponse:
    """The Credential Offer behind ``credential_offer_uri`` (§4.1.3): JSON, unsigned, not cacheable."""
    now = services.clock()
    row = offer_by_reference(session, reference=reference, now=now)
    if row.state != "offered":
        raise NotFound("this offer was already redeemed")
    code_ttl = timedelta(seconds=services.settings.wallet_code_ttl_seconds)
    offer = credential_offer(
        credential_issuer=services.settings.base_url,
        code=current_code(session, row=row, reference=reference, now=now, code_ttl=code_ttl),
        tx_code_length=TX_CODE_LENGTH if row.tx_code_hash else None,
        tx_code_description="The code your institution sent you separately" if row.tx_code_hash else None,
    )
    return JSONResponse(offer, headers=NO_STORE)


def _authorization_details(raw: str | None) -> list[dict[str, Any]] | None:
    if raw is None:
        return None
    try:
        details = json.loads(raw)
    except ValueError:
        raise OAuthError("invalid_request", "authorization_details must be a JSON array") from None
    if not isinstance(details, list) or not details:
        raise OAuthError("invalid_request", "authorization_details must be a non-empty JSON array")
    for item in details:
        if not isinstance(item, dict) or item.get("type") != "openid_credential":
            raise OAuthError("invalid_authorization_details", "only type openid_credential is supported")
        if item.get("credential_configuration_id") != CREDENTIAL_CONFIGURATION_ID:
            raise OAuthError(
                "invalid_authorization_details",
                f"credential_configuration_id must be {CREDENTIAL_CONFIGURATION_ID}",
            )
    return details


@router.post("/oid4vci/token")
def token(
    session: SessionDep,
    services: ServicesDep,
    grant_type: Annotated[str | None, Form()] = None,
    pre_authorized_code: Annotated[str | None, Form(alias="pre-authorized_code")] = None,
    tx_code: Annotated[str | None, Form()] = None,
    authorization_details: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    """Token Request with the pre-authorized code (§6.1); each code buys one access token, once."""
    try:
        if grant_type != PRE_AUTHORIZED_GRANT:
            raise OAuthError("unsupported_grant_type", f"grant_type must be {PRE_AUTHORIZED_GRANT}")
        if not pre_authorized_code:
            raise OAuthError("invalid_request", "pre-authorized_code is missing")
        details = _authorization_details(authorization_details)
        access_token, offer = grant_token(
            session,
            code=pre_authorized_code,
            tx_code=tx_code,
            now=services.clock(),
            token_ttl=timedelta(seconds=services.settings.wallet_token_ttl_seconds),
        )
    except OAuthError as exc:
        return oauth_error(exc)
    body: dict[str, Any] = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": services.settings.wallet_token_ttl_seconds,
    }
    if details is not None:
        body["authorization_details"] = [
            {
                "type": "openid_credential",
                "credential_configuration_id": CREDENTIAL_CONFIGURATION_ID,
                "credential_identifiers": [offer.public_id],
            }
        ]
    return JSONResponse(body, headers=NO_STORE)


@router.post("/oid4vci/nonce")
def nonce(session: SessionDep, services: ServicesDep) -> JSONResponse:
    """Nonce Endpoint (§7): a fresh single-use ``c_nonce`` for the key proof."""
    value = new_nonce(
        session, now=services.clock(), ttl=timedelta(seconds=services.settings.wallet_nonce_ttl_seconds)
    )
    return JSONResponse({"c_nonce": value}, headers=NO_STORE)


def _one_jwt_proof(body: Any) -> str:
    if not isinstance(body, dict):
        raise OAuthError("invalid_credential_request", "the Credential Request must be a JSON object")
    configuration = body.get("credential_configuration_id")
    identifier = body.get("credential_identifier")
    if (configuration is None) == (identifier is None):
        raise OAuthError(
            "invalid_credential_request",
            "give exactly one of credential_configuration_id and credential_identifier",
        )
    if configuration is not None and configuration != CREDENTIAL_CONFIGURATION_ID:
        raise OAuthError("unknown_credential_configuration", f"offered is {CREDENTIAL_CONFIGURATION_ID}")
    proofs = body.get("proofs")
    if proofs is None:
        raise OAuthError("invalid_proof", "proofs is missing (a jwt key proof binds the credential)")
    if not isinstance(proofs, dict) or set(proofs) != {"jwt"}:
        raise OAuthError("invalid_proof", 'proofs must be {"jwt": [<one key proof JWT>]}')
    jwts = proofs["jwt"]
    if not isinstance(jwts, list) or len(jwts) != 1:
        raise OAuthError("invalid_proof", "exactly one jwt key proof is accepted (no batch issuance)")
    return str(jwts[0]) if isinstance(jwts[0], str) else ""


@router.post("/oid4vci/credential")
def credential(
    session: SessionDep,
    services: ServicesDep,
    authorization: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    body: Annotated[Any, Body()] = None,
) -> JSONResponse:
    """Credential Request (§8): the key proof's DID becomes ``credentialSubject.id``; one credential per token."""
    now = services.clock()
    settings = services.settings
    try:
        offer = offer_by_token(session, token=authorization.credentials if authorization else None, now=now)
        jwt = _one_jwt_proof(body)
        if isinstance(body, dict) and body.get("credential_identifier") not in (None, offer.public_id):
            raise OAuthError("unknown_credential_identifier", "the token was granted for another identifier")
        proof = check_key_proof(
            jwt,
            audience=settings.base_url,
            now=now,
            max_age=timedelta(seconds=settings.wallet_nonce_ttl_seconds),
        )
        if proof.nonce is None:
            raise OAuthError("invalid_proof", "the key proof must carry the c_nonce from the nonce endpoint")
        if not consume_nonce(session, nonce=proof.nonce, now=now):
            raise OAuthError("invalid_nonce", "the c_nonce is unknown, used or expired: fetch a new one")
        if offer.learner_did and proof.holder != offer.learner_did:
            raise OAuthError("credential_request_denied", "this offer is for another DID")
    except OAuthError as exc:
        return oauth_error(exc)
    try:
        document = issue_offer(
            session,
            offer=offer,
            holder=proof.holder,
            keystore=services.keystore,
            from_states=("token",),
            now=now,
            status=StatusAllocator.from_settings(services.settings, services.clock),
            eu_context=services.settings.eu_context,
            refuse=credential_refusal,  # a parallel request with the same token won: its token is used up
        )
    except OAuthError as exc:
        return oauth_error(exc)
    return JSONResponse({"credentials": [{"credential": document}]}, headers=NO_STORE)


@router.get("/wallet/{reference}", response_class=HTMLResponse, include_in_schema=False)
def wallet_page(reference: str, session: SessionDep, services: ServicesDep) -> HTMLResponse:
    """The learner's page of an offer: QR codes and deep links for OpenID4VCI wallets and for the LCW."""
    row = offer_by_reference(session, reference=reference, now=services.clock())
    if row.state == "issued" and row.credential_id:
        page = learner_page_url(services.settings.base_url, row.credential_id)
        return render("wallet.html", state="issued", name="In your wallet", page=page, headers=NO_STORE)
    if row.state != "offered":
        return render("wallet.html", state="closed", name="Offer closed", status=410, headers=NO_STORE)
    links = wallet_links(
        base_url=services.settings.base_url, reference=reference, with_tx_code=row.tx_code_hash is not None
    )
    qr = links.qr()
    version = achievements_data.version_by_id(session, version_id=row.achievement_version_id)
    institution = institutions_data.institution_by_id(session, institution_id=row.institution_id)
    return render(
        "wallet.html",
        state="offered",
        name=version.name if version else "Micro-credential",
        institution=institution.name if institution else "",
        expires=row.expires_at.strftime("%Y-%m-%d %H:%M"),
        openid_qr=qr["openid4vci"]["svg"],
        openid_link=links.openid_by_reference,
        lcw_qr=qr["lcw"]["svg"],
        lcw_link=links.lcw,
        tx_code=row.tx_code_hash is not None,
        headers=NO_STORE,
    )
