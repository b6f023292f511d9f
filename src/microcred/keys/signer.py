"""Signers: the only way code outside ``keys/`` uses a private key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from microcred.keys.multikey import public_key_multibase
from microcred.keys.public_key import CURVES, PublicKey
from microcred.vc.errors import InvalidInput

__all__ = ["EcdsaSigner", "Ed25519Signer", "Signer"]


class Signer(Protocol):
    """Signs bytes with one key (Ed25519, or ECDSA for the ECDSA suites) and names the verification method that verifies it."""

    @property
    def verification_method(self) -> str:
        """URL of the verification method (e.g. ``did:web:…#key-1``)."""
        ...

    @property
    def public_key_multibase(self) -> str:
        """The key's ``publicKeyMultibase`` (z6Mk…)."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Pure Ed25519 (RFC 8032) signature over ``data`` (ECDSA signers: ``r || s`` over its hash)."""
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


@dataclass(frozen=True)
class EcdsaSigner:
    """An in-memory ECDSA signer (P-256, P-384 or secp256k1) whose signatures are ``r || s`` (IEEE P1363, the form
    vc-di-ecdsa and JWS use) over the curve's hash of the data: SHA-256, or SHA-384 for P-384."""

    verification_method: str
    algorithm: str
    _key: ec.EllipticCurvePrivateKey = field(repr=False)

    @classmethod
    def from_secret(cls, secret: bytes, *, algorithm: str, verification_method: str) -> EcdsaSigner:
        """Build from the private scalar (big-endian bytes, as in a Multikey ``secretKeyMultibase``)."""
        if algorithm not in CURVES:
            raise InvalidInput(f'ECDSA signing needs P-256, P-384 or secp256k1, not "{algorithm}"')
        key = ec.derive_private_key(int.from_bytes(secret, "big"), CURVES[algorithm])
        return cls(verification_method, algorithm, key)

    @classmethod
    def generate(cls, *, algorithm: str, verification_method: str) -> EcdsaSigner:
        """A fresh random key."""
        return cls(verification_method, algorithm, ec.generate_private_key(CURVES[algorithm]))

    @property
    def public_key(self) -> PublicKey:
        """The public key (compressed point)."""
        point = self._key.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        return PublicKey(point, self.algorithm)

    @property
    def public_key_multibase(self) -> str:
        """``publicKeyMultibase`` (Multikey ``zDna…`` for P-256, ``z82L…`` for P-384)."""
        return self.public_key.multibase

    def sign(self, data: bytes) -> bytes:
        """ECDSA over the curve's hash of ``data``, as ``r || s``; low-S so strict verifiers (secp256k1) accept it."""
        hash_type = hashes.SHA384 if self.algorithm == "P-384" else hashes.SHA256
        r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(hash_type())))
        order = _ORDERS[self.algorithm]
        s = min(s, order - s)
        size = (order.bit_length() + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")


_ORDERS = {
    "P-256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "P-384": int(
        "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973", 16
    ),
    "secp256k1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
}
