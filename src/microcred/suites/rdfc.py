"""RDF Dataset Canonicalization (RDFC-1.0) with a work budget.

https://www.w3.org/TR/rdf-canon/

pyld implements the same algorithm (as URDNA2015) but has no way to stop: a small graph of symmetric blank nodes
(a clique) makes the Hash N-Degree Quads step explore every permutation of every neighbour list, so a 6-node
clique already takes seconds. This implementation is byte-identical to pyld's
``jsonld.normalize(..., {"algorithm": "URDNA2015", "format": "application/n-quads"})`` (the tests compare them on
the W3C vectors and on generated datasets) and counts its work against a :class:`Budget`; past it, it raises
:class:`~vc.errors.CanonicalizationLimit` ("dataset poisoning", RDFC-1.0 §4.3 and vc-di-eddsa §3.2).

The input is the dataset representation of :mod:`suites.rdf`: a list of ``(subject, predicate, object, graph)``
N-Quads term strings, graph ``""`` for the default graph.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import permutations
from typing import Any

from microcred.vc.errors import CanonicalizationLimit, InvalidInput

__all__ = ["DEFAULT_BUDGET", "SIGNING_BUDGET", "Budget", "Canonicalizer", "canonicalize", "serialize_quad"]

Quad = tuple[str, str, str, str]

Canonicalizer = Callable[[Mapping[str, Any], "Budget"], str]
"""``run(document, budget) -> canonical N-Quads`` of a JSON-LD document (see ``Budget.runner``)."""


@dataclass(frozen=True)
class Budget:
    """Limits on the work one canonicalization may do (RDFC-1.0 §4.3 "dataset poisoning").

    ``max_blank_nodes`` bounds the distinct blank nodes in the dataset; ``max_ndegree_calls`` bounds the
    "deep iterations": every call of Hash N-Degree Quads and every permutation it examines counts one;
    ``deadline_seconds`` bounds the wall-clock time of the whole canonicalization. Real credentials use a few
    dozen blank nodes and rarely any deep iteration (each node usually has a unique first-degree hash).

    ``interop_work_factor``, when set, also applies jsonld.js's (rdf-canonize 5) default limit: at most
    ``(number of blank nodes sharing a first-degree hash) ** factor`` calls of Hash N-Degree Quads. Signing uses
    factor 1 (:data:`SIGNING_BUDGET`), so nothing is signed that verifiers built on jsonld.js would refuse.
    """

    max_blank_nodes: int = 4096
    max_ndegree_calls: int = 16384
    deadline_seconds: float = 1.0
    interop_work_factor: int | None = None
    max_proofs: int | None = None
    """Proofs verified per document (a proof set or chain); a document with more is not verified at all."""
    hash_algorithm: str = "sha256"
    """RDFC-1.0's hash function (its §4.2 lets a suite choose): ecdsa-rdfc-2019 with P-384 keys uses sha384."""
    runner: Canonicalizer | None = field(default=None, compare=False)
    """When set, JSON-LD → canonical N-Quads runs through it (``suites.isolation``: a worker process with a hard
    deadline) instead of in the calling thread; it must use the pinned offline loader."""


DEFAULT_BUDGET = Budget()
"""Every real credential passes; a symmetric blank-node clique is refused in well under a second."""
SIGNING_BUDGET = Budget(interop_work_factor=1)
"""DEFAULT_BUDGET plus jsonld.js's default deep-iteration limit: what we sign, other verifiers can check."""


def serialize_quad(quad: Quad) -> str:
    """One N-Quads line (with its ``\\n``) for a quad of term strings."""
    subject, predicate, obj, graph = quad
    if graph:
        return f"{subject} {predicate} {obj} {graph} .\n"
    return f"{subject} {predicate} {obj} .\n"


def _is_blank(term: str) -> bool:
    return term.startswith("_:")


class _Issuer:
    """Issue Identifier algorithm state (https://www.w3.org/TR/rdf-canon/#issue-identifier)."""

    __slots__ = ("issued", "prefix")

    def __init__(self, prefix: str, issued: dict[str, str] | None = None) -> None:
        self.prefix = prefix
        self.issued: dict[str, str] = {} if issued is None else issued

    def issue(self, existing: str) -> str:
        found = self.issued.get(existing)
        if found is None:
            found = f"{self.prefix}{len(self.issued)}"
            self.issued[existing] = found
        return found

    def copy(self) -> _Issuer:
        return _Issuer(self.prefix, dict(self.issued))


class _Canonicalizer:
    """The canonicalization state of one run (https://www.w3.org/TR/rdf-canon/#canon-state)."""

    def __init__(self, quads: Sequence[Quad], budget: Budget) -> None:
        self.quads = quads
        self.budget = budget
        # the constructor itself (hashlib.sha256), not hashlib.new: it is called for every blank node hash
        self.hash: Callable[..., hashlib._Hash] = getattr(hashlib, budget.hash_algorithm)
        self.deadline = time.monotonic() + budget.deadline_seconds
        self.work = 0
        self.calls = 0
        self.max_calls: int | None = None
        self.canonical = _Issuer("_:c14n")
        self.first_degree: dict[str, str] = {}
        # pyld adds a quad once per blank-node position it occupies; do the same so hashes stay identical.
        self.bnode_quads: dict[str, list[Quad]] = {}
        bnode_quads = self.bnode_quads
        for quad in quads:
            subject, _predicate, obj, graph = quad
            # Terms are "<iri>", "\"literal\"…", "_:label" or "" (default graph): the first character decides.
            if subject[:1] == "_":
                bnode_quads.setdefault(subject, []).append(quad)
            if obj[:1] == "_":
                bnode_quads.setdefault(obj, []).append(quad)
            if graph[:1] == "_":
                bnode_quads.setdefault(graph, []).append(quad)
        if len(self.bnode_quads) > budget.max_blank_nodes:
            raise CanonicalizationLimit(
                f"the document has {len(self.bnode_quads)} blank nodes; at most "
                f"{budget.max_blank_nodes} are canonicalized"
            )

    def hash_hex(self, data: str) -> str:
        """The hex digest of UTF-8 ``data`` with the run's hash function."""
        return self.hash(data.encode("utf-8")).hexdigest()

    def spend(self) -> None:
        """Count one deep iteration and stop when the budget or the deadline is exhausted."""
        self.work += 1
        if self.work > self.budget.max_ndegree_calls:
            raise CanonicalizationLimit(
                f"canonicalization needs more than {self.budget.max_ndegree_calls} deep iterations "
                "(symmetric blank nodes: possible dataset poisoning)"
            )
        if time.monotonic() > self.deadline:
            raise CanonicalizationLimit(
                f"canonicalization took longer than {self.budget.deadline_seconds} s "
                "(possible dataset poisoning)"
            )

    def hash_first_degree(self, node: str) -> str:
        """https://www.w3.org/TR/rdf-canon/#hash-1d-quads"""
        cached = self.first_degree.get(node)
        if cached is not None:
            return cached
        lines = []
        for subject, predicate, obj, graph in self.bnode_quads[node]:
            if subject[:1] == "_":
                subject = "_:a" if subject == node else "_:z"
            if obj[:1] == "_":
                obj = "_:a" if obj == node else "_:z"
            if graph[:1] == "_":
                graph = "_:a" if graph == node else "_:z"
            lines.append(
                f"{subject} {predicate} {obj} {graph} .\n" if graph else f"{subject} {predicate} {obj} .\n"
            )
        lines.sort()
        digest = self.hash_hex("".join(lines))
        self.first_degree[node] = digest
        return digest

    def hash_related(self, related: str, quad: Quad, issuer: _Issuer, position: str) -> str:
        """https://www.w3.org/TR/rdf-canon/#hash-related-blank-node"""
        identifier = self.canonical.issued.get(related) or issuer.issued.get(related)
        if identifier is None:
            identifier = self.hash_first_degree(related)
        if position == "g":
            return self.hash_hex(position + identifier)
        return self.hash_hex(position + quad[1] + identifier)

    def hash_to_related(self, node: str, issuer: _Issuer) -> dict[str, list[str]]:
        """Steps 1-3 of Hash N-Degree Quads: related blank nodes grouped by their related hash."""
        groups: dict[str, list[str]] = {}
        for quad in self.bnode_quads[node]:
            for term, position in ((quad[0], "s"), (quad[2], "o"), (quad[3], "g")):
                if _is_blank(term) and term != node:
                    groups.setdefault(self.hash_related(term, quad, issuer, position), []).append(term)
        return groups

    def hash_n_degree(self, node: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        """https://www.w3.org/TR/rdf-canon/#hash-nd-quads"""
        self.spend()
        self.calls += 1
        if self.max_calls is not None and self.calls > self.max_calls:
            raise CanonicalizationLimit(
                f"canonicalization needs more than {self.max_calls} Hash N-Degree Quads calls, the limit "
                "jsonld.js verifiers apply by default; they would reject this document (repeated identical "
                "blank nodes, e.g. a list of equal values)"
            )
        data = self.hash()
        for related_hash, related_nodes in sorted(self.hash_to_related(node, issuer).items()):
            data.update(related_hash.encode("utf-8"))
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in permutations(related_nodes):
                self.spend()
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    canonical = self.canonical.issued.get(related)
                    if canonical is not None:
                        path += canonical
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, issuer_copy = self.hash_n_degree(related, issuer_copy)
                    path += issuer_copy.issue(related) + "<" + result_hash + ">"
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data.update(chosen_path.encode("utf-8"))
            if chosen_issuer is not None:
                issuer = chosen_issuer
        return data.hexdigest(), issuer

    def run(self) -> str:
        """https://www.w3.org/TR/rdf-canon/#canon-algorithm"""
        by_hash: dict[str, list[str]] = {}
        for node in self.bnode_quads:
            by_hash.setdefault(self.hash_first_degree(node), []).append(node)
        shared: list[list[str]] = []
        for digest in sorted(by_hash):
            nodes = by_hash[digest]
            if len(nodes) == 1:
                self.canonical.issue(nodes[0])
            else:
                shared.append(nodes)
        if self.budget.interop_work_factor is not None:
            self.max_calls = sum(len(nodes) for nodes in shared) ** self.budget.interop_work_factor
        for nodes in shared:
            results: list[tuple[str, _Issuer]] = []
            for node in nodes:
                if node in self.canonical.issued:
                    continue
                temporary = _Issuer("_:b")
                temporary.issue(node)
                results.append(self.hash_n_degree(node, temporary))
            for _digest, issuer in sorted(results, key=lambda result: result[0]):
                for existing in issuer.issued:
                    self.canonical.issue(existing)
        issued = self.canonical.issued
        lines = []
        for subject, predicate, obj, graph in self.quads:
            if subject[:1] == "_":
                subject = issued[subject]
            if obj[:1] == "_":
                obj = issued[obj]
            if graph:
                if graph[:1] == "_":
                    graph = issued[graph]
                lines.append(f"{subject} {predicate} {obj} {graph} .\n")
            else:
                lines.append(f"{subject} {predicate} {obj} .\n")
        lines.sort()
        return "".join(lines)


def canonicalize(dataset: Iterable[Quad], *, budget: Budget = DEFAULT_BUDGET) -> str:
    """RDFC-1.0 canonical N-Quads of ``dataset`` (sorted lines, each ending ``\\n``) within ``budget``.

    https://www.w3.org/TR/rdf-canon/#canon-algorithm ; raises CanonicalizationLimit when over budget.
    """
    return canonical_labels(dataset, budget=budget)[0]


def canonical_labels(
    dataset: Iterable[Quad], *, budget: Budget = DEFAULT_BUDGET
) -> tuple[str, dict[str, str]]:
    """The canonical N-Quads and the issued identifiers map (input blank node ``_:x`` → ``_:c14nN``), which
    selective disclosure relabels from (https://www.w3.org/TR/rdf-canon/#canon-algo-algo, step 7)."""
    quads = list(dataset)
    for quad in quads:
        if not (
            len(quad) == 4
            and isinstance(quad[0], str)
            and isinstance(quad[1], str)
            and isinstance(quad[2], str)
            and isinstance(quad[3], str)
        ):
            raise InvalidInput("a dataset quad must be four N-Quads term strings")
    canonicalizer = _Canonicalizer(quads, budget)
    result = canonicalizer.run()
    return result, dict(canonicalizer.canonical.issued)
