"""Signers: the only way code outside ``keys/`` uses a private key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from microcred.keys.multikey import public_key_multibase

__all__ = ["Ed25519Signer", "Signer"]


class Signer(Protocol):
    """Signs bytes with one Ed25519 key and names the verification method that verifies it."""

    @property
    def verification_method(self) -> str:
        """URL of the verification method (e.g. ``did:web:…#key-1``)."""
        ...

    @property
    def public_key_multibase(self) -> str:
        """The key's ``publicKeyMultibase`` (z6Mk…)."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Pure Ed25519 (RFC 8032) signature over ``data``."""
        ...


@dataclass(frozen=True)
class Ed25519Signer:
    """An in-memory Ed25519 signer; the seed never leaves this object (and is not in its repr)."""

    verification_method: str
    _key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def from_seed(cls, seed: bytes, *, verification_method: str) -> Ed25519Signer:
        """Build from a 32-byte seed."""
        return cls(verification_method, Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def public_key(self) -> bytes:
        """Raw 32-byte public key."""
        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def public_key_multibase(self) -> str:
        """``publicKeyMultibase`` of the public key."""
        return public_key_multibase(self.public_key)

    def sign(self, data: bytes) -> bytes:
        """Pure Ed25519 signature."""
        return self._key.sign(data)
