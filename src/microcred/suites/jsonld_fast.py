"""A fast JSON-LD → RDF path for documents whose ``@context`` is a list of pinned contexts.

https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm

pyld re-walks its term definitions for every key of every document; this module walks the document once,
straight to quads, and looks terms up in active contexts that pyld itself processed (``_process_context``)
and that ``suites.jsonld_contexts`` caches once per process per combination (top-level URLs, embedded URL
lists, property- and type-scoped contexts), with a plan per key. It mirrors pyld 3.3.0's expansion (``_expand``, ``_expand_object``, ``_expand_value``,
``_expand_iri``) and RDF conversion (``_object_to_rdf``, ``_list_to_rdf``, node-map de-duplication) for the
subset of JSON-LD that credentials use, and gives up (returns None, so the caller takes the reference path
with its safe-mode checks) on everything else: inline contexts, undefined or dropped terms, relative IRIs,
nulls, empty arrays outside lists, unusual keywords and containers, reverse properties, ``@direction``.
Tests prove the output equal to pyld's on the spec vectors and a generated corpus.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from pyld.jsonld import canonicalize  # RFC 8785 JCS, as pyld uses for @json literals
from pyld.nquads import escape

from microcred.suites.jsonld_contexts import (
    MAX_CACHED_KEYS,
    Active,
    Contexts,
    Plan,
    Unsupported,
    contexts_for,
    rdf_type_terms,
)

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

# A conservative BCP 47 shape for @language.
_LANGUAGE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
# C0 controls other than tab, LF, CR, and DEL: serialized differently by pyld and jsonld.js (see suites.rdf).
_UNPORTABLE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Integers this large take pyld's double branch (or overflow it); not worth mirroring.
_MAX_INTEGER = 10**21

# Keywords a document may use where this path reproduces pyld exactly.
_VALUE_KEYWORDS = frozenset({"@value", "@type", "@language"})
_MAX_CACHED_LITERALS = 65536  # serialized string literals (names, descriptions recur across credentials)


class _Writer:
    """Emits quads for one document: blank-node labels, node-map style de-duplication."""

    __slots__ = ("bnodes", "contexts", "counter", "literals", "origin", "seen")

    def __init__(self, contexts: Contexts) -> None:
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
            raise Unsupported("duplicate quad from different values")

    # --- expansion (mirrors pyld _expand / _expand_object for node and value objects) -------------------

    def element(self, active: Active, plan: Plan | None, element: Mapping[str, Any], graph: str) -> str:
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
                    raise Unsupported("two @type keys")
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
                    raise Unsupported("@type")
                typed = active
                for t in sorted(types):
                    scoped = type_scoped_ctx.scoped_context(t)
                    if scoped is not None and scoped is not False:
                        typed = contexts.apply(typed, scoped, propagate=False, override=False)
                typed_entry = (typed, rdf_type_terms(type_scoped_ctx, types))
                if len(active.typed) < MAX_CACHED_KEYS:
                    active.typed[types] = typed_entry
            active, type_terms = typed_entry

        node_id: str | None = None
        value_entries: dict[str, Any] | None = None
        properties: list[tuple[Plan, Any]] = []
        plans = active.plans
        for k, v in element.items():
            if k == type_key or k == "@context":
                continue
            key_plan = plans.get(k)
            if key_plan is None:
                key_plan = Plan(contexts, active, k)
                if len(plans) < MAX_CACHED_KEYS:
                    plans[k] = key_plan
            keyword = key_plan.keyword
            if keyword is None:
                properties.append((key_plan, v))
            elif keyword == "@id":
                if node_id is not None or not isinstance(v, str):
                    raise Unsupported("@id")
                node_id = active.expand_id(v)
            elif keyword in _VALUE_KEYWORDS:
                if value_entries is None:
                    value_entries = {}
                elif keyword in value_entries:
                    raise Unsupported("colliding keywords")
                value_entries[keyword] = v
            else:
                raise Unsupported(keyword)

        if value_entries is not None:
            if "@value" not in value_entries or properties or node_id is not None:
                raise Unsupported("value object")
            datatype: str | None = None
            if type_key is not None:
                if len(types) != 1 or isinstance(element[type_key], list):
                    raise Unsupported("value object @type")
                datatype = type_scoped_ctx.expand_type(types[0])
                if datatype.startswith("_:"):
                    raise Unsupported("value object @type")
            language = value_entries.get("@language")
            if language is not None:
                if datatype is not None or not isinstance(language, str) or not _LANGUAGE.match(language):
                    raise Unsupported("@language")
                language = language.lower()
            elif "@language" in value_entries:
                raise Unsupported("@language")
            value = value_entries["@value"]
            if language is not None and not isinstance(value, str):
                raise Unsupported("@language")
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

    def property(self, plan: Plan, value: Any, subject: str, graph: str) -> None:
        predicate = plan.predicate
        if plan.json:
            if value is None or (isinstance(value, str) and _UNPORTABLE_CHARS.search(value)):
                raise Unsupported("null or control characters")
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
            raise Unsupported("empty array")
        term_ctx = plan.term_ctx
        seen = self.seen
        for item in values:
            if plan.graph:
                if not isinstance(item, dict):
                    raise Unsupported("graph container value")
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
                raise Unsupported("duplicate quad from different values")

    def rdf_list(self, plan: Plan, items: list[Any], graph: str) -> str:
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

    def value(self, plan: Plan, item: Any, graph: str) -> tuple[str, Any]:
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
            raise Unsupported("null or nested array")
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
                raise Unsupported("large integer")
            if datatype == _XSD_DOUBLE:
                return f'"{_canonical_double(float(value))}"^^<{_XSD_DOUBLE}>'
            return f'"{value}"^^<{datatype or _XSD_INTEGER}>'
        if isinstance(value, float):
            if not math.isfinite(value) or abs(value) >= _MAX_INTEGER:
                raise Unsupported("number")
            if not value.is_integer():
                return f'"{_canonical_double(value)}"^^<{datatype or _XSD_DOUBLE}>'
            if datatype == _XSD_DOUBLE:
                return f'"{_canonical_double(value)}"^^<{_XSD_DOUBLE}>'
            return f'"{int(value)}"^^<{datatype or _XSD_INTEGER}>'
        raise Unsupported("@value")


def _string_literal(value: str, datatype: str | None, language: str | None) -> str:
    """A string literal as pyld's ``_object_to_rdf`` + ``to_nquad`` write it; raises for pyld's odd corners."""
    if _UNPORTABLE_CHARS.search(value):
        raise Unsupported("control characters")  # suites.rdf's safe mode refuses these
    if datatype == _XSD_DOUBLE:
        # pyld canonicalises numeric strings typed xsd:double; leave that corner to it
        raise Unsupported("xsd:double string")
    if language is not None:
        return f'"{escape(value)}"@{language}'
    if datatype is None or datatype == _XSD_STRING:
        return f'"{escape(value)}"'
    if datatype == _RDF_LANGSTRING:
        raise Unsupported("rdf:langString without language")
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
    contexts = contexts_for(extra_contexts)
    writer = _Writer(contexts)
    try:
        active = contexts.for_urls(urls)
        body = {k: v for k, v in document.items() if k != "@context"}
        if not body or all(active.try_vocab(k) == "@id" for k in body):
            return None  # pyld drops such top-level objects
        if writer.element(active, None, body, "")[0] == '"':
            return None  # a top-level value object is dropped too
    except (Unsupported, RecursionError, TypeError, AttributeError, ValueError, KeyError):
        # the last four only for non-JSON input (non-string keys, odd Mapping types): the reference path judges it
        return None
    return list(writer.seen)
