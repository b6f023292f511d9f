"""Bounds on one verification's fan-out and memory, and a cache bounded by entries and bytes.

Each bound that a document hits becomes a check result with a plain sentence, never an error or a hang.
https://www.w3.org/TR/vc-data-integrity/#security-considerations
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["Limits", "SizedCache"]

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class Limits:
    """How much one verification may do (the defaults match the settings' defaults)."""

    max_status_entries: int = 8
    """``credentialStatus`` entries checked per credential; more are reported and none is fetched."""
    max_proofs: int = 4
    """Proofs verified per document."""
    max_presentation_credentials: int = 16
    """Credentials verified per presentation."""
    max_fetches: int = 16
    """Outbound fetches per verification request."""
    max_status_list_bits: int = 16_777_216
    """Largest status list expanded, in bits (the expanded size counts, not the encoded one)."""


@dataclass
class SizedCache(Generic[K, V]):
    """A least-recently-used map bounded by entries and by total size (``len`` of each value, in bytes)."""

    max_entries: int
    max_bytes: int
    _items: OrderedDict[K, V] = field(default_factory=OrderedDict, repr=False)
    _size: int = 0
    _sizes: dict[K, int] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, key: K) -> V | None:
        """The value for ``key`` (now most recently used), or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V, size: int) -> None:
        """Remember ``value`` (``size`` bytes), evicting the least recently used; too large values are not kept."""
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= self._sizes.pop(key)
            if size > self.max_bytes or self.max_entries <= 0:
                return
            self._items[key] = value
            self._sizes[key] = size
            self._size += size
            while len(self._items) > self.max_entries or self._size > self.max_bytes:
                oldest, _ = self._items.popitem(last=False)
                self._size -= self._sizes.pop(oldest)

    def pop(self, key: K) -> None:
        """Forget ``key``."""
        with self._lock:
            if self._items.pop(key, None) is not None:
                self._size -= self._sizes.pop(key)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size(self) -> int:
        """Total bytes held."""
        return self._size
