"""Pinned JSON-LD contexts and the one offline document loader."""

from microcred.contexts.loader import (
    ContextEntry,
    DocumentLoader,
    allowed_urls,
    context_document,
    context_variants,
    manifest_entries,
    offline_loader,
)

__all__ = [
    "ContextEntry",
    "DocumentLoader",
    "allowed_urls",
    "context_document",
    "context_variants",
    "manifest_entries",
    "offline_loader",
]
