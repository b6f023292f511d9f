"""Pinned JSON-LD contexts and the one offline document loader."""

from microcred.contexts.aliases import (
    AliasedLoader,
    aliased_loader,
    dealiased,
    declared_aliases,
    declared_digests,
    digest_sri,
    pinned_for_digest,
    sri_matches,
)
from microcred.contexts.loader import (
    ContextEntry,
    DocumentLoader,
    allowed_urls,
    context_bytes,
    context_document,
    context_variants,
    manifest_entries,
    offline_loader,
)

__all__ = [
    "AliasedLoader",
    "ContextEntry",
    "DocumentLoader",
    "aliased_loader",
    "allowed_urls",
    "context_bytes",
    "context_document",
    "context_variants",
    "dealiased",
    "declared_aliases",
    "declared_digests",
    "digest_sri",
    "manifest_entries",
    "offline_loader",
    "pinned_for_digest",
    "sri_matches",
]
