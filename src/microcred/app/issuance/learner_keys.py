"""The learner's capability for a credential: a random key, separate from the credential's public id.

Anyone with the public link (``/credentials/{id}``: its id is inside the credential, the baked badges and the
LinkedIn link) may see and verify the credential. Sending it to a wallet - which re-issues it bound to the wallet's
DID - needs the learner key, given only to the learner inside their private link
(``/credentials/{id}/learner/{key}``, in the issue answer as ``learnerLink``). The key is 256 random bits; only its
SHA-256 is stored and it is compared in constant time. The institution can revoke it, or replace it with a new one
(which also withdraws unredeemed wallet offers made with the old one).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from microcred.app.db.tables import IssuedCredential, LearnerKey, WalletOffer
from microcred.issuer.offers import hash_secret, new_secret
from microcred.vc.errors import NotFound

__all__ = [
    "NOT_THE_LEARNER",
    "NewLearnerKey",
    "learner_link",
    "learner_page_url",
    "new_learner_key",
    "revoke_learner_key",
    "with_learner_key",
]

NOT_THE_LEARNER = "no such credential, or this learner link is not (or no longer) valid"
"""One answer for an unknown credential, a missing, wrong or revoked key: nothing tells them apart."""


@dataclass(frozen=True)
class NewLearnerKey:
    """A fresh learner key (shown once) and the private link that carries it."""

    key: str
    link: str


def learner_page_url(base_url: str, public_id: str) -> str:
    """The learner page of a credential: its unguessable (random UUID) link, returned at issuance."""
    return f"{base_url}/credentials/{public_id}"


def learner_link(base_url: str, public_id: str, key: str) -> str:
    """The learner's private link: the learner page with a working "Add to a wallet" button."""
    return f"{base_url}/credentials/{public_id}/learner/{key}"


def _withdraw_offers(session: Session, *, credential: IssuedCredential) -> None:
    # Offers started with the old key (or being redeemed) must not outlive it.
    session.execute(
        delete(WalletOffer).where(
            WalletOffer.source_credential_id == credential.public_id,
            WalletOffer.state.in_(("offered", "token")),
        )
    )


def new_learner_key(
    session: Session, *, credential: IssuedCredential, base_url: str, now: datetime
) -> NewLearnerKey:
    """Give ``credential`` a new learner key (any earlier key stops working); the key and link, never stored."""
    key = new_secret()
    existing = session.scalar(select(LearnerKey).where(LearnerKey.credential_id == credential.id))
    if existing is None:
        session.add(LearnerKey(credential_id=credential.id, key_hash=hash_secret(key), created_at=now))
    else:
        existing.key_hash = hash_secret(key)
        existing.created_at = now
        _withdraw_offers(session, credential=credential)
    session.flush()
    return NewLearnerKey(key=key, link=learner_link(base_url, credential.public_id, key))


def revoke_learner_key(session: Session, *, credential: IssuedCredential) -> None:
    """No learner key works for ``credential`` any more (until a new one is made); open offers are withdrawn."""
    session.execute(delete(LearnerKey).where(LearnerKey.credential_id == credential.id))
    _withdraw_offers(session, credential=credential)


def with_learner_key(session: Session, *, public_id: str, key: str | None) -> IssuedCredential:
    """The credential ``public_id`` if ``key`` is its current learner key; NotFound (one message) otherwise."""
    credential = session.scalar(select(IssuedCredential).where(IssuedCredential.public_id == public_id))
    stored = (
        session.scalar(select(LearnerKey.key_hash).where(LearnerKey.credential_id == credential.id))
        if credential is not None
        else None
    )
    # Hash first, then compare the fixed-length hashes in constant time (also when nothing is stored).
    given = hash_secret(key or "")
    if credential is None or stored is None or not key or not hmac.compare_digest(given, stored):
        raise NotFound(NOT_THE_LEARNER)
    return credential
