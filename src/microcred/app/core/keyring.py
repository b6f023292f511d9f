"""One key ring for every DID that signs: each institution's did:web and the trust registry's.

Keys are Ed25519 and numbered ``key-1``, ``key-2``… in the order they are made. The active key signs; a rotated key
stays published in the DID document (so what it signed keeps verifying) until it is retired. Seeds are sealed by
the KeyStore under the key's store id and leave ``keys/`` only as a Signer. Where a ring's rows live, and which
of them is active, is its owner's data access (:class:`KeyRows`); when a key may be retired is the owner's rule.
https://www.w3.org/TR/controller-document/#verification-methods ; https://w3c-ccg.github.io/did-method-web/
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from microcred.app.db.tables import RegistryKey, SigningKey
from microcred.issuer.signing import SignerRecipe
from microcred.keys import GeneratedKey, KeyStore, PublishedKey, Signer, did_web_document
from microcred.vc.errors import KeyMaterialError

__all__ = ["KeyRing", "KeyRows"]


R = TypeVar("R", bound=SigningKey | RegistryKey)
"""A stored key: its ``kid`` in the DID document, its public key, its sealed seed."""
R_co = TypeVar("R_co", bound=SigningKey | RegistryKey, covariant=True)


class KeyRows(Protocol[R_co]):
    """Where one owner's keys are stored."""

    def count(self, session: Session) -> int:
        """How many keys the owner ever had (retired ones included): numbers the next ``key-N``."""
        ...

    def published(self, session: Session) -> Sequence[R_co]:
        """The keys in the DID document (not retired), oldest first."""
        ...

    def active(self, session: Session) -> R_co | None:
        """The key that signs, if there is one."""
        ...

    def add(self, session: Session, *, kid: str, generated: GeneratedKey, now: datetime) -> R_co:
        """Store a new key, which becomes the active one."""
        ...

    def deactivate(self, session: Session, *, now: datetime) -> None:
        """The active key stops signing (it stays published)."""
        ...


@dataclass(frozen=True)
class KeyRing(Generic[R]):
    """The keys of one DID: make, rotate, publish and sign with the active one."""

    did: str
    rows: KeyRows[R]
    owner: str
    """How errors name the owner, e.g. ``institution "demo"``."""
    store_prefix: str | None = None
    """Keys are sealed under ``{store_prefix}{kid}``; without a prefix, under the verification method itself."""
    ed25519_2020: bool = True
    """Also publish each key as Ed25519VerificationKey2020 (``#key-N-2020``) for Ed25519Signature2020 verifiers."""

    def verification_method(self, kid: str) -> str:
        """``{did}#key-N``."""
        return f"{self.did}#{kid}"

    def store_id(self, kid: str) -> str:
        """The id the KeyStore binds the sealed seed to."""
        return f"{self.store_prefix}{kid}" if self.store_prefix is not None else self.verification_method(kid)

    def method_for(self, kid: str, suite: str | None) -> str:
        """The verification method a proof names: ``#key-N-2020`` for Ed25519Signature2020, else ``#key-N``."""
        method = self.verification_method(kid)
        return f"{method}-2020" if suite == "Ed25519Signature2020" else method

    def make(self, session: Session, *, keystore: KeyStore, now: datetime, kid: str | None = None) -> R:
        """Generate the next key (``key-N``, or ``kid``) as the active key."""
        kid = kid or f"key-{self.rows.count(session) + 1}"
        return self.rows.add(
            session, kid=kid, generated=keystore.generate(key_id=self.store_id(kid)), now=now
        )

    def rotate(self, session: Session, *, keystore: KeyStore, now: datetime) -> R:
        """A new active key; the previous one stays published (it still verifies) but no longer signs."""
        self.rows.deactivate(session, now=now)
        return self.make(session, keystore=keystore, now=now)

    def published(self, session: Session) -> Sequence[R]:
        """The keys the DID document lists, oldest first."""
        return self.rows.published(session)

    def active(self, session: Session) -> R:
        """The active key; KeyMaterialError if there is none."""
        key = self.rows.active(session)
        if key is None:
            raise KeyMaterialError(f"{self.owner} has no active signing key")
        return key

    def signer(self, session: Session, *, keystore: KeyStore, suite: str | None = None) -> Signer:
        """The active key's Signer, naming the verification method ``suite`` uses."""
        key = self.active(session)
        return keystore.signer(
            key_id=self.store_id(key.kid),
            sealed_secret=key.sealed_secret,
            verification_method=self.method_for(key.kid, suite),
        )

    def recipe(self, session: Session, *, kek: bytes, suite: str) -> SignerRecipe:
        """How a worker process opens the active key's Signer itself (sealed seed + key-encryption key)."""
        key = self.active(session)
        return SignerRecipe(
            kek=kek,
            key_id=self.store_id(key.kid),
            sealed_secret=key.sealed_secret,
            verification_method=self.method_for(key.kid, suite),
        )

    def did_document(self, session: Session) -> dict[str, Any]:
        """The DID document: every published key as Multikey (and Ed25519VerificationKey2020) under
        ``assertionMethod``."""
        return did_web_document(
            self.did,
            [PublishedKey(k.kid, k.public_key_multibase) for k in self.published(session)],
            ed25519_2020=self.ed25519_2020,
        )
