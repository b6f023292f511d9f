"""KeyStore: generates Ed25519 keys and hands out Signers; the local store seals seeds at rest.

Sealed seeds are ``version || nonce || ChaCha20-Poly1305(kek, nonce, seed, aad=key_id)``: the key-encryption key
comes from settings and is never stored beside the sealed seed, and binding ``key_id`` as associated data means a
sealed seed copied onto another key record does not open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from microcred.keys.multikey import public_key_multibase
from microcred.keys.signer import Ed25519Signer, Signer
from microcred.vc.encodings import b64url_decode, b64url_encode
from microcred.vc.errors import ConfigurationError, KeyMaterialError

__all__ = ["GeneratedKey", "KeyStore", "LocalKeyStore", "load_or_create_kek", "parse_kek"]

_VERSION = b"\x01"


@dataclass(frozen=True)
class GeneratedKey:
    """A new key: what may be published and stored (public key, sealed seed) and nothing else."""

    key_id: str
    public_key_multibase: str
    sealed_secret: bytes = field(repr=False)


class KeyStore(Protocol):
    """Creates keys and turns stored key records back into Signers."""

    def generate(self, *, key_id: str) -> GeneratedKey:
        """Create a new Ed25519 key identified by ``key_id``."""
        ...

    def signer(self, *, key_id: str, sealed_secret: bytes, verification_method: str) -> Signer:
        """A Signer for a stored key; KeyMaterialError if it cannot be opened."""
        ...


class LocalKeyStore:
    """Seals Ed25519 seeds with ChaCha20-Poly1305 under a key-encryption key held outside the database."""

    def __init__(self, kek: bytes) -> None:
        if len(kek) != 32:
            raise ConfigurationError("the key-encryption key must be 32 bytes")
        self._aead = ChaCha20Poly1305(kek)

    def __repr__(self) -> str:
        return "LocalKeyStore(kek=<hidden>)"

    def generate(self, *, key_id: str) -> GeneratedKey:
        """Create a key and seal its seed."""
        private = Ed25519PrivateKey.generate()
        seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return GeneratedKey(key_id, public_key_multibase(public), self.seal(seed, key_id=key_id))

    def seal(self, seed: bytes, *, key_id: str) -> bytes:
        """Encrypt a 32-byte seed bound to ``key_id``."""
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, seed, key_id.encode())

    def signer(self, *, key_id: str, sealed_secret: bytes, verification_method: str) -> Signer:
        """Open a sealed seed into a Signer."""
        if sealed_secret[:1] != _VERSION or len(sealed_secret) != 1 + 12 + 32 + 16:
            raise KeyMaterialError(f"key {key_id} is not a sealed Ed25519 seed")
        try:
            seed = self._aead.decrypt(sealed_secret[1:13], sealed_secret[13:], key_id.encode())
        except InvalidTag:
            raise KeyMaterialError(
                f"key {key_id} cannot be opened with the configured key-encryption key"
            ) from None
        return Ed25519Signer.from_seed(seed, verification_method=verification_method)


def parse_kek(text: str) -> bytes:
    """A key-encryption key given as base64url (43 characters, 32 bytes)."""
    kek = b64url_decode(text.strip())
    if len(kek) != 32:
        raise ConfigurationError("the key-encryption key must be 32 bytes, base64url-encoded")
    return kek


def load_or_create_kek(path: Path) -> bytes:
    """Development only: read the key file, or create it with mode 0600 on first run."""
    if path.exists():
        return parse_kek(path.read_text(encoding="ascii"))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(b64url_encode(os.urandom(32)) + "\n")
    return parse_kek(path.read_text(encoding="ascii"))
