"""An institution's Ed25519 signing keys: create, rotate, retire, publish, and hand out the active Signer.

A rotated key stays in the DID document (``verificationMethod`` and ``assertionMethod``) so credentials it signed
keep verifying; only ``retire`` takes it out. Seeds are sealed by the KeyStore, bound to the key's
verification-method id, and never leave ``keys/`` except as a Signer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from microcred.app.db.tables import Institution, SigningKey
from microcred.app.institutions import data as institutions_data
from microcred.keys import KeyStore, PublishedKey, Signer, did_key, did_web_document
from microcred.vc.errors import Conflict, KeyMaterialError, NotFound

__all__ = [
    "PUBLISHED_STATES",
    "active_signer",
    "did_document",
    "key_summary",
    "new_signing_key",
    "published_keys",
    "retire_keys",
    "rotate_key",
    "verification_method",
]

PUBLISHED_STATES = ("active", "inactive")


def verification_method(institution: Institution, kid: str) -> str:
    """``did:web:…#key-N``."""
    return f"{institution.did}#{kid}"


def new_signing_key(
    session: Session, *, keystore: KeyStore, institution: Institution, now: datetime
) -> SigningKey:
    """Generate the institution's next key (``key-N``) as its active key; any other key must be inactive."""
    kid = f"key-{institutions_data.count_signing_keys(session, institution=institution) + 1}"
    generated = keystore.generate(key_id=verification_method(institution, kid))
    return institutions_data.add_signing_key(
        session,
        institution=institution,
        kid=kid,
        public_key_multibase=generated.public_key_multibase,
        sealed_secret=generated.sealed_secret,
        now=now,
    )


def rotate_key(
    session: Session, *, keystore: KeyStore, institution: Institution, now: datetime
) -> SigningKey:
    """Make a new active key; the previous one stays published (it still verifies) but no longer signs."""
    for key in institutions_data.signing_keys(session, institution=institution, states=("active",)):
        key.state = "inactive"
        key.deactivated_at = now
    session.flush()
    return new_signing_key(session, keystore=keystore, institution=institution, now=now)


def retire_keys(
    session: Session, *, institution: Institution, kids: Sequence[str], all_inactive: bool, now: datetime
) -> list[SigningKey]:
    """Take inactive keys out of the DID document; the active key cannot be retired (rotate first)."""
    keys = {
        k.kid: k
        for k in institutions_data.signing_keys(
            session, institution=institution, states=("active", "inactive")
        )
    }
    chosen = [k for k in keys.values() if k.state == "inactive"] if all_inactive else []
    for kid in kids:
        key = keys.get(kid)
        if key is None:
            raise NotFound(f'institution "{institution.slug}" has no published key "{kid}"', pointer="#/key")
        if key.state == "active":
            raise Conflict(f'"{kid}" is the active key; rotate before retiring it', pointer="#/key")
        chosen.append(key)
    for key in chosen:
        key.state = "retired"
        key.retired_at = now
    session.flush()
    return chosen


def published_keys(session: Session, *, institution: Institution) -> Sequence[SigningKey]:
    """Keys listed in the DID document (active and inactive)."""
    return institutions_data.signing_keys(session, institution=institution, states=PUBLISHED_STATES)


def did_document(session: Session, *, institution: Institution) -> dict[str, Any]:
    """The institution's did:web document: each published key as Multikey (and Ed25519VerificationKey2020)."""
    return did_web_document(
        institution.did,
        [
            PublishedKey(k.kid, k.public_key_multibase, assertion=True)
            for k in published_keys(session, institution=institution)
        ],
    )


def key_summary(institution: Institution, key: SigningKey) -> dict[str, Any]:
    """What may be shown about a key: never the sealed secret."""
    return {
        "kid": key.kid,
        "state": key.state,
        "verificationMethod": verification_method(institution, key.kid),
        "publicKeyMultibase": key.public_key_multibase,
        "didKey": did_key(key.public_key_multibase),
        "createdAt": key.created_at.isoformat(),
        "deactivatedAt": key.deactivated_at.isoformat() if key.deactivated_at else None,
        "retiredAt": key.retired_at.isoformat() if key.retired_at else None,
    }


def active_signer(session: Session, *, keystore: KeyStore, institution: Institution) -> Signer:
    """The Signer of the institution's active key (verification method ``did:web:…#key-N``)."""
    active = institutions_data.signing_keys(session, institution=institution, states=("active",))
    if not active:
        raise KeyMaterialError(f'institution "{institution.slug}" has no active signing key')
    key = active[0]
    vm = verification_method(institution, key.kid)
    return keystore.signer(key_id=vm, sealed_secret=key.sealed_secret, verification_method=vm)
