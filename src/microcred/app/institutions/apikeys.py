"""API keys: ``mc_<prefix>_<secret>``; the prefix is stored plain (to find the key), the key only as SHA-256.

The secret is 32 random bytes, so a plain SHA-256 is enough (no password stretching needed); comparison is
constant-time. The whole key is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass, field

__all__ = ["NewApiKey", "hash_api_key", "matches", "new_api_key", "parse_api_key"]

_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
PREFIX_LENGTH = 8


@dataclass(frozen=True)
class NewApiKey:
    """A freshly minted key: ``key`` is shown to the caller once and never stored."""

    prefix: str
    key: str = field(repr=False)
    secret_hash: str = field(repr=False)


def new_api_key() -> NewApiKey:
    """Mint a key with a random 8-character prefix and a 32-byte secret."""
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    key = f"mc_{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(prefix, key, hash_api_key(key))


def hash_api_key(key: str) -> str:
    """Hex SHA-256 of the whole key."""
    return hashlib.sha256(key.encode()).hexdigest()


def parse_api_key(key: str) -> str | None:
    """The prefix of a well-formed key, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "mc" or len(parts[1]) != PREFIX_LENGTH or not parts[2]:
        return None
    if any(c not in _PREFIX_ALPHABET for c in parts[1]):
        return None
    return parts[1]


def matches(key: str, secret_hash: str) -> bool:
    """Constant-time comparison of a presented key with a stored hash."""
    return hmac.compare_digest(hash_api_key(key), secret_hash)
