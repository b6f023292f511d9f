"""JSON-LD → RDF dataset, in safe mode, through the offline document loader.

https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm ;
https://www.w3.org/TR/vc-data-integrity/#securing-data-losslessly

**Dataset representation** (shared with the fast path in ``suites/jsonld_fast.py``): a dataset is a
``list[tuple[str, str, str, str]]`` of quads ``(subject, predicate, object, graph)``. Each element is an N-Quads
term string exactly as pyld serializes it in ``jsonld.to_nquad``:

- IRIs as ``<iri>``; blank nodes as ``_:label``;
- literals as ``"escaped"`` (pyld escapes ``\\``, ``"``, tab, LF and CR as ``\\\\``, ``\\"``, ``\\t``, ``\\n``,
  ``\\r`` and nothing else) followed by ``@lang`` for language-tagged strings, nothing for
  ``xsd:string``, and ``^^<datatype>`` otherwise;
- graph ``""`` for the default graph, else ``<iri>`` or ``_:label``.

So ``"".join(suites.rdfc.serialize_quad(q) for q in dataset)`` is the N-Quads pyld would write, and the
canonicalizer in :mod:`suites.rdfc` works on these strings directly.

**Safe mode.** PyLD has no safe mode, and a JSON key that no context defines is silently dropped during
expansion, so it would be neither signed nor verified (standards notes §9.4). Here expansion records every
dropped key, relative IRI (in ``@id``, ``@type`` or an IRI value) and other lossy construct and raises
:class:`~vc.errors.UnsafeJsonLd` naming the term and its JSON pointer. (Expansion runs with ``base`` None:
with pyld's default base ``""`` it silently resolves relative IRIs against ``http://example.org/base/``, which
no other processor does.) Literals holding C0 control characters
other than tab, LF and CR (or DEL) are refused too: pyld and jsonld.js escape them differently in N-Quads, so a
signature over them would not verify across implementations; so are quads in which one blank node fills two
positions, which PyLD and rdf-canonize canonicalize differently (see ``_check_self_references``).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cachetools import LRUCache
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from microcred.contexts import DocumentLoader
from microcred.suites.jsonld_fast import fast_to_dataset
from microcred.vc.errors import InvalidInput, MicrocredError, UnsafeJsonLd

__all__ = ["Dataset", "Quad", "compact", "expand", "fast_dataset", "to_dataset"]

Quad = tuple[str, str, str, str]
Dataset = list[Quad]
"""An RDF dataset: its quads, in the order JSON-LD → RDF produced them."""

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
_UNPORTABLE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# ---------------------------------------------------------------------------------------------------------------
# The fast path: ``suites/jsonld_fast.py``'s ``fast_to_dataset(document)`` returns the same Dataset (with the
# same safe-mode refusals) much faster than pyld, or None when it cannot handle a document; then the reference
# path below runs. It is a module variable so the reference path can also be run alone (the benchmarks time it).
# ---------------------------------------------------------------------------------------------------------------
FastPath = Callable[[Mapping[str, Any]], Dataset | None]
_FAST_PATH: FastPath | None = fast_to_dataset


def to_dataset(document: Mapping[str, Any], *, loader: DocumentLoader) -> Dataset:
    """The RDF dataset of a JSON-LD document, refusing lossy JSON-LD (safe mode).

    https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm ; raises UnsafeJsonLd,
    ContextNotAllowed (a context URL not on the allow-list) or InvalidInput (not JSON-LD).
    """
    if not isinstance(document, Mapping):
        raise InvalidInput("a JSON-LD document must be a JSON object")
    dataset = _FAST_PATH(document) if _FAST_PATH is not None else None
    if dataset is None:
        dataset = _reference_to_dataset(document, loader=loader)
    _check_self_references(dataset)
    return dataset


def fast_dataset(document: Mapping[str, Any]) -> Dataset | None:
    """The dataset by the fast path alone (one linear walk over pinned contexts, the same refusals as
    :func:`to_dataset`), or None when the document needs the pyld reference path."""
    if _FAST_PATH is None or not isinstance(document, Mapping):
        return None
    dataset = _FAST_PATH(document)
    if dataset is not None:
        _check_self_references(dataset)
    return dataset


def _check_self_references(dataset: Dataset) -> None:
    """Refuse a quad in which one blank node fills two positions (e.g. ``_:a knows _:a``).

    RDFC-1.0 implementations disagree on such quads: PyLD lists the quad once per position when hashing the blank
    node, rdf-canonize (jsonld.js) once, so the canonical forms (and signatures) differ. Credentials never need
    them (they take an explicit blank node identifier in the JSON), so neither side is trusted with them.
    """
    for subject, _predicate, obj, graph in dataset:
        subject_repeated = subject.startswith("_:") and subject in (obj, graph)
        if subject_repeated or (obj.startswith("_:") and obj == graph):
            raise UnsafeJsonLd(
                "a blank node refers to itself (an explicit blank node identifier used as its own value); "
                "JSON-LD processors canonicalize such documents differently, so it cannot be signed or verified"
            )


class _UrlContextCache(LRUCache[Any, Any]):
    """pyld's shared context cache, remembering contexts loaded by URL only.

    pyld also files every inline context under its canonical JSON text; a document's inline contexts would then
    stay in memory (the text and the processed terms, megabytes each) long after the request.
    """

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, str) and key.startswith("{"):
            return
        super().__setitem__(key, value)


# pyld's default context cache is shared by every loader and keyed by URL alone, so a context served by one
# loader (a test loader with extra documents) would be used by another that does not allow it. Keep one bounded
# cache per loader instead.
_CONTEXT_CACHES: weakref.WeakKeyDictionary[DocumentLoader, Any] = weakref.WeakKeyDictionary()


def _options(loader: DocumentLoader) -> dict[str, Any]:
    cache = _CONTEXT_CACHES.get(loader)
    if cache is None:
        cache = _CONTEXT_CACHES[loader] = _UrlContextCache(maxsize=256)
    return {
        "documentLoader": loader,
        "contextResolver": ContextResolver(cache, loader),
        "base": None,  # pyld turns "" into http://example.org/base/; None keeps relative IRIs visible
        "processingMode": "json-ld-1.1",
    }


def expand(document: Mapping[str, Any], *, loader: DocumentLoader) -> list[Any]:
    """The expanded form of a JSON-LD document, refusing lossy JSON-LD as :func:`to_dataset` does (safe mode).

    https://www.w3.org/TR/json-ld11-api/#expansion-algorithm
    """
    dropped: list[str | None] = []
    try:
        expanded: list[Any] = jsonld.expand(
            dict(document), _options(loader), on_property_dropped=dropped.append
        )
    except jsonld.JsonLdError as exc:
        raise _from_jsonld_error(exc) from None
    except MicrocredError:
        raise
    except (ValueError, TypeError) as exc:
        # pyld lets some malformed input escape as builtins (e.g. an empty string in @context).
        raise InvalidInput(f"the document is not valid JSON-LD: {exc}") from None
    if dropped:
        raise _dropped_error(document, dropped[0])
    _check_expanded(expanded, document)
    return expanded


def compact(expanded: Any, context: Any, *, loader: DocumentLoader) -> dict[str, Any]:
    """https://www.w3.org/TR/json-ld11-api/#compaction-algorithm with the offline loader."""
    try:
        compacted: dict[str, Any] = jsonld.compact(expanded, {"@context": context}, _options(loader))
    except jsonld.JsonLdError as exc:
        raise _from_jsonld_error(exc) from None
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"the document is not valid JSON-LD: {exc}") from None
    return compacted


def _reference_to_dataset(document: Mapping[str, Any], *, loader: DocumentLoader) -> Dataset:
    expanded = expand(document, loader=loader)
    try:
        rdf = jsonld.to_rdf(expanded, _options(loader))
    except jsonld.JsonLdError as exc:
        raise _from_jsonld_error(exc) from None
    except MicrocredError:
        raise
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"the document is not valid JSON-LD: {exc}") from None
    dataset: Dataset = []
    for graph_name, triples in rdf.items():
        graph = "" if graph_name == "@default" else _node_term(graph_name)
        for triple in triples:
            dataset.append(
                (
                    _term(triple["subject"]),
                    _term(triple["predicate"]),
                    _term(triple["object"]),
                    graph,
                )
            )
    return dataset


def _from_jsonld_error(exc: Exception) -> MicrocredError:
    """Unwrap pyld's error chain: keep our own errors (ContextNotAllowed), else report invalid JSON-LD."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, MicrocredError):
            return cause
        cause = cause.__cause__ or cause.__context__
    return InvalidInput(f"the document is not valid JSON-LD: {exc}")


def _node_term(value: str) -> str:
    return value if value.startswith("_:") else f"<{value}>"


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace('"', '\\"')
    )


def _term(node: Mapping[str, Any]) -> str:
    """One pyld RDF term as its N-Quads string (mirrors ``pyld.nquads.serialize_nquad``)."""
    if node["type"] == "IRI":
        return f"<{node['value']}>"
    if node["type"] == "blank node":
        return str(node["value"])
    literal = f'"{_escape(node["value"])}"'
    datatype = node.get("datatype")
    if datatype == _RDF_LANGSTRING:
        language = node.get("language")
        return f"{literal}@{language}" if language else literal
    if datatype != _XSD_STRING:
        return f"{literal}^^<{datatype}>"
    return literal


# --- safe mode ---------------------------------------------------------------------------------------------------


def _dropped_error(document: Mapping[str, Any], term: str | None) -> UnsafeJsonLd:
    if term is None:
        return UnsafeJsonLd(
            "a property is mapped to null by the document's contexts and would be dropped from the signed data"
        )
    pointer = _find_key(document, term)
    where = f" at {pointer}" if pointer is not None else ""
    return UnsafeJsonLd(
        f'property "{term}"{where} is not defined by the document\'s contexts and would be dropped '
        "from the signed data; define it in a context or remove it",
        pointer=pointer,
    )


def _check_expanded(expanded: Any, document: Mapping[str, Any]) -> None:
    """Walk expanded JSON-LD and refuse relative IRIs and unportable literals."""
    for kind, value in _walk_expanded(expanded):
        if kind == "literal":
            if _UNPORTABLE_CHARS.search(value):
                pointer = _find_value(document, value)
                raise UnsafeJsonLd(
                    "a string value contains control characters that JSON-LD processors serialize "
                    "differently; remove them",
                    pointer=pointer,
                )
            continue
        if not _ABSOLUTE_IRI.match(value):
            pointer = _find_value(document, value)
            where = f" at {pointer}" if pointer is not None else ""
            what = "type" if kind == "type" else "identifier"
            raise UnsafeJsonLd(
                f'{what} "{value}"{where} is a relative IRI (not defined by the contexts) and would be '
                "dropped from the signed data; use an absolute IRI or a defined term",
                pointer=pointer,
            )


def _walk_expanded(node: Any) -> Iterator[tuple[str, str]]:
    """Yield (kind, value) for every IRI ("id"/"type") and string literal in expanded JSON-LD."""
    if isinstance(node, list):
        for item in node:
            yield from _walk_expanded(item)
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:
        value = node["@value"]
        if isinstance(value, str):
            yield "literal", value
        if isinstance(node.get("@type"), str) and node["@type"] != "@json":
            yield "type", node["@type"]
        return
    for key, value in node.items():
        if key == "@id" and isinstance(value, str):
            yield "id", value
        elif key == "@type":
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    yield "type", item
        elif key in ("@context", "@index", "@language", "@direction"):
            continue
        else:
            yield from _walk_expanded(value)


def _pointer_token(key: str | int) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _find_key(document: Any, key: str, path: str = "") -> str | None:
    """JSON pointer of the first object member named ``key`` (outside @context), or None."""
    if isinstance(document, Mapping):
        for name, value in document.items():
            if name == "@context":
                continue
            here = f"{path}/{_pointer_token(name)}"
            if name == key:
                return here
            found = _find_key(value, key, here)
            if found is not None:
                return found
    elif isinstance(document, list):
        for index, item in enumerate(document):
            found = _find_key(item, key, f"{path}/{index}")
            if found is not None:
                return found
    return None


def _find_value(document: Any, value: str, path: str = "") -> str | None:
    """JSON pointer of the first string equal to ``value`` (outside @context), or None."""
    if isinstance(document, str):
        return path if document == value else None
    if isinstance(document, Mapping):
        for name, item in document.items():
            if name == "@context":
                continue
            found = _find_value(item, value, f"{path}/{_pointer_token(name)}")
            if found is not None:
                return found
    elif isinstance(document, list):
        for index, item in enumerate(document):
            found = _find_value(item, value, f"{path}/{index}")
            if found is not None:
                return found
    return None
