"""The single offline JSON-LD document loader: pinned context files only, never the network.

https://www.w3.org/TR/vc-data-integrity/#contexts-and-vocabularies (context validation; no network requests)
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from microcred.vc.errors import ContextNotAllowed, MicrocredError

__all__ = [
    "FILES_DIR",
    "MANIFEST_PATH",
    "ContextEntry",
    "DocumentLoader",
    "allowed_urls",
    "context_bytes",
    "context_document",
    "context_variants",
    "manifest_entries",
    "offline_loader",
]

PACKAGE_DIR = Path(__file__).resolve().parent
FILES_DIR = PACKAGE_DIR / "files"
MANIFEST_PATH = PACKAGE_DIR / "manifest.json"

DocumentLoader = Callable[..., dict[str, Any]]
"""pyld's loader signature: ``loader(url, options) -> RemoteDocument``."""


@dataclass(frozen=True)
class ContextEntry:
    """One pinned context: where it is published, which file holds it, its origin and digest."""

    url: str
    file: str
    source: str
    sha256: str
    variant: str | None = None
    """Set for an earlier text of ``url`` (e.g. the OB 3.0 beta of context.json): never served by the loader, only
    offered by :func:`context_variants` to re-check a proof signed when that text was published."""


@cache
def manifest_entries() -> tuple[ContextEntry, ...]:
    """The allow-list, read from ``contexts/manifest.json``."""
    raw = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    return tuple(
        ContextEntry(
            url=e["url"], file=e["file"], source=e["source"], sha256=e["sha256"], variant=e.get("variant")
        )
        for e in raw["contexts"]
    )


def allowed_urls() -> frozenset[str]:
    """Every context URL the service will process."""
    return frozenset(e.url for e in manifest_entries())


def _bytes(entry: ContextEntry) -> bytes:
    data = (FILES_DIR / entry.file).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        raise MicrocredError(
            f"context file {entry.file} for {entry.url} has sha256 {digest}, manifest pins {entry.sha256}"
        )
    return data


def _read(entry: ContextEntry) -> Any:
    return json.loads(_bytes(entry))


@cache
def context_bytes(url: str) -> bytes:
    """The pinned file of the context published at ``url``, byte for byte (what its publisher serves, so what
    a ``digestSRI`` is computed over); ContextNotAllowed for any other URL."""
    for entry in manifest_entries():
        if entry.url == url and entry.variant is None:
            return _bytes(entry)
    raise ContextNotAllowed(f'JSON-LD context "{url}" is not on the offline allow-list')


@cache
def _pinned_documents() -> Mapping[str, Any]:
    return {entry.url: _read(entry) for entry in manifest_entries() if entry.variant is None}


@cache
def _variant_documents() -> Mapping[str, tuple[tuple[str, Any], ...]]:
    variants: dict[str, list[tuple[str, Any]]] = {}
    for entry in manifest_entries():
        if entry.variant is not None:
            variants.setdefault(entry.url, []).append((entry.variant, _read(entry)))
    return {url: tuple(found) for url, found in variants.items()}


def context_variants(url: str) -> tuple[tuple[str, Any], ...]:
    """Earlier pinned texts published at ``url`` as (variant name, document), oldest last; empty for most URLs."""
    return tuple((name, copy.deepcopy(document)) for name, document in _variant_documents().get(url, ()))


def context_document(url: str) -> Any:
    """A deep copy of the pinned context published at ``url``; ContextNotAllowed for any other URL."""
    documents = _pinned_documents()
    if url not in documents:
        raise ContextNotAllowed(f'JSON-LD context "{url}" is not on the offline allow-list')
    return copy.deepcopy(documents[url])


def offline_loader(extra: Mapping[str, Any] | None = None) -> DocumentLoader:
    """A pyld document loader serving the pinned contexts (plus ``extra`` URL→document, e.g. in tests).

    Documents are tagged ``static`` so pyld caches processed contexts across calls; any URL that is not
    pinned raises ContextNotAllowed naming it, and nothing is ever fetched.
    Without ``extra`` it is one shared loader, so callers can tell "the pinned loader" by identity (the verifier
    app runs JSON-LD work in worker processes that use exactly this loader).
    """
    pinned = _pinned_documents()  # checks every digest now, so a modified file fails here
    if not extra:
        return _pinned_loader()
    return _loader({**pinned, **extra})


@cache
def _pinned_loader() -> DocumentLoader:
    return _loader(None)


def _loader(documents: Mapping[str, Any] | None) -> DocumentLoader:
    def load(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        try:
            document = (_pinned_documents() if documents is None else documents)[url]
        except (KeyError, TypeError):
            raise ContextNotAllowed(f'JSON-LD context "{url}" is not on the offline allow-list') from None
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(document),
            "tag": "static",
        }

    return load
