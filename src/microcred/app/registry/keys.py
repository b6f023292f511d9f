"""The trust registry's key ring: its Ed25519 keys under ``did:web:HOST:registry``, the first one made on first
use, and when one may be retired. Exports are signed by the newest unretired key; earlier keys stay in the DID
document (exports they signed keep verifying) until retired.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.app.core.keyring import KeyRing
from microcred.app.db.tables import RegistryKey
from microcred.app.registry.data import RegistryKeyRows, registry_key
from microcred.app.registry.service import registry_did
from microcred.keys import KeyStore, Signer
from microcred.vc.errors import Conflict, NotFound

__all__ = [
    "registry_did_document",
    "registry_keys",
    "registry_signer",
    "retire_registry_key",
    "rotate_registry_key",
]


FIRST_KEY_ID = "key-1"


def registry_keys(base_url: str) -> KeyRing[RegistryKey]:
    """The registry's key ring: ``did:web:HOST:registry#key-N``, each seed sealed under ``registry:key-N``, published
    as Multikey only."""
    return KeyRing(
        did=registry_did(base_url),
        rows=RegistryKeyRows(),
        owner="the registry",
        store_prefix="registry:",
        ed25519_2020=False,
    )


def _first_key(ring: KeyRing[RegistryKey], session: Session, *, keystore: KeyStore, now: datetime) -> None:
    """Make ``key-1`` if the registry has no key yet (two first requests at once: the loser uses the winner's)."""
    if ring.rows.active(session) is None:
        with suppress(IntegrityError):  # named, not numbered: two first makers meet on the unique kid
            ring.make(session, keystore=keystore, now=now, kid=FIRST_KEY_ID)


def rotate_registry_key(session: Session, *, keystore: KeyStore, base_url: str, now: datetime) -> RegistryKey:
    """A new signing key (``key-N``); earlier keys stay in the DID document until retired."""
    ring = registry_keys(base_url)
    _first_key(ring, session, keystore=keystore, now=now)
    try:
        return ring.rotate(session, keystore=keystore, now=now)
    except IntegrityError:
        raise Conflict(
            "another rotation of the registry key happened at the same time; run it again"
        ) from None


def retire_registry_key(session: Session, *, kid: str, now: datetime) -> RegistryKey:
    """Remove ``kid`` from the DID document (exports it signed stop verifying); never the signing key."""
    key = registry_key(session, kid=kid, for_update=True)
    if key is None:
        raise NotFound(f'the registry has no key "{kid}"')
    if key.retired_at is not None:
        return key
    active = RegistryKeyRows().active(session)
    if active is not None and active.id == key.id:
        raise Conflict(f'"{kid}" is the key that signs the exports: rotate first, then retire it')
    key.retired_at = now
    session.flush()
    return key


def registry_signer(session: Session, *, keystore: KeyStore, base_url: str, now: datetime) -> Signer:
    """The registry's signer: its newest unretired key (made on first use and sealed like institution keys)."""
    ring = registry_keys(base_url)
    _first_key(ring, session, keystore=keystore, now=now)
    return ring.signer(session, keystore=keystore)


def registry_did_document(
    session: Session, *, keystore: KeyStore, base_url: str, now: datetime
) -> dict[str, Any]:
    """The registry's DID document: every unretired key as Multikey under ``assertionMethod``."""
    ring = registry_keys(base_url)
    _first_key(ring, session, keystore=keystore, now=now)
    return ring.did_document(session)
