"""Bitstring Status List bit logic: random index choice, setting and clearing bits, the encoded list, the entry
and the unsigned BitstringStatusListCredential. A plain library: storage and signing live in ``app/``.

https://www.w3.org/TR/vc-bitstring-status-list/
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from microcred.issuer.credential import xsd_datetime
from microcred.vc.encodings import encode_bitstring
from microcred.vc.errors import InvalidInput

__all__ = [
    "MIN_ENTRIES",
    "PURPOSES",
    "Bitstring",
    "Randomness",
    "choose_free_index",
    "list_credential",
    "status_entry",
]

MIN_ENTRIES = 131_072
"""minimumNumberOfEntries: 16 KB of 1-bit entries (herd privacy).
https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential"""

PURPOSES = ("revocation", "suspension")
"""The purposes this issuer offers: revocation is final, suspension can be lifted."""

VC_V2 = "https://www.w3.org/ns/credentials/v2"

Randomness = Callable[[int], int]
"""``randbelow(n)``: a uniformly random integer in ``[0, n)`` (``secrets.randbelow`` in production)."""


class Bitstring:
    """A list of 1-bit statuses; index 0 is the left-most (most significant) bit of byte 0.

    https://www.w3.org/TR/vc-bitstring-status-list/#bitstring-encoding
    """

    def __init__(self, length: int) -> None:
        if length <= 0 or length % 8:
            raise InvalidInput(f"a status list length must be a positive multiple of 8, not {length}")
        self.length = length
        self._bits = bytearray(length // 8)

    @classmethod
    def with_set(cls, length: int, indices: Iterable[int]) -> Bitstring:
        """A bitstring of ``length`` with exactly the given indices set."""
        bits = cls(length)
        for index in indices:
            bits.set(index)
        return bits

    def _check(self, index: int) -> None:
        if not 0 <= index < self.length:
            raise InvalidInput(f"status index {index} is outside the list (0..{self.length - 1})")

    def set(self, index: int, value: bool = True) -> None:
        """Set (or with ``value=False`` clear) the bit at ``index``."""
        self._check(index)
        mask = 0x80 >> (index % 8)
        if value:
            self._bits[index // 8] |= mask
        else:
            self._bits[index // 8] &= ~mask & 0xFF

    def clear(self, index: int) -> None:
        """Clear the bit at ``index``."""
        self.set(index, False)

    def get(self, index: int) -> bool:
        """Whether the bit at ``index`` is set."""
        self._check(index)
        return bool(self._bits[index // 8] & (0x80 >> (index % 8)))

    def to_bytes(self) -> bytes:
        """The uncompressed bitstring."""
        return bytes(self._bits)

    def encoded(self) -> str:
        """``encodedList``: multibase base64url (``u``) of the GZIP-compressed bitstring.

        https://www.w3.org/TR/vc-bitstring-status-list/#bitstring-generation-algorithm
        """
        return encode_bitstring(bytes(self._bits))


def choose_free_index(size: int, used: Collection[int], *, randbelow: Randomness) -> int | None:
    """A uniformly random index of ``[0, size)`` not in ``used``; None when every index is taken.

    https://www.w3.org/TR/vc-bitstring-status-list/#privacy-considerations (indices SHOULD be random)
    """
    free = size - len(used)
    if free <= 0:
        return None
    # The k-th free index, k random: uniform over the free indices without building the free set when sparse.
    k = randbelow(free)
    for index in sorted(used):
        if index <= k:
            k += 1
        else:
            break
    return k


def status_entry(*, list_url: str, index: int, purpose: str) -> dict[str, Any]:
    """The credential's ``BitstringStatusListEntry`` (id ``<list URL>#<index>``, index as a string).

    https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
    """
    if purpose not in PURPOSES:
        raise InvalidInput(f'"statusPurpose" must be one of {", ".join(PURPOSES)}')
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def list_credential(
    *,
    list_url: str,
    issuer: str,
    purpose: str,
    bits: Bitstring,
    valid_from: datetime,
    valid_for: timedelta,
    ttl_ms: int,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` (VC 2.0) with validFrom, validUntil and ``ttl``.

    https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential
    """
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": xsd_datetime(valid_from),
        "validUntil": xsd_datetime(valid_from + valid_for),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": bits.encoded(),
            "ttl": ttl_ms,
        },
    }
