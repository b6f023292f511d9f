"""A fast JSON-LD → RDF path for documents whose ``@context`` is a list of pinned contexts.

https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm

pyld re-walks its term definitions for every key of every document; this module walks the document once,
straight to quads, and looks terms up in active contexts that pyld itself processed (``_process_context``)
and that are cached here once per process per combination (top-level URLs, property- and type-scoped
contexts). It mirrors pyld 3.3.0's expansion (``_expand``, ``_expand_object``, ``_expand_value``,
``_expand_iri``) and RDF conversion (``_object_to_rdf``, ``_list_to_rdf``, node-map de-duplication) for the
subset of JSON-LD that credentials use, and gives up (returns None, so the caller takes the reference path
with its safe-mode checks) on everything else: inline contexts, undefined or dropped terms, relative IRIs,
nulls, empty arrays outside lists, unusual keywords and containers, reverse properties, ``@direction``.
Tests prove the output equal to pyld's on the spec vectors and a generated corpus.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping
from typing import Any

from cachetools import LRUCache
from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.jsonld import canonicalize  # RFC 8785 JCS, as pyld uses for @json literals
from pyld.nquads import escape

from contexts import allowed_urls, offline_loader

__all__ = ["Dataset", "Quad", "fast_to_dataset"]

Quad = tuple[str, str, str, str]
"""(subject, predicate, object, graph) as N-Quads terms, graph "" for the default graph."""

Dataset = list[Quad]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_TYPE = f"<{_RDF}type>"
_RDF_FIRST = f"<{_RDF}first>"
_RDF_REST = f"<{_RDF}rest>"
_RDF_NIL = f"<{_RDF}nil>"
_RDF_LANGSTRING = f"{_RDF}langString"
_RDF_JSON = f"{_RDF}JSON"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = f"{_XSD}string"
_XSD_BOOLEAN = f"{_XSD}boolean"
_XSD_DOUBLE = f"{_XSD}double"
_XSD_INTEGER = f"{_XSD}integer"

# pyld's _is_absolute_iri, and a conservative BCP 47 shape for @language.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_LANGUAGE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
# C0 controls other than tab, LF, CR, and DEL: serialized differently by pyld and jsonld.js (see suites.rdf).
_UNPORTABLE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Integers this large take pyld's double branch (or overflow it); not worth mirroring.
_MAX_INTEGER = 10**21

# Keywords a document may use where this path reproduces pyld exactly.
_VALUE_KEYWORDS = frozenset({"@value", "@type", "@language"})
_SUPPORTED_CONTAINERS = frozenset({"@set", "@list", "@graph"})
_MAX_CACHED_CONTEXTS = 4096
_MAX_CACHED_KEYS = 4096  # per active context; documents with more distinct keys just run uncached
_MAX_CACHED_LITERALS = 65536  # serialized string literals (names, descriptions recur across credentials)


class _Unsupported(Exception):
    """The document uses something this path does not reproduce exactly; the caller takes the reference path."""


class _Term:
    """What one key means in one active context, computed once (pyld's term definition, flattened)."""

    __slots__ = ("graph", "json", "list", "scoped", "type")

    def __init__(self, active: _Active, key: str) -> None:
        mapping = active.raw["mappings"].get(key)
        containers: list[str] = []
        self.type: str | None = None
        self.scoped: Any = None
        language: Any = active.raw.get("@language")
        if mapping is not None:
            if mapping.get("reverse") or "@nest" in mapping or "@direction" in mapping or "@index" in mapping:
                raise _Unsupported(key)
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
            raise _Unsupported(key)
        if not set(containers) <= _SUPPORTED_CONTAINERS:
            raise _Unsupported(key)
        self.list = "@list" in containers
        self.graph = "@graph" in containers
        if self.list and self.graph:
            raise _Unsupported(key)
        self.json = self.type == "@json"
        if language is not None:
            raise _Unsupported(key)  # no pinned context sets a default language


class _Active:
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
        self.terms: dict[str, _Term] = {}
        self.plans: dict[str, _Plan] = {}
        self.ids: dict[str, str] = {}
        self.keys: dict[str, str | None] = {}
        self.derived: dict[tuple[int, bool, bool], _Active] = {}
        # @type values as written -> (context after their type-scoped contexts, rdf:type object terms)
        self.typed: dict[tuple[str, ...], tuple[_Active, tuple[str, ...] | None]] = {}
        self.embedded: dict[tuple[str, ...], _Active] = {}
        self.previous: _Active | None = None
        # the keys that expand to @type here: "@type" and its aliases ("type")
        self.type_keys = frozenset(
            ["@type", *(k for k, m in raw["mappings"].items() if m is not None and m.get("@id") == "@type")]
        )

    def term(self, key: str) -> _Term:
        term = self.terms.get(key)
        if term is None:
            term = self.terms[key] = _Term(self, key)
        return term

    def expand_vocab(self, value: str) -> str:
        """pyld ``_expand_iri(ctx, value, vocab=True)``; raises where pyld would drop or resolve relatively."""
        expanded = self.try_vocab(value)
        if expanded is None:
            raise _Unsupported(value)
        return expanded

    def try_vocab(self, value: str) -> str | None:
        """Like ``expand_vocab`` but None where pyld returns None or a relative IRI (memoised either way)."""
        try:
            return self.keys[value]
        except KeyError:
            pass
        try:
            expanded: str | None = _expand_iri(self.raw, value, vocab=True)
        except _Unsupported:
            expanded = None
        if len(self.keys) < _MAX_CACHED_KEYS:
            self.keys[value] = expanded
        return expanded

    def expand_type(self, value: str) -> str:
        """A ``@type`` or ``@type: @vocab`` value: an absolute IRI or blank node, never a keyword."""
        expanded = self.expand_vocab(value)
        if expanded[0] == "@":
            raise _Unsupported(value)
        return expanded

    def expand_id(self, value: str) -> str:
        """pyld ``_expand_iri(ctx, value, base='')`` for absolute IRIs and blank nodes only (memoised, bounded)."""
        expanded = self.ids.get(value)
        if expanded is None:
            expanded = _expand_iri(self.raw, value, vocab=False)
            if len(self.ids) >= _MAX_CACHED_KEYS:
                self.ids.clear()
            self.ids[value] = expanded
        return expanded

    def scoped_context(self, term: str) -> Any:
        mapping = self.raw["mappings"].get(term)
        return None if mapping is None else mapping.get("@context")


def _type_terms(active: _Active, types: tuple[str, ...]) -> tuple[str, ...] | None:
    """The rdf:type objects for ``types`` (expanded as ``@type`` values in ``active``), None if any is a blank
    node (those are relabelled per document)."""
    expanded = [active.expand_type(t) for t in types]
    return None if any(e.startswith("_:") for e in expanded) else tuple(f"<{e}>" for e in expanded)


def _expand_iri(ctx: Any, value: str, *, vocab: bool) -> str:
    """https://www.w3.org/TR/json-ld11-api/#iri-expansion as pyld 3.3.0 does it, minus relative resolution."""
    if value.startswith("@"):
        if vocab and value in ("@id", "@type", "@value", "@language", "@context"):
            return value
        raise _Unsupported(value)
    mappings = ctx["mappings"]
    if vocab and value in mappings:
        mapping = mappings[value]
        if mapping is None:
            raise _Unsupported(value)
        iri: str = mapping["@id"]
        if iri.startswith("@") and iri not in ("@id", "@type", "@value", "@language"):
            raise _Unsupported(value)
        if not iri.startswith("@") and not _ABSOLUTE_IRI.match(iri):
            raise _Unsupported(value)
        return iri
    colon = value.find(":")
    if colon > 0:
        prefix, suffix = value[:colon], value[colon + 1 :]
        if prefix == "_":
            return value
        if suffix.startswith("//"):
            if not _ABSOLUTE_IRI.match(value):
                raise _Unsupported(value)
            return value
        mapping = mappings.get(prefix)
        if mapping and mapping.get("_prefix"):
            expanded = mapping["@id"] + suffix
            if not _ABSOLUTE_IRI.match(expanded):
                raise _Unsupported(value)
            return str(expanded)
        if _ABSOLUTE_IRI.match(value):
            return value
    if vocab and "@vocab" in ctx:
        expanded = ctx["@vocab"] + value
        if not _ABSOLUTE_IRI.match(expanded):
            raise _Unsupported(value)
        return str(expanded)
    raise _Unsupported(value)


class _Contexts:
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
        self.wrapped: dict[int, _Active] = {}
        self.top: dict[tuple[str, ...], _Active] = {}
        self.anchors: list[Any] = []
        self.literals: dict[tuple[str, str | None, str | None], str] = {}

    def wrap(self, raw: Any) -> _Active:
        active = self.wrapped.get(id(raw))
        if active is None:
            if len(self.wrapped) > _MAX_CACHED_CONTEXTS:
                raise _Unsupported("context cache full")
            active = self.wrapped[id(raw)] = _Active(raw)
            previous = raw.get("previousContext")
            if "previousContext" in raw:
                active.previous = self.wrap(previous)
        return active

    def for_urls(self, urls: tuple[str, ...]) -> _Active:
        active = self.top.get(urls)
        if active is None:
            if not all(url in self.allowed for url in urls) or len(self.top) > _MAX_CACHED_CONTEXTS:
                raise _Unsupported("context")
            initial = self.processor._get_initial_context(self.options)
            raw = self._process(initial, list(urls), propagate=True, override=False)
            active = self.top[urls] = self.wrap(raw)
        return active

    def apply_urls(self, active: _Active, local: Any) -> _Active:
        """An embedded ``@context`` of pinned URLs, processed on top of ``active`` (pyld: propagate, no override)."""
        urls = tuple(local) if isinstance(local, list) else (local,)
        if not urls or not all(isinstance(url, str) and url in self.allowed for url in urls):
            raise _Unsupported("embedded context")
        derived = active.embedded.get(urls)
        if derived is None:
            raw = self._process(active.raw, list(urls), propagate=True, override=False)
            derived = active.embedded[urls] = self.wrap(raw)
        return derived

    def apply(self, active: _Active, local: Any, *, propagate: bool, override: bool) -> _Active:
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
                raise _Unsupported("context processing") from error


_CONTEXTS: dict[tuple[str, ...], _Contexts] = {}


def _contexts(extra: Mapping[str, Any] | None) -> _Contexts:
    """One cache per process (per set of extra test contexts): that is the point of this module."""
    key = tuple(sorted(extra)) if extra else ()
    contexts = _CONTEXTS.get(key)
    if contexts is None:
        contexts = _CONTEXTS[key] = _Contexts(extra)
    return contexts


class _Plan:
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

    def __init__(self, contexts: _Contexts, active: _Active, key: str) -> None:
        expanded = active.expand_vocab(key)
        self.keyword: str | None = expanded if expanded[0] == "@" else None
        self.predicate = ""
        self.json = self.list = self.graph = False
        self.term_ctx = active
        self.value_type: str | None = None
        self.value_scoped: Any = None
        self.node_ctx: _Active | None = None
        if self.keyword is not None:
            return
        if expanded.startswith("_:"):
            raise _Unsupported("blank node property")
        self.predicate = f"<{expanded}>"
        term = active.term(key)
        if term.scoped is not None:
            self.term_ctx = contexts.apply(active, term.scoped, propagate=True, override=True)
        inner = self.term_ctx.term(key) if self.term_ctx is not active else term
        if inner.list != term.list:
            raise _Unsupported("container changed by scoped context")
        self.json, self.list, self.graph = term.json, term.list, term.graph
        self.value_type = inner.type
        self.value_scoped = inner.scoped


class _Writer:
    """Emits quads for one document: blank-node labels, node-map style de-duplication."""

    __slots__ = ("bnodes", "contexts", "counter", "literals", "origin", "seen")

    def __init__(self, contexts: _Contexts) -> None:
        self.contexts = contexts
        self.literals = contexts.literals
        # quad -> the expanded value it came from, to mirror pyld's node map, which merges equal values only;
        # its keys, in insertion order, are the dataset
        self.seen: dict[Quad, Any] = {}
        self.bnodes: dict[str, str] = {}
        self.counter = 0
        # what the last value object expanded to, as pyld's compare_values sees it
        self.origin: Any = None

    def fresh(self) -> str:
        label = f"_:b{self.counter}"
        self.counter += 1
        return label

    def label(self, bnode: str) -> str:
        label = self.bnodes.get(bnode)
        if label is None:
            label = self.bnodes[bnode] = self.fresh()
        return label

    def resource(self, iri: str) -> str:
        return self.label(iri) if iri.startswith("_:") else f"<{iri}>"

    def emit(self, quad: Quad, origin: Any = None) -> None:
        previous = self.seen.get(quad, _MISSING)
        if previous is _MISSING:
            self.seen[quad] = origin
        elif previous != origin:
            # pyld keeps both (compare_values differs) and would emit the quad twice
            raise _Unsupported("duplicate quad from different values")

    # --- expansion (mirrors pyld _expand / _expand_object for node and value objects) -------------------

    def element(self, active: _Active, plan: _Plan | None, element: Mapping[str, Any], graph: str) -> str:
        """Expand a JSON object reached through ``plan``'s key (None at the top); return its RDF term."""
        contexts = self.contexts
        property_scoped = plan.value_scoped if plan is not None else None
        if (
            plan is not None
            and plan.node_ctx is not None
            and (active.previous is None or len(element) > 2 or "@context" in element)
        ):
            # the common case, memoised: revert the type-scoped context, apply the property-scoped one
            active = plan.node_ctx
        else:
            entry_ctx = active
            type_scoped = active if active.raw.get("previousContext") else None
            must_revert = True
            if type_scoped is not None and len(element) <= 2 and "@context" not in element:
                for k in sorted(element):
                    expanded = type_scoped.try_vocab(k)
                    if expanded == "@value":
                        must_revert = False
                        active = type_scoped
                        break
                    if expanded == "@id" and len(element) == 1:
                        must_revert = False
                        break
            if must_revert and active.previous is not None:
                active = active.previous
            if property_scoped is not None:
                active = contexts.apply(active, property_scoped, propagate=True, override=True)
            if must_revert and plan is not None and entry_ctx is plan.term_ctx:
                plan.node_ctx = active

        if "@context" in element:
            # an embedded document (e.g. a credential in a presentation) naming pinned contexts only
            active = contexts.apply_urls(active, element["@context"])
        type_key: str | None = None
        for alias in active.type_keys:  # "@type" and its aliases, usually just "type"
            if alias in element:
                if type_key is not None:
                    raise _Unsupported("two @type keys")
                type_key = alias
        types: tuple[str, ...] = ()
        type_scoped_ctx = active
        type_terms: tuple[str, ...] | None = None
        if type_key is not None:
            raw_types = element[type_key]
            types = tuple(raw_types) if isinstance(raw_types, list) else (raw_types,)
            typed_entry = active.typed.get(types)
            if typed_entry is None:
                if not types or not all(isinstance(t, str) for t in types):
                    raise _Unsupported("@type")
                typed = active
                for t in sorted(types):
                    scoped = type_scoped_ctx.scoped_context(t)
                    if scoped is not None and scoped is not False:
                        typed = contexts.apply(typed, scoped, propagate=False, override=False)
                typed_entry = (typed, _type_terms(type_scoped_ctx, types))
                if len(active.typed) < _MAX_CACHED_KEYS:
                    active.typed[types] = typed_entry
            active, type_terms = typed_entry

        node_id: str | None = None
        value_entries: dict[str, Any] | None = None
        properties: list[tuple[_Plan, Any]] = []
        plans = active.plans
        for k, v in element.items():
            if k == type_key or k == "@context":
                continue
            key_plan = plans.get(k)
            if key_plan is None:
                key_plan = _Plan(contexts, active, k)
                if len(plans) < _MAX_CACHED_KEYS:
                    plans[k] = key_plan
            keyword = key_plan.keyword
            if keyword is None:
                properties.append((key_plan, v))
            elif keyword == "@id":
                if node_id is not None or not isinstance(v, str):
                    raise _Unsupported("@id")
                node_id = active.expand_id(v)
            elif keyword in _VALUE_KEYWORDS:
                if value_entries is None:
                    value_entries = {}
                elif keyword in value_entries:
                    raise _Unsupported("colliding keywords")
                value_entries[keyword] = v
            else:
                raise _Unsupported(keyword)

        if value_entries is not None:
            if "@value" not in value_entries or properties or node_id is not None:
                raise _Unsupported("value object")
            datatype: str | None = None
            if type_key is not None:
                if len(types) != 1 or isinstance(element[type_key], list):
                    raise _Unsupported("value object @type")
                datatype = type_scoped_ctx.expand_type(types[0])
                if datatype.startswith("_:"):
                    raise _Unsupported("value object @type")
            language = value_entries.get("@language")
            if language is not None:
                if datatype is not None or not isinstance(language, str) or not _LANGUAGE.match(language):
                    raise _Unsupported("@language")
                language = language.lower()
            elif "@language" in value_entries:
                raise _Unsupported("@language")
            value = value_entries["@value"]
            if language is not None and not isinstance(value, str):
                raise _Unsupported("@language")
            self.origin = (datatype, language, type(value) is bool, value)
            return self.literal(value, datatype, language)

        subject = self.fresh() if node_id is None else self.resource(node_id)
        emit = self.emit
        if type_key is not None:
            if type_terms is None:  # blank-node types, relabelled per document
                type_terms = tuple(self.resource(type_scoped_ctx.expand_type(t)) for t in types)
            for term in type_terms:
                emit((subject, _RDF_TYPE, term, graph))
        for key_plan, v in properties:
            self.property(key_plan, v, subject, graph)
        return subject

    def property(self, plan: _Plan, value: Any, subject: str, graph: str) -> None:
        predicate = plan.predicate
        if plan.json:
            if value is None or (isinstance(value, str) and _UNPORTABLE_CHARS.search(value)):
                raise _Unsupported("null or control characters")
            text = canonicalize(value).decode("utf-8")
            self.emit(
                (subject, predicate, f'"{escape(text)}"^^<{_RDF_JSON}>', graph), ("@json", None, False, value)
            )
            return
        values = value if isinstance(value, list) else [value]
        if plan.list:
            # pyld's node map never merges list objects: an empty list met twice on one node (the same @id
            # written twice) gives the rdf:nil quad twice, so a fresh origin makes that a refusal
            self.emit((subject, predicate, self.rdf_list(plan, values, graph), graph), object())
            return
        if not values:
            raise _Unsupported("empty array")
        term_ctx = plan.term_ctx
        seen = self.seen
        for item in values:
            if plan.graph:
                if not isinstance(item, dict):
                    raise _Unsupported("graph container value")
                name = self.fresh()
                self.element(term_ctx, plan, item, name)
                self.emit((subject, predicate, name, graph))
                continue
            value_type = plan.value_type
            if type(item) is str and (value_type is None or value_type[0] != "@"):
                # the hot path, inlined: a plain or datatyped string literal
                obj = self.literals.get((item, value_type, None)) or self.literal(item, value_type, None)
                origin: Any = (value_type, None, False, item)
            else:
                obj, origin = self.value(plan, item, graph)
            quad = (subject, predicate, obj, graph)
            previous = seen.get(quad, _MISSING)
            if previous is _MISSING:
                seen[quad] = origin
            elif previous != origin:
                raise _Unsupported("duplicate quad from different values")

    def rdf_list(self, plan: _Plan, items: list[Any], graph: str) -> str:
        """pyld ``_list_to_rdf``: a chain of fresh blank nodes ending in rdf:nil."""
        if not items:
            return _RDF_NIL
        objects = [self.value(plan, item, graph)[0] for item in items]
        head = node = self.fresh()
        for index, obj in enumerate(objects):
            self.emit((node, _RDF_FIRST, obj, graph))
            if index + 1 < len(objects):
                following = self.fresh()
                self.emit((node, _RDF_REST, following, graph))
                node = following
            else:
                self.emit((node, _RDF_REST, _RDF_NIL, graph))
        return head

    def value(self, plan: _Plan, item: Any, graph: str) -> tuple[str, Any]:
        """One array member of a property: node object, value object or scalar (pyld ``_expand_value``)."""
        if isinstance(item, dict):
            obj = self.element(plan.term_ctx, plan, item, graph)
            return obj, self.origin if obj[0] == '"' else None
        type_ = plan.value_type
        if isinstance(item, str):
            if type_ == "@id":
                return self.resource(plan.term_ctx.expand_id(item)), None
            if type_ == "@vocab":
                return self.resource(plan.term_ctx.expand_type(item)), None
        elif item is None or isinstance(item, list):
            raise _Unsupported("null or nested array")
        if type_ in ("@id", "@vocab", "@none"):
            type_ = None
        return self.literal(item, type_, None), (type_, None, type(item) is bool, item)

    def literal(self, value: Any, datatype: str | None, language: str | None) -> str:
        """pyld ``_object_to_rdf`` for a value object, serialised as pyld's ``to_nquad`` does."""
        if type(value) is str:
            key = (value, datatype, language)
            cached = self.literals.get(key)
            if cached is None:
                cached = _string_literal(value, datatype, language)
                if len(self.literals) >= _MAX_CACHED_LITERALS:
                    self.literals.clear()
                self.literals[key] = cached
            return cached
        if isinstance(value, bool):
            return f'"{"true" if value else "false"}"^^<{datatype or _XSD_BOOLEAN}>'
        if isinstance(value, int):
            if abs(value) >= _MAX_INTEGER:
                raise _Unsupported("large integer")
            if datatype == _XSD_DOUBLE:
                return f'"{_canonical_double(float(value))}"^^<{_XSD_DOUBLE}>'
            return f'"{value}"^^<{datatype or _XSD_INTEGER}>'
        if isinstance(value, float):
            if not math.isfinite(value) or abs(value) >= _MAX_INTEGER:
                raise _Unsupported("number")
            if not value.is_integer():
                return f'"{_canonical_double(value)}"^^<{datatype or _XSD_DOUBLE}>'
            if datatype == _XSD_DOUBLE:
                return f'"{_canonical_double(value)}"^^<{_XSD_DOUBLE}>'
            return f'"{int(value)}"^^<{datatype or _XSD_INTEGER}>'
        raise _Unsupported("@value")


def _string_literal(value: str, datatype: str | None, language: str | None) -> str:
    """A string literal as pyld's ``_object_to_rdf`` + ``to_nquad`` write it; raises for pyld's odd corners."""
    if _UNPORTABLE_CHARS.search(value):
        raise _Unsupported("control characters")  # suites.rdf's safe mode refuses these
    if datatype == _XSD_DOUBLE:
        # pyld canonicalises numeric strings typed xsd:double; leave that corner to it
        raise _Unsupported("xsd:double string")
    if language is not None:
        return f'"{escape(value)}"@{language}'
    if datatype is None or datatype == _XSD_STRING:
        return f'"{escape(value)}"'
    if datatype == _RDF_LANGSTRING:
        raise _Unsupported("rdf:langString without language")
    return f'"{escape(value)}"^^<{datatype}>'


_MISSING = object()


def _canonical_double(value: float) -> str:
    """pyld's ``_canonicalize_double`` (JSON-LD canonical xsd:double, e.g. ``1.5E0``)."""
    return re.sub(r"(\d)0*E\+?(-)?0*(\d)", r"\1E\2\3", f"{value:1.15E}")


def fast_to_dataset(
    document: Mapping[str, Any], *, extra_contexts: Mapping[str, Any] | None = None
) -> Dataset | None:
    """The RDF dataset of ``document`` as pyld's ``to_rdf`` yields it, or None when this path cannot be sure.

    https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm ; ``extra_contexts`` (URL →
    context document, as ``offline_loader(extra=...)`` takes) is for tests with the W3C examples context.
    """
    if not isinstance(document, dict):
        return None
    raw_context = document.get("@context")
    urls = tuple(raw_context) if isinstance(raw_context, list) else (raw_context,)
    if not urls or not all(isinstance(url, str) for url in urls):
        return None
    contexts = _contexts(extra_contexts)
    writer = _Writer(contexts)
    try:
        active = contexts.for_urls(urls)
        body = {k: v for k, v in document.items() if k != "@context"}
        if not body or all(active.try_vocab(k) == "@id" for k in body):
            return None  # pyld drops such top-level objects
        if writer.element(active, None, body, "")[0] == '"':
            return None  # a top-level value object is dropped too
    except (_Unsupported, RecursionError, TypeError, AttributeError, ValueError, KeyError):
        # the last four only for non-JSON input (non-string keys, odd Mapping types): the reference path judges it
        return None
    return list(writer.seen)
