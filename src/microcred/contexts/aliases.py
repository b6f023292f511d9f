"""Context aliases: another URL serving, byte for byte, a pinned context, recognised by its digest.

A deployment publishes our EU context at its own URL (``{public base URL}/contexts/eu-microcredential/v1.jsonld``)
and declares its digest in ``relatedResource`` (https://www.w3.org/TR/vc-data-model-2.0/#integrity-of-related-resources).
The offline loader still never fetches: an alias maps such a URL to the pinned copy it was shown to equal, for one
signing or one verification (the caller decides what proves the equality: the issuer its own declaration, the
verifier a guarded fetch of the URL).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from microcred.contexts.loader import DocumentLoader, context_bytes, manifest_entries

__all__ = [
    "AliasedLoader",
    "aliased_loader",
    "dealiased",
    "declared_aliases",
    "declared_digests",
    "digest_sri",
    "pinned_for_digest",
    "sri_matches",
]

_SRI_ALGORITHMS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def digest_sri(data: bytes, algorithm: str = "sha384") -> str:
    """The Subresource Integrity string of ``data`` (``sha384-<base64>``), as VC 2.0 ``digestSRI`` holds it.

    https://www.w3.org/TR/SRI/#the-integrity-attribute
    """
    return f"{algorithm}-" + base64.b64encode(_SRI_ALGORITHMS[algorithm](data).digest()).decode("ascii")


def sri_matches(data: bytes, sri: str) -> bool:
    """Whether ``data`` has the digest ``sri`` (sha256, sha384 or sha512; any other algorithm does not match)."""
    algorithm = sri.split("-", 1)[0]
    return algorithm in _SRI_ALGORITHMS and digest_sri(data, algorithm) == sri


def pinned_for_digest(sri: str) -> str | None:
    """The URL of the pinned context whose bytes have the digest ``sri``, or None."""
    for entry in manifest_entries():
        if entry.variant is None and sri_matches(context_bytes(entry.url), sri):
            return entry.url
    return None


def declared_digests(document: Mapping[str, Any]) -> dict[str, str]:
    """``@context`` URL → the ``digestSRI`` the document declares for it in ``relatedResource``."""
    contexts = document.get("@context")
    urls = {c for c in (contexts if isinstance(contexts, list) else [contexts]) if isinstance(c, str)}
    related = document.get("relatedResource")
    declared: dict[str, str] = {}
    for entry in related if isinstance(related, list) else [related]:
        if isinstance(entry, Mapping) and entry.get("id") in urls and isinstance(entry.get("digestSRI"), str):
            declared[entry["id"]] = entry["digestSRI"]
    return declared


def declared_aliases(document: Mapping[str, Any]) -> dict[str, str]:
    """URL → pinned URL for each context ``document`` declares with a pinned context's digest, taken on its word:
    only for a document one made oneself (the issuer signing its own credential), never for one received."""
    aliases: dict[str, str] = {}
    pinned_urls = {entry.url for entry in manifest_entries()}
    for url, sri in declared_digests(document).items():
        pinned = pinned_for_digest(sri)
        if pinned is not None and url not in pinned_urls:
            aliases[url] = pinned
    return aliases


class AliasedLoader:
    """A loader that serves ``aliases`` (URL → pinned URL) from the pinned copy and everything else as ``base``."""

    def __init__(self, base: DocumentLoader, aliases: Mapping[str, str]) -> None:
        self.base = base
        self.aliases = dict(aliases)

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        target = self.aliases.get(url)
        if target is None:
            return self.base(url, options)
        remote = dict(self.base(target, options))
        remote["documentUrl"] = url
        return remote


def aliased_loader(base: DocumentLoader, aliases: Mapping[str, str]) -> DocumentLoader:
    """``base`` itself without aliases (so the pinned loader stays recognisable by identity), else an AliasedLoader."""
    if not aliases:
        return base
    if isinstance(base, AliasedLoader):
        return AliasedLoader(base.base, {**base.aliases, **aliases})
    return AliasedLoader(base, aliases)


def dealiased(document: Mapping[str, Any], loader: DocumentLoader) -> Mapping[str, Any]:
    """``document`` with each top-level ``@context`` alias of ``loader`` replaced by its pinned URL.

    A context's URL never appears in the RDF dataset, so both give the same quads; with the pinned URL the fast
    path (keyed by URL) and the worker processes (pinned loader only) handle the document.
    """
    aliases: Mapping[str, str] = getattr(loader, "aliases", {})
    contexts = document.get("@context")
    if not aliases or not isinstance(contexts, list | str):
        return document
    listed = contexts if isinstance(contexts, list) else [contexts]
    if not any(isinstance(c, str) and c in aliases for c in listed):
        return document
    replaced = [aliases.get(c, c) if isinstance(c, str) else c for c in listed]
    return {**document, "@context": replaced if isinstance(contexts, list) else replaced[0]}
