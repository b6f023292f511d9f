"""Wallet offers in the database: create, redeem the pre-authorized code once, access tokens, c_nonces, and
issuing the offered credential bound to the holder's DID.

Only hashes of the offer reference, the pre-authorized code, the transaction code, access tokens and nonces are
stored. Each redemption is one conditional ``UPDATE … WHERE state = …``, so two concurrent requests cannot both
succeed. https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#name-pre-authorized-code-flow
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.issuance import Issuer, credential_json, evidence_items, learner_from_fields
from app.status_lists import StatusAllocator
from app.tables import AchievementVersion, Institution, IssuedCredential, WalletNonce, WalletOffer
from issuer import Award, Learner, check_before_signing
from issuer.offers import (
    TX_CODE_LENGTH,
    OfferLinks,
    hash_secret,
    new_reference,
    new_secret,
    new_tx_code,
    offer_links,
    pre_authorized_code,
    tx_code_hash,
    tx_code_key,
    unwrap_tx_key,
    wrap_tx_key,
)
from keys import KeyStore
from vc.errors import Conflict, InvalidToken, NotFound, OAuthError

__all__ = [
    "MAX_TX_CODE_FAILURES",
    "NewOffer",
    "consume_nonce",
    "create_offer",
    "current_code",
    "grant_token",
    "issue_offer",
    "new_nonce",
    "offer_by_reference",
    "offer_by_token",
    "offer_status",
    "wallet_links",
]

MAX_TX_CODE_FAILURES = 5
"""Wrong transaction codes tolerated before the offer is blocked (a 6-digit code must not be guessable)."""
PLACEHOLDER_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
"""Stands in for the (not yet known) holder when the offer is checked at creation."""


@dataclass(frozen=True)
class NewOffer:
    """A created offer and its one-time secrets (shown to the institution once, never stored)."""

    row: WalletOffer
    reference: str
    tx_code: str | None
    links: OfferLinks


def wallet_links(*, base_url: str, reference: str, with_tx_code: bool, code: str | None = None) -> OfferLinks:
    """The links of an offer (page, OpenID4VCI offer URI and deep links, VC-API exchange, LCW deep link); the
    by-value OpenID4VCI link only when the current pre-authorized ``code`` is given."""
    return offer_links(
        base_url=base_url,
        reference=reference,
        code=code,
        tx_code_length=TX_CODE_LENGTH if with_tx_code else None,
    )


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _mint_code(row: WalletOffer, *, reference: str, now: datetime, code_ttl: timedelta) -> str:
    """Start a new code window: a new pre-authorized code (the previous one stops working)."""
    minted = now.replace(microsecond=0)
    code = pre_authorized_code(reference, minted_at=_stamp(minted))
    row.code_minted_at = minted
    row.code_expires_at = min(minted + code_ttl, row.expires_at)
    row.code_hash = hash_secret(code)
    if row.tx_code_hash is not None:
        row.tx_key_wrapped = wrap_tx_key(tx_code_key(reference), code)
    return code


def current_code(
    session: Session, *, row: WalletOffer, reference: str, now: datetime, code_ttl: timedelta
) -> str:
    """The pre-authorized code to put in the offer: the current one while at least half its lifetime is left
    (a wallet may fetch the offer twice), else a new one."""
    if row.code_expires_at - now >= code_ttl / 2:
        return pre_authorized_code(reference, minted_at=_stamp(row.code_minted_at))
    code = _mint_code(row, reference=reference, now=now, code_ttl=code_ttl)
    session.flush()
    return code


def award_of(offer: WalletOffer, *, holder: str) -> Award:
    """The offered Award, bound to the holder's DID (name and e-mail from the offer are kept)."""
    data = offer.award
    learner = data.get("learner", {})

    def when(key: str, source: dict[str, Any] = data) -> datetime | None:
        value = source.get(key)  # written by the offer API from timezone-aware datetimes
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None

    result = data.get("result", {})
    valid_from = when("validFrom") or offer.created_at
    return Award(
        learner=Learner(did=holder, name=learner.get("name"), email=learner.get("email")),
        awarded_date=when("awardedDate") or valid_from,
        valid_from=valid_from,
        valid_until=when("validUntil"),
        grade=result.get("grade"),
        ects_awarded=result.get("ectsAwarded"),
        assessment_date=when("assessmentDate", result),
        evidence=evidence_items(data.get("evidence"), "/evidence"),
    )


def create_offer(
    session: Session,
    *,
    issuer: Issuer,
    version: AchievementVersion,
    award: dict[str, Any],
    suite: str,
    with_tx_code: bool,
    ttl: timedelta,
    code_ttl: timedelta,
    base_url: str,
    now: datetime,
) -> NewOffer:
    """Store an offer of ``version`` to a learner; the award is checked now (OB3 schema, EU completeness) with a
    stand-in holder, so a wallet never meets a credential that cannot be issued."""
    learner = award.get("learner", {})
    if learner.get("did"):
        learner_from_fields(did=learner["did"], name=None, email=None, pointer="/learner")
    reference = new_reference()
    tx_code = new_tx_code() if with_tx_code else None
    row = WalletOffer(
        public_id=str(uuid.uuid4()),
        institution_id=issuer.institution.id,
        achievement_version_id=version.id,
        award=award,
        suite=suite,
        learner_did=learner.get("did") or None,
        reference_hash=hash_secret(reference),
        tx_code_hash=tx_code_hash(tx_code_key(reference), tx_code) if tx_code else None,
        tx_code_failures=0,
        state="offered",
        created_at=now,
        expires_at=now + ttl,
    )
    code = _mint_code(row, reference=reference, now=now, code_ttl=code_ttl)
    _, unsigned = issuer.prepare(
        version=version, award=award_of(row, holder=row.learner_did or PLACEHOLDER_DID)
    )
    check_before_signing(unsigned)
    if version.used_at is None:
        version.used_at = (
            now  # what was offered (and checked) is what the wallet will get: freeze the version
        )
    session.add(row)
    session.flush()
    links = wallet_links(base_url=base_url, reference=reference, with_tx_code=with_tx_code, code=code)
    return NewOffer(row=row, reference=reference, tx_code=tx_code, links=links)


def offer_by_reference(session: Session, *, reference: str, now: datetime) -> WalletOffer:
    """The offer a learner's link names, while it can still be redeemed (NotFound otherwise)."""
    row = session.scalar(select(WalletOffer).where(WalletOffer.reference_hash == hash_secret(reference)))
    if row is None or row.expires_at <= now:
        raise NotFound("no such offer, or it has expired")
    return row


def offer_status(row: WalletOffer) -> dict[str, Any]:
    """What the institution may see of an offer (no secrets)."""
    return {
        "id": row.public_id,
        "state": row.state,
        "createdAt": row.created_at.isoformat().replace("+00:00", "Z"),
        "expiresAt": row.expires_at.isoformat().replace("+00:00", "Z"),
        "holder": row.holder_did,
        "credentialId": f"urn:uuid:{row.credential_id}" if row.credential_id else None,
    }


def grant_token(
    session: Session, *, code: str, tx_code: str | None, now: datetime, token_ttl: timedelta
) -> tuple[str, WalletOffer]:
    """Redeem a pre-authorized code (once) for an access token; OAuthError with the OpenID4VCI §6.3 codes."""
    row = session.scalar(select(WalletOffer).where(WalletOffer.code_hash == hash_secret(code)))
    if row is None:
        raise OAuthError("invalid_grant", "the pre-authorized code is unknown")
    if row.state != "offered":
        raise OAuthError("invalid_grant", "the pre-authorized code was already used")
    if row.expires_at <= now or row.code_expires_at <= now:
        raise OAuthError("invalid_grant", "the pre-authorized code has expired: fetch the offer again")
    if row.tx_code_hash is None:
        if tx_code is not None:
            raise OAuthError("invalid_request", "this offer has no transaction code: do not send tx_code")
    elif tx_code is None:
        raise OAuthError("invalid_request", "this offer needs the transaction code (tx_code)")
    elif row.tx_key_wrapped is None or not hmac.compare_digest(
        tx_code_hash(unwrap_tx_key(row.tx_key_wrapped, code), tx_code), row.tx_code_hash
    ):
        row.tx_code_failures += 1
        if row.tx_code_failures >= MAX_TX_CODE_FAILURES:
            row.state = "blocked"
        session.flush()
        raise OAuthError("invalid_grant", "the transaction code is wrong")
    token = new_secret()
    claimed = session.execute(
        update(WalletOffer)
        .where(WalletOffer.id == row.id, WalletOffer.state == "offered")
        .values(state="token", token_hash=hash_secret(token), token_expires_at=now + token_ttl)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise OAuthError("invalid_grant", "the pre-authorized code was already used")
    session.refresh(row)
    return token, row


def offer_by_token(session: Session, *, token: str | None, now: datetime) -> WalletOffer:
    """The offer an access token was granted for, while the token is valid and unused (InvalidToken if not)."""
    if not token:
        raise InvalidToken("an access token is required (Authorization: Bearer)")
    row = session.scalar(select(WalletOffer).where(WalletOffer.token_hash == hash_secret(token)))
    if row is None or row.state != "token":
        raise InvalidToken("the access token is unknown or was already used")
    if row.token_expires_at is None or row.token_expires_at <= now:
        raise InvalidToken("the access token has expired")
    return row


def new_nonce(session: Session, *, now: datetime, ttl: timedelta) -> str:
    """A fresh ``c_nonce`` (stored hashed); expired ones are swept on the way."""
    session.execute(delete(WalletNonce).where(WalletNonce.expires_at <= now))
    nonce = new_secret()
    session.add(WalletNonce(nonce_hash=hash_secret(nonce), expires_at=now + ttl))
    session.flush()
    return nonce


def consume_nonce(session: Session, *, nonce: str, now: datetime) -> bool:
    """Redeem a ``c_nonce`` once; False if it is unknown, used or expired."""
    done = session.execute(
        delete(WalletNonce).where(WalletNonce.nonce_hash == hash_secret(nonce), WalletNonce.expires_at > now)
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def issue_offer(
    session: Session,
    *,
    offer: WalletOffer,
    holder: str,
    keystore: KeyStore,
    from_states: tuple[str, ...],
    now: datetime,
    status: StatusAllocator | None = None,
) -> dict[str, Any]:
    """Issue the offered credential with ``credentialSubject.id`` = ``holder``, once (Conflict if the offer was
    redeemed meanwhile); the signed credential. ``status`` gives it its status-list entries (revocation)."""
    claimed = session.execute(
        update(WalletOffer)
        .where(WalletOffer.id == offer.id, WalletOffer.state.in_(from_states))
        .values(state="issued", holder_did=holder, issued_at=now, token_hash=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("this offer was already redeemed")
    institution = session.get(Institution, offer.institution_id)
    version = session.get(AchievementVersion, offer.achievement_version_id)
    if institution is None or version is None:
        raise NotFound("the offer's institution or achievement no longer exists")
    issuer = Issuer(institution=institution, keystore=keystore, status=status)
    row: IssuedCredential = issuer.issue(
        session, version=version, award=award_of(offer, holder=holder), suite=offer.suite, now=now
    )
    session.flush()
    # The learner's name and e-mail were kept only to be put (hashed) into the credential: drop them now.
    kept = {key: value for key, value in offer.award.items() if key != "learner"}
    session.execute(
        update(WalletOffer)
        .where(WalletOffer.id == offer.id)
        .values(credential_id=row.public_id, award=kept)
        .execution_options(synchronize_session=False)
    )
    return credential_json(row)
