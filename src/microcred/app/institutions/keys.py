"""An institution's key ring: its Ed25519 signing keys under its did:web, and when one may be retired.

A rotated key stays in the DID document (``verificationMethod`` and ``assertionMethod``) so credentials it signed
keep verifying; only ``retire`` takes it out, and never the active key (rotate first).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from microcred.app.core.keyring import KeyRing
from microcred.app.db.tables import Institution, SigningKey
from microcred.app.institutions.data import PUBLISHED_STATES, InstitutionKeyRows, signing_keys
from microcred.keys import did_key
from microcred.vc.errors import Conflict, NotFound

__all__ = ["institution_keys", "key_summary", "retire_keys"]


def institution_keys(institution: Institution) -> KeyRing[SigningKey]:
    """The institution's key ring: ``did:web:…#key-N``, each seed sealed under its verification method."""
    return KeyRing(
        did=institution.did, rows=InstitutionKeyRows(institution), owner=f'institution "{institution.slug}"'
    )


def retire_keys(
    session: Session, *, institution: Institution, kids: Sequence[str], all_inactive: bool, now: datetime
) -> list[SigningKey]:
    """Take inactive keys out of the DID document; the active key cannot be retired (rotate first)."""
    keys = {k.kid: k for k in signing_keys(session, institution=institution, states=PUBLISHED_STATES)}
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


def key_summary(institution: Institution, key: SigningKey) -> dict[str, Any]:
    """What may be shown about a key: never the sealed secret."""
    return {
        "kid": key.kid,
        "state": key.state,
        "verificationMethod": institution_keys(institution).verification_method(key.kid),
        "publicKeyMultibase": key.public_key_multibase,
        "didKey": did_key(key.public_key_multibase),
        "createdAt": key.created_at.isoformat(),
        "deactivatedAt": key.deactivated_at.isoformat() if key.deactivated_at else None,
        "retiredAt": key.retired_at.isoformat() if key.retired_at else None,
    }
