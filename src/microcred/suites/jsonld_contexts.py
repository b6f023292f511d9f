"""Processed JSON-LD contexts for the fast path, cached once per process (``suites.jsonld_fast``).

https://www.w3.org/TR/json-ld11-api/#context-processing-algorithm

pyld's own ``_process_context`` builds every active context (top-level URL lists, embedded URL lists,
property- and type-scoped contexts with ``@protected`` and ``@propagate``); each result is wrapped once in an
:class:`Active` that memoises what the document walker asks of it: how a key expands (pyld ``_expand_iri``),
its term definition flattened (:class:`Term`), and a per-key :class:`Plan`. Internal to ``suites.jsonld_fast``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

from cachetools import LRUCache
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from microcred.contexts import allowed_urls, offline_loader

__all__ = [
    "CONTEXTS",
    "Active",
    "Contexts",
    "Plan",
    "Term",
    "Unsupported",
    "contexts_for",
    "expand_iri",
    "rdf_type_terms",
]

# pyld's _is_absolute_iri.
ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_SUPPORTED_CONTAINERS = frozenset({"@set", "@list", "@graph"})
_MAX_CACHED_CONTEXTS = 4096
MAX_CACHED_KEYS = 4096  # per active context; documents with more distinct keys just run uncached


class Unsupported(Exception):
    """The document uses something this path does not reproduce exactly; the caller takes the reference path."""


class Term:
    """What one key means in one active context, computed once (pyld's term definition, flattened)."""

    __slots__ = ("graph", "json", "list", "scoped", "type")

    def __init__(self, active: Active, key: str) -> None:
        mapping = active.raw["mappings"].get(key)
        containers: list[str] = []
        self.type: str | None = None
        self.scoped: Any = None
        language: Any = active.raw.get("@language")
        if mapping is not None:
            if mapping.get("reverse") or "@nest" in mapping or "@direction" in mapping or "@index" in mapping:
                raise Unsupported(key)
            raw_container = mapping.get("@container")
            if raw_container is not None:
                containers = (
                    list(raw_container) if isinstance(raw_container, list | tuple) else [raw_container]
                )
            self.type = mapping.get("@type")
            self.scoped = mapping.get("@context")
            if "@language" in mapping:
                language = mapping["@language"]
        if "@direction" in active.raw:
            raise Unsupported(key)
        if not set(containers) <= _SUPPORTED_CONTAINERS:
            raise Unsupported(key)
        self.list = "@list" in containers
        self.graph = "@graph" in containers
        if self.list and self.graph:
            raise Unsupported(key)
        self.json = self.type == "@json"
        if language is not None:
            raise Unsupported(key)  # no pinned context sets a default language


class Active:
    """One pyld active context plus everything derived from it, memoised for the life of the process."""

    __slots__ = (
        "derived",
        "embedded",
        "ids",
        "keys",
        "plans",
        "previous",
        "raw",
        "terms",
        "type_keys",
        "typed",
    )

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.terms: dict[str, Term] = {}
        self.plans: dict[str, Plan] = {}
        self.ids: dict[str, str] = {}
        self.keys: dict[str, str | None] = {}
        self.derived: dict[tuple[int, bool, bool], Active] = {}
        # @type values as written -> (context after their type-scoped contexts, rdf:type object terms)
        self.typed: dict[tuple[str, ...], tuple[Active, tuple[str, ...] | None]] = {}
        self.embedded: dict[tuple[str, ...], Active] = {}
        self.previous: Active | None = None
        # the keys that expand to @type here: "@type" and its aliases ("type")
        self.type_keys = frozenset(
            ["@type", *(k for k, m in raw["mappings"].items() if m is not None and m.get("@id") == "@type")]
        )

    def term(self, key: str) -> Term:
        term = self.terms.get(key)
        if term is None:
            term = self.terms[key] = Term(self, key)
        return term

    def expand_vocab(self, value: str) -> str:
        """pyld ``expand_iri(ctx, value, vocab=True)``; raises where pyld would drop or resolve relatively."""
        expanded = self.try_vocab(value)
        if expanded is None:
            raise Unsupported(value)
        return expanded

    def try_vocab(self, value: str) -> str | None:
        """Like ``expand_vocab`` but None where pyld returns None or a relative IRI (memoised either way)."""
        try:
            return self.keys[value]
        except KeyError:
            pass
        try:
            expanded: str | None = expand_iri(self.raw, value, vocab=True)
        except Unsupported:
            expanded = None
        if len(self.keys) < MAX_CACHED_KEYS:
            self.keys[value] = expanded
        return expanded

    def expand_type(self, value: str) -> str:
        """A ``@type`` or ``@type: @vocab`` value: an absolute IRI or blank node, never a keyword."""
        expanded = self.expand_vocab(value)
        if expanded[0] == "@":
            raise Unsupported(value)
        return expanded

    def expand_id(self, value: str) -> str:
        """pyld ``expand_iri(ctx, value, base='')`` for absolute IRIs and blank nodes only (memoised, bounded)."""
        expanded = self.ids.get(value)
        if expanded is None:
            expanded = expand_iri(self.raw, value, vocab=False)
            if len(self.ids) >= MAX_CACHED_KEYS:
                self.ids.clear()
            self.ids[value] = expanded
        return expanded

    def scoped_context(self, term: str) -> Any:
        mapping = self.raw["mappings"].get(term)
        return None if mapping is None else mapping.get("@context")


def rdf_type_terms(active: Active, types: tuple[str, ...]) -> tuple[str, ...] | None:
    """The rdf:type objects for ``types`` (expanded as ``@type`` values in ``active``), None if any is a blank
    node (those are relabelled per document)."""
    expanded = [active.expand_type(t) for t in types]
    return None if any(e.startswith("_:") for e in expanded) else tuple(f"<{e}>" for e in expanded)


def expand_iri(ctx: Any, value: str, *, vocab: bool) -> str:
    """https://www.w3.org/TR/json-ld11-api/#iri-expansion as pyld 3.3.0 does it, minus relative resolution."""
    if value.startswith("@"):
        if vocab and value in ("@id", "@type", "@value", "@language", "@context"):
            return value
        raise Unsupported(value)
    mappings = ctx["mappings"]
    if vocab and value in mappings:
        mapping = mappings[value]
        if mapping is None:
            raise Unsupported(value)
        iri: str = mapping["@id"]
        if iri.startswith("@") and iri not in ("@id", "@type", "@value", "@language"):
            raise Unsupported(value)
        if not iri.startswith("@") and not ABSOLUTE_IRI.match(iri):
            raise Unsupported(value)
        return iri
    colon = value.find(":")
    if colon > 0:
        prefix, suffix = value[:colon], value[colon + 1 :]
        if prefix == "_":
            return value
        if suffix.startswith("//"):
            if not ABSOLUTE_IRI.match(value):
                raise Unsupported(value)
            return value
        mapping = mappings.get(prefix)
        if mapping and mapping.get("_prefix"):
            expanded = mapping["@id"] + suffix
            if not ABSOLUTE_IRI.match(expanded):
                raise Unsupported(value)
            return str(expanded)
        if ABSOLUTE_IRI.match(value):
            return value
    if vocab and "@vocab" in ctx:
        expanded = ctx["@vocab"] + value
        if not ABSOLUTE_IRI.match(expanded):
            raise Unsupported(value)
        return str(expanded)
    raise Unsupported(value)


class Contexts:
    """pyld context processing, each result wrapped and kept once per process."""

    def __init__(self, extra: Mapping[str, Any] | None = None) -> None:
        self.lock = threading.Lock()
        self.loader = offline_loader(extra)
        self.processor = jsonld.JsonLdProcessor()
        self.options: dict[str, Any] = {
            "documentLoader": self.loader,
            "contextResolver": ContextResolver(LRUCache(maxsize=256), self.loader),
            "base": None,  # as suites.rdf: relative IRIs in contexts stay relative (and are refused)
            "processingMode": "json-ld-1.1",
            "isFrame": False,
        }
        self.allowed = allowed_urls() | frozenset(extra or ())
        self.wrapped: dict[int, Active] = {}
        self.top: dict[tuple[str, ...], Active] = {}
        self.anchors: list[Any] = []
        self.literals: dict[tuple[str, str | None, str | None], str] = {}

    def wrap(self, raw: Any) -> Active:
        active = self.wrapped.get(id(raw))
        if active is None:
            if len(self.wrapped) > _MAX_CACHED_CONTEXTS:
                raise Unsupported("context cache full")
            active = self.wrapped[id(raw)] = Active(raw)
            previous = raw.get("previousContext")
            if "previousContext" in raw:
                active.previous = self.wrap(previous)
        return active

    def for_urls(self, urls: tuple[str, ...]) -> Active:
        active = self.top.get(urls)
        if active is None:
            if not all(url in self.allowed for url in urls) or len(self.top) > _MAX_CACHED_CONTEXTS:
                raise Unsupported("context")
            initial = self.processor._get_initial_context(self.options)
            raw = self._process(initial, list(urls), propagate=True, override=False)
            active = self.top[urls] = self.wrap(raw)
        return active

    def apply_urls(self, active: Active, local: Any) -> Active:
        """An embedded ``@context`` of pinned URLs, processed on top of ``active`` (pyld: propagate, no override)."""
        urls = tuple(local) if isinstance(local, list) else (local,)
        if not urls or not all(isinstance(url, str) and url in self.allowed for url in urls):
            raise Unsupported("embedded context")
        derived = active.embedded.get(urls)
        if derived is None:
            raw = self._process(active.raw, list(urls), propagate=True, override=False)
            derived = active.embedded[urls] = self.wrap(raw)
        return derived

    def apply(self, active: Active, local: Any, *, propagate: bool, override: bool) -> Active:
        key = (id(local), propagate, override)
        derived = active.derived.get(key)
        if derived is None:
            # Scoped contexts live inside term definitions of cached contexts, so id(local) stays valid;
            # anchoring keeps that true even if pyld's caches let go of them.
            self.anchors.append(local)
            raw = self._process(active.raw, local, propagate=propagate, override=override)
            derived = active.derived[key] = self.wrap(raw)
        return derived

    def _process(self, raw: Any, local: Any, *, propagate: bool, override: bool) -> Any:
        # Only on cache misses (warm-up). pyld's resolver caches are not thread-safe, and the apps call this
        # from worker threads.
        with self.lock:
            try:
                return self.processor._process_context(
                    raw, local, self.options, override_protected=override, propagate=propagate
                )
            except jsonld.JsonLdError as error:
                raise Unsupported("context processing") from error


CONTEXTS: dict[tuple[str, ...], Contexts] = {}


def contexts_for(extra: Mapping[str, Any] | None) -> Contexts:
    """One cache per process (per set of extra test contexts): that is the point of this module."""
    key = tuple(sorted(extra)) if extra else ()
    contexts = CONTEXTS.get(key)
    if contexts is None:
        contexts = CONTEXTS[key] = Contexts(extra)
    return contexts


class Plan:
    """How one key of a node object is handled under one active context: decided once, reused for every document.

    ``keyword`` is the keyword the key aliases (``@id``...), else the key is a property: ``predicate`` its IRI
    term, ``term_ctx`` the context its values expand in (after any property-scoped context), ``value_type``
    and ``value_scoped`` what pyld's ``_expand_value`` / ``_expand`` read from ``term_ctx`` for that key.
    """

    __slots__ = (
        "graph",
        "json",
        "keyword",
        "list",
        "node_ctx",
        "predicate",
        "term_ctx",
        "value_scoped",
        "value_type",
    )

    def __init__(self, contexts: Contexts, active: Active, key: str) -> None:
        expanded = active.expand_vocab(key)
        self.keyword: str | None = expanded if expanded[0] == "@" else None
        self.predicate = ""
        self.json = self.list = self.graph = False
        self.term_ctx = active
        self.value_type: str | None = None
        self.value_scoped: Any = None
        self.node_ctx: Active | None = None
        if self.keyword is not None:
            return
        if expanded.startswith("_:"):
            raise Unsupported("blank node property")
        self.predicate = f"<{expanded}>"
        term = active.term(key)
        if term.scoped is not None:
            self.term_ctx = contexts.apply(active, term.scoped, propagate=True, override=True)
        inner = self.term_ctx.term(key) if self.term_ctx is not active else term
        if inner.list != term.list:
            raise Unsupported("container changed by scoped context")
        self.json, self.list, self.graph = term.json, term.list, term.graph
        self.value_type = inner.type
        self.value_scoped = inner.scoped
