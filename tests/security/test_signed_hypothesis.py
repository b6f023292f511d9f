"""Generated JSON-LD-equivalent rewrites of a signed credential: the signature still verifies (so the rewrite signs
alike), and the verifier either refuses the document or reports exactly what it reports for the original."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from microcred import suites

from .signed_rewrites import (
    IRIS,
    aliased_nest,
    assert_refused_or_same,
    at,
    compact_iri,
    full_iri,
    included,
    keyword_id_type,
    nest,
    nodes,
    originals,
    signature_holds,
    value_object,
    wrapped,
)

Doc = dict[str, Any]
Path = tuple[str | int, ...]


def _guarded_value_object(document: Doc, node: Path, key: str) -> Doc:
    if not isinstance(at(document, node)[key], str):
        raise LookupError("only a string becomes a value object here")
    return value_object(document, node, key)


def _guarded_wrapped(document: Doc, node: Path, key: str) -> Doc:
    if isinstance(at(document, node)[key], list):
        raise LookupError("already an array")
    return wrapped(document, node, key)


Op = Callable[[Doc], Doc]


@st.composite
def rewrites(draw: st.DrawFn, kind: str) -> tuple[list[str], Op]:
    """One to four rewrites of fields the checks read, applied in turn (one that no longer applies is skipped)."""
    document = originals().documents[kind]
    targets = [(path, key) for path, node in nodes(document) for key in node if key in IRIS]
    node_paths = [path for path, _ in nodes(document)]
    steps: list[tuple[str, Op]] = []
    for index in range(draw(st.integers(1, 4))):
        way = draw(
            st.sampled_from(
                [
                    "full IRI",
                    "compact IRI",
                    "@nest",
                    "alias of @nest",
                    "value object",
                    "array",
                    "@id/@type",
                    "@included",
                ]
            )
        )
        if way in ("@id/@type", "@included"):
            path = draw(st.sampled_from(node_paths))
            op: Op = (
                (lambda d, p=path: keyword_id_type(d, p))
                if way == "@id/@type"
                else (lambda d, p=path: included(d, p))
            )
            steps.append((f"{way} at {path}", op))
            continue
        path, key = draw(st.sampled_from(targets))
        make = {
            "full IRI": full_iri,
            "compact IRI": lambda d, p, k, i=index: compact_iri(d, p, k, prefix=f"p{i}"),
            "@nest": nest,
            "alias of @nest": aliased_nest,
            "value object": _guarded_value_object,
            "array": _guarded_wrapped,
        }[way]
        steps.append((f"{key} at {path} as {way}", lambda d, m=make, p=path, k=key: m(d, p, k)))
    return [name for name, _ in steps], applied(steps)


def applied(steps: list[tuple[str, Op]]) -> Op:
    """The steps applied in turn, ``@included`` last (one that no longer applies is skipped).

    ``@included`` repeats a node as it finally reads: a copy taken before another step rewrote the original
    (a string there, a value object with its datatype here) is a second JSON-LD value, which JSON-LD keeps
    beside the first, so the same triple comes out twice and the canonical N-Quads list it twice, in pyld and
    jsonld.js / rdf-canonize alike: not an equivalent document.
    """
    ordered = sorted(steps, key=lambda step: step[0].startswith("@included"))

    def apply(document: Doc) -> Doc:
        for _name, step in ordered:
            try:
                document = step(document)
            except (LookupError, TypeError, ValueError, AttributeError):
                continue  # an earlier step moved or renamed what this one targets
        return document

    return apply


# Found by hypothesis: @included taken before the value-object rewrite of the node it repeats.
INCLUDED_THEN_VALUE_OBJECT: tuple[str, tuple[list[str], Op]] = (
    "vc2",
    (
        [
            "@included at ('credentialStatus',)",
            "name at () as full IRI",
            "statusPurpose at ('credentialStatus',) as value object",
        ],
        applied(
            [
                ("@included at ('credentialStatus',)", lambda d: included(d, ("credentialStatus",))),
                ("name at () as full IRI", lambda d: full_iri(d, (), "name")),
                (
                    "statusPurpose at ('credentialStatus',) as value object",
                    lambda d: _guarded_value_object(d, ("credentialStatus",), "statusPurpose"),
                ),
            ]
        ),
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(INCLUDED_THEN_VALUE_OBJECT)
@given(st.sampled_from(["vc2", "vc11"]).flatmap(lambda kind: st.tuples(st.just(kind), rewrites(kind))))
def test_generated_equivalent_rewrites_are_refused_or_change_nothing(
    case: tuple[str, tuple[list[str], Op]],
) -> None:
    kind, (_names, apply) = case
    signed = originals()
    rewritten = apply(copy.deepcopy(signed.documents[kind]))
    signature_holds(rewritten, resolver=suites.DidKeyResolver(), loader=signed.world.loader)
    report = signed.verify(rewritten)
    assert_refused_or_same(signed.reports[kind], report)
    event("refused" if report.check("proof").status == "failed" else "accepted, the same report")
