"""Selective disclosure primitives of Data Integrity: skolemization, JSON pointer selection, canonicalize-and-group.

https://www.w3.org/TR/vc-di-ecdsa/#selective-disclosure-functions

Used by ecdsa-sd-2023 base proofs, where the issuer's mandatory statements are chosen by JSON pointers into the
compact document: every blank node is given a temporary IRI (``urn:bnid:…``) so the statements of a selected part
of the document can be matched with the statements of the whole, and the IRIs are turned back into blank nodes,
relabelled by an HMAC of their canonical labels.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from microcred.contexts import DocumentLoader
from microcred.suites.rdf import Dataset, Quad, compact, expand, to_dataset
from microcred.suites.rdfc import DEFAULT_BUDGET, Budget, canonical_labels, serialize_quad
from microcred.vc.encodings import b64url_encode
from microcred.vc.errors import InvalidInput

__all__ = [
    "Groups",
    "canonicalize_and_group",
    "hmac_label_map",
    "parse_pointer",
    "select_json_ld",
    "skolemize_expanded",
]

_BNID = "urn:bnid:"


def skolemize_expanded(expanded: Any, *, prefix: str) -> Any:
    """https://www.w3.org/TR/vc-di-ecdsa/#skolemizeexpandedjsonld : every node object gets an IRI
    (``urn:bnid:_<random>_<n>`` when it had none, ``urn:bnid:<label>`` for ``_:<label>``)."""
    count = 0

    def walk(elements: list[Any]) -> list[Any]:
        nonlocal count
        result = []
        for element in elements:
            if not isinstance(element, dict) or "@value" in element:
                result.append(copy.deepcopy(element))
                continue
            node = {
                key: walk(value) if isinstance(value, list) else walk([value])[0]
                for key, value in element.items()
            }
            node_id = node.get("@id")
            if node_id is None:
                node["@id"] = f"{_BNID}{prefix}{count}"
                count += 1
            elif isinstance(node_id, str) and node_id.startswith("_:"):
                node["@id"] = _BNID + node_id[2:]
            result.append(node)
        return result

    return walk(expanded if isinstance(expanded, list) else [expanded])


def _deskolemize(term: str) -> str:
    return "_:" + term[len(_BNID) + 1 : -1] if term.startswith("<" + _BNID) else term


def deskolemized_dataset(document: Mapping[str, Any], *, loader: DocumentLoader) -> Dataset:
    """https://www.w3.org/TR/vc-di-ecdsa/#todeskolemizednquads"""
    return [
        (_deskolemize(s), p, _deskolemize(o), _deskolemize(g))
        for s, p, o, g in to_dataset(document, loader=loader)
    ]


def parse_pointer(pointer: str) -> list[str | int]:
    """https://www.w3.org/TR/vc-di-ecdsa/#parsepointer (RFC 6901; numeric segments as array indexes)."""
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise InvalidInput(f"{pointer!r} is not a JSON pointer")
    paths: list[str | int] = []
    for segment in pointer.split("/")[1:]:
        if "~" in segment:
            if any(segment[i + 1 : i + 2] not in ("0", "1") for i, c in enumerate(segment) if c == "~"):
                raise InvalidInput(f'invalid JSON pointer escape in "{pointer}"')
            paths.append(segment.replace("~1", "/").replace("~0", "~"))
        else:
            paths.append(int(segment) if segment.isdigit() else segment)
    return paths


def _init_selection(source: Mapping[str, Any], selection: dict[str, Any] | None = None) -> dict[str, Any]:
    selection = {} if selection is None else selection
    source_id = source.get("id")
    if isinstance(source_id, str) and not source_id.startswith("_:"):
        selection["id"] = source_id
    if "type" in source:
        selection["type"] = source["type"]
    return selection


def select_json_ld(document: Mapping[str, Any], pointers: Sequence[str]) -> dict[str, Any] | None:
    """https://www.w3.org/TR/vc-di-ecdsa/#selectjsonld : the part of a compact document the pointers select,
    with the ``id`` and ``type`` of every object on the way."""
    if not pointers:
        return None
    arrays: list[list[Any]] = []
    selection: dict[str, Any] = _init_selection(
        document, {"@context": copy.deepcopy(document.get("@context"))}
    )
    for pointer in pointers:
        paths = parse_pointer(pointer)
        if not paths:
            return copy.deepcopy(dict(document))
        value: Any = document
        selected_parent: Any = None
        selected: Any = selection
        for path in paths:
            selected_parent = selected
            try:
                value = value[path]
            except (KeyError, IndexError, TypeError):
                raise InvalidInput(f'JSON pointer "{pointer}" does not match the document') from None
            child = _get(selected_parent, path)
            if child is None:
                if isinstance(value, list):
                    child = []
                    arrays.append(child)
                else:
                    child = _init_selection(value) if isinstance(value, Mapping) else None
                _set(selected_parent, path, child)
            selected = child
        if isinstance(value, Mapping):
            selected = {**(selected if isinstance(selected, dict) else {}), **copy.deepcopy(dict(value))}
        else:
            selected = copy.deepcopy(value)
        _set(selected_parent, paths[-1], selected)
    for array in arrays:
        array[:] = [item for item in array if item is not _HOLE]
    return selection


_HOLE = object()


def _get(container: Any, path: str | int) -> Any:
    if isinstance(container, list):
        return (
            container[path]
            if isinstance(path, int) and path < len(container) and container[path] is not _HOLE
            else None
        )
    return container.get(path) if isinstance(container, dict) else None


def _set(container: Any, path: str | int, value: Any) -> None:
    if isinstance(container, list) and isinstance(path, int):
        # sparse arrays as in JavaScript: holes are dropped once every pointer is applied
        container.extend([_HOLE] * (path + 1 - len(container)))
        container[path] = value
    elif isinstance(container, dict):
        container[path] = value
    else:
        raise InvalidInput("a JSON pointer goes through a value that is not an object or array")


def hmac_label_map(hmac_key: bytes, issued: Mapping[str, str]) -> dict[str, str]:
    """https://www.w3.org/TR/vc-di-ecdsa/#createhmacidlabelmapfunction : input blank node label → ``u`` +
    base64url(HMAC-SHA-256(key, canonical label)); labels without ``_:``."""
    return {
        original[2:]: "u"
        + b64url_encode(hmac.new(hmac_key, c14n[2:].encode("utf-8"), hashlib.sha256).digest())
        for original, c14n in issued.items()
    }


def _relabel(quad: Quad, labels: Mapping[str, str]) -> str:
    def term(value: str) -> str:
        return "_:" + labels[value[2:]] if value.startswith("_:") else value

    return serialize_quad((term(quad[0]), quad[1], term(quad[2]), term(quad[3])))


@dataclass(frozen=True)
class Groups:
    """The relabelled canonical N-Quads of a document, per group the indexes of the statements it selects, and
    the canonical label → HMAC label map (what a derived proof discloses)."""

    nquads: tuple[str, ...]
    matching: dict[str, tuple[int, ...]]
    label_map: dict[str, str]

    def non_matching(self, name: str) -> tuple[int, ...]:
        """Indexes of the statements the group does not select."""
        chosen = set(self.matching[name])
        return tuple(i for i in range(len(self.nquads)) if i not in chosen)


def canonicalize_and_group(
    document: Mapping[str, Any],
    *,
    hmac_key: bytes,
    groups: Mapping[str, Sequence[str]],
    loader: DocumentLoader,
    budget: Budget = DEFAULT_BUDGET,
) -> Groups:
    """https://www.w3.org/TR/vc-di-ecdsa/#canonicalizeandgroup with the HMAC label map function."""
    skolemized = skolemize_expanded(expand(document, loader=loader), prefix=f"_{uuid.uuid4()}_")
    skolemized_compact = compact(skolemized, document.get("@context"), loader=loader)
    dataset = deskolemized_dataset({"@graph": skolemized}, loader=loader)
    _, issued = canonical_labels(dataset, budget=budget)
    labels = hmac_label_map(hmac_key, issued)
    nquads = tuple(sorted(_relabel(quad, labels) for quad in dataset))
    matching: dict[str, tuple[int, ...]] = {}
    for name, pointers in groups.items():
        selection = select_json_ld(skolemized_compact, pointers)
        selected = (
            {_relabel(quad, labels) for quad in deskolemized_dataset(selection, loader=loader)}
            if selection is not None
            else set()
        )
        matching[name] = tuple(i for i, nquad in enumerate(nquads) if nquad in selected)
    label_map = {issued[original][2:]: labels[original[2:]] for original in issued}
    return Groups(nquads, matching, label_map)
