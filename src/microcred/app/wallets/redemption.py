"""Redeeming a wallet offer step by step: the offer state machine run against the database (each step one
conditional ``UPDATE``, so two concurrent requests cannot both succeed), transaction-code attempts, access tokens
and ``c_nonce``s, and each refusal worded for its protocol.
https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#name-pre-authorized-code-flow
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from microcred.app.db.tables import (
    WalletNonce,
    WalletOffer,
)
from microcred.issuer.offer_state import (
    BLOCKED,
    MAX_TX_CODE_FAILURES,
    Move,
    OfferFacts,
    Path,
    Refusal,
    admit,
    after_tx_code,
    open_for,
)
from microcred.issuer.offers import (
    hash_secret,
    new_secret,
    tx_code_hash,
    unwrap_tx_key,
)
from microcred.vc.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidToken,
    MicrocredError,
    NotFound,
    OAuthError,
)

__all__ = [
    "MAX_TX_CODE_FAILURES",
    "admit_step",
    "check_open",
    "consume_nonce",
    "credential_refusal",
    "exchange_refusal",
    "grant_token",
    "new_nonce",
    "offer_by_token",
    "token_refusal",
]


def _facts(row: WalletOffer) -> OfferFacts:
    return OfferFacts(
        state=row.state,
        expires_at=row.expires_at,
        has_tx_code=row.tx_code_hash is not None,
        tx_code_failures=row.tx_code_failures,
        code_expires_at=row.code_expires_at,
        token_expires_at=row.token_expires_at,
    )


def admit_step(
    session: Session,
    *,
    row: WalletOffer,
    path: Path,
    tx_code: str | None,
    tx_key: bytes | None,
    now: datetime,
    refuse: Callable[[Refusal], MicrocredError],
) -> Move:
    """Run one redemption step of ``row`` through the offer state machine (:mod:`issuer.offer_state`): refused
    (``refuse`` words it for the path) unless the offer is at the step's state, alive, and the transaction code is
    right when it has one. A code attempt is counted by a conditional ``UPDATE`` *before* the code is compared,
    so parallel guesses never exceed the limit; a wrong code stays counted (the caller must commit, not roll back,
    on TX_CODE_WRONG); the limit blocks the offer. The caller writes the returned move with a conditional update
    from ``move.from_state``: the first of two parallel redemptions wins."""
    decision = admit(_facts(row), path=path, tx_code_given=tx_code is not None, now=now)
    if isinstance(decision, Refusal):
        raise refuse(decision)
    if not decision.check_tx_code:
        return decision
    counted = session.execute(
        update(WalletOffer)
        .where(
            WalletOffer.id == row.id,
            WalletOffer.state == decision.from_state,
            WalletOffer.tx_code_failures < MAX_TX_CODE_FAILURES,
        )
        .values(tx_code_failures=WalletOffer.tx_code_failures + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    if counted.rowcount != 1:  # type: ignore[attr-defined]
        raise refuse(open_for(_facts(row), path=path, now=now) or Refusal.BLOCKED)
    matched = (
        tx_key is not None
        and row.tx_code_hash is not None
        and hmac.compare_digest(tx_code_hash(tx_key, tx_code or ""), row.tx_code_hash)
    )
    refusal, block = after_tx_code(matched=matched, failures=row.tx_code_failures)
    if refusal is None:
        back = WalletOffer.tx_code_failures - 1
        values: dict[str, Any] = {"tx_code_failures": back}
    elif block:
        values = {"state": BLOCKED}
    else:
        values = {}
    if values:
        session.execute(
            update(WalletOffer)
            .where(WalletOffer.id == row.id, WalletOffer.state == decision.from_state)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.refresh(row)
    if refusal is not None:
        raise refuse(refusal)
    return decision


def check_open(
    row: WalletOffer, *, path: Path, now: datetime, refuse: Callable[[Refusal], MicrocredError]
) -> None:
    """Refuse (worded by ``refuse``) unless ``row`` is at the state ``path`` starts from, alive and not blocked:
    for the steps before a redemption (the exchange's challenge)."""
    refused = open_for(_facts(row), path=path, now=now)
    if refused is not None:
        raise refuse(refused)


_TOKEN_REFUSALS = {
    Refusal.REDEEMED: ("invalid_grant", "the pre-authorized code was already used"),
    Refusal.EXPIRED: ("invalid_grant", "the pre-authorized code has expired: fetch the offer again"),
    Refusal.BLOCKED: ("invalid_grant", "too many wrong transaction codes: this offer is blocked"),
    Refusal.TX_CODE_MISSING: ("invalid_request", "this offer needs the transaction code (tx_code)"),
    Refusal.TX_CODE_UNEXPECTED: (
        "invalid_request",
        "this offer has no transaction code: do not send tx_code",
    ),
    Refusal.TX_CODE_WRONG: ("invalid_grant", "the transaction code is wrong"),
}


def token_refusal(refusal: Refusal) -> MicrocredError:
    """A refused token request, with the OpenID4VCI §6.3 / RFC 6749 §5.2 error codes."""
    error, detail = _TOKEN_REFUSALS[refusal]
    return OAuthError(error, detail)


def credential_refusal(refusal: Refusal) -> MicrocredError:
    """A refused credential request: the access token is no longer good (RFC 6750 §3.1)."""
    if refusal is Refusal.EXPIRED:
        return InvalidToken("the access token has expired")
    return InvalidToken("the access token is unknown or was already used")


def exchange_refusal(refusal: Refusal) -> MicrocredError:
    """A refused VC-API exchange step, as a problem."""
    if refusal is Refusal.REDEEMED:
        return Conflict("this offer was already redeemed")
    if refusal is Refusal.EXPIRED:
        return NotFound("no such offer, or it has expired")
    if refusal is Refusal.BLOCKED:
        return Forbidden("too many wrong transaction codes: this offer is blocked")
    if refusal is Refusal.TX_CODE_MISSING:
        return InvalidInput('this offer needs the transaction code: send "txCode"', pointer="/txCode")
    if refusal is Refusal.TX_CODE_UNEXPECTED:
        return InvalidInput('this offer has no transaction code: do not send "txCode"', pointer="/txCode")
    return Forbidden("the transaction code is wrong")


def grant_token(
    session: Session, *, code: str, tx_code: str | None, now: datetime, token_ttl: timedelta
) -> tuple[str, WalletOffer]:
    """Redeem a pre-authorized code (once) for an access token; OAuthError with the OpenID4VCI §6.3 codes."""
    row = session.scalar(select(WalletOffer).where(WalletOffer.code_hash == hash_secret(code)))
    if row is None:
        raise OAuthError("invalid_grant", "the pre-authorized code is unknown")
    move = admit_step(
        session,
        row=row,
        path=Path.TOKEN,
        tx_code=tx_code,
        tx_key=unwrap_tx_key(row.tx_key_wrapped, code) if row.tx_key_wrapped else None,
        now=now,
        refuse=token_refusal,
    )
    token = new_secret()
    claimed = session.execute(
        update(WalletOffer)
        .where(WalletOffer.id == row.id, WalletOffer.state == move.from_state)
        .values(state=move.to_state, token_hash=hash_secret(token), token_expires_at=now + token_ttl)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise token_refusal(Refusal.REDEEMED)
    session.refresh(row)
    return token, row


def offer_by_token(session: Session, *, token: str | None, now: datetime) -> WalletOffer:
    """The offer an access token was granted for, while the token is valid and unused (InvalidToken if not)."""
    if not token:
        raise InvalidToken("an access token is required (Authorization: Bearer)")
    row = session.scalar(select(WalletOffer).where(WalletOffer.token_hash == hash_secret(token)))
    if row is None:
        raise InvalidToken("the access token is unknown or was already used")
    admit_step(
        session,
        row=row,
        path=Path.CREDENTIAL,
        tx_code=None,
        tx_key=None,
        now=now,
        refuse=credential_refusal,
    )
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
