"""RDFC-1.0: byte-identical to pyld (the reference) on generated datasets, and bounded on poison graphs."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld

from microcred.suites.rdf import Dataset, _escape
from microcred.suites.rdfc import DEFAULT_BUDGET, SIGNING_BUDGET, Budget, canonicalize, serialize_quad
from microcred.vc.errors import CanonicalizationLimit

UNLIMITED = Budget(max_blank_nodes=10**6, max_ndegree_calls=10**9, deadline_seconds=600)
P = "<http://example.org/p>"


def pyld_canonical(dataset: Dataset) -> str:
    nquads = "".join(serialize_quad(q) for q in dataset)
    result: str = jsonld.normalize(
        nquads,
        {"algorithm": "URDNA2015", "inputFormat": "application/n-quads", "format": "application/n-quads"},
    )
    return result


# --- generated datasets -------------------------------------------------------------------------------------

IRIS = [f"<http://example.org/{name}>" for name in ("a", "b", "c")]
PREDICATES = [f"<http://example.org/{name}>" for name in ("p", "q", "r")]
LITERALS = [
    '"x"',
    '"y"@en',
    '"1"^^<http://www.w3.org/2001/XMLSchema#integer>',
    # (a backslash before t, n, r or a quote is avoided: pyld's N-Quads *parser* unescapes those wrongly)
    f'"{_escape(chr(34) + "quo" + chr(92) + "ze" + chr(10) + chr(9) + "é😀")}"',
]


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    """Random quads over a few blank nodes; often doubled with relabeled copies so nodes are symmetric."""
    count = draw(st.integers(min_value=1, max_value=5))
    nodes = [f"_:n{i}" for i in range(count)]
    node = st.sampled_from(nodes)
    subject = st.one_of(node, st.sampled_from(IRIS))
    obj = st.one_of(node, st.sampled_from(IRIS), st.sampled_from(LITERALS))
    graph = st.one_of(st.just(""), st.sampled_from(IRIS[:1]), node)
    quads = draw(
        st.lists(st.tuples(subject, st.sampled_from(PREDICATES), obj, graph), min_size=1, max_size=10)
    )
    copies = draw(st.integers(min_value=1, max_value=3))
    result: set[tuple[str, str, str, str]] = set()
    for copy in range(copies):
        for quad in quads:
            result.add(tuple(f"{t}c{copy}" if t.startswith("_:") else t for t in quad))  # type: ignore[arg-type]
    ordered = sorted(result)
    draw(st.randoms()).shuffle(ordered)
    return ordered


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_generated_datasets_match_pyld(dataset: Dataset) -> None:
    assert canonicalize(dataset, budget=UNLIMITED) == pyld_canonical(dataset)


def test_blank_node_only_in_graph_position_and_self_loops_match_pyld() -> None:
    dataset = [
        ("_:s", P, "_:s", "_:g"),
        ("_:t", P, "_:t", "_:g"),
        ("_:s", P, "_:t", ""),
        ("_:t", P, "_:s", ""),
        ("<http://example.org/a>", P, '"v"', "_:g"),
    ]
    assert canonicalize(dataset) == pyld_canonical(dataset)


def test_output_is_sorted_lines_each_ending_in_newline() -> None:
    out = canonicalize([("_:b", P, '"2"', ""), ("_:a", P, '"1"', "")])
    assert out == '_:c14n0 <http://example.org/p> "1" .\n_:c14n1 <http://example.org/p> "2" .\n'


# --- poison graphs ------------------------------------------------------------------------------------------


def clique(size: int) -> Dataset:
    return [(f"_:n{i}", P, f"_:n{j}", "") for i, j in itertools.permutations(range(size), 2)]


def bipartite(size: int) -> Dataset:
    return [(f"_:a{i}", P, f"_:b{j}", "") for i in range(size) for j in range(size)]


def cycles(count: int, length: int) -> Dataset:
    return [(f"_:c{c}n{i}", P, f"_:c{c}n{(i + 1) % length}", "") for c in range(count) for i in range(length)]


@pytest.mark.parametrize(
    "dataset",
    [clique(6), clique(8), clique(12), bipartite(5), bipartite(8), cycles(40, 40)],
    ids=["clique6", "clique8", "clique12", "k5x5", "k8x8", "40cycles40"],
)
def test_poison_graphs_are_refused_within_a_second(dataset: Dataset) -> None:
    started = time.process_time()
    with pytest.raises(CanonicalizationLimit) as caught:
        canonicalize(dataset)
    elapsed = time.process_time() - started
    assert elapsed < 1.0
    assert "poisoning" in caught.value.detail
    assert caught.value.status == 422


def test_small_symmetric_graphs_still_canonicalize_under_the_default_budget() -> None:
    for dataset in (clique(3), clique(4), bipartite(3), cycles(3, 5)):
        assert canonicalize(dataset) == pyld_canonical(dataset)


def test_blank_node_cap() -> None:
    dataset = [(f"_:n{i}", P, f'"{i}"', "") for i in range(50)]
    with pytest.raises(CanonicalizationLimit, match="50 blank nodes"):
        canonicalize(dataset, budget=Budget(max_blank_nodes=49))
    assert canonicalize(dataset, budget=Budget(max_blank_nodes=50)) == pyld_canonical(dataset)


def test_deep_iteration_cap_and_deadline_are_configurable() -> None:
    with pytest.raises(CanonicalizationLimit, match="more than 3 deep iterations"):
        canonicalize(clique(3), budget=Budget(max_ndegree_calls=3))
    with pytest.raises(CanonicalizationLimit, match=r"longer than 0\.0 s"):
        canonicalize(clique(3), budget=Budget(deadline_seconds=0.0))


def test_default_budget_passes_repetitive_real_world_shapes() -> None:
    """Identical sibling objects and a list of identical values: the shapes real credentials have."""
    subject = "<urn:uuid:credential>"
    dataset: Dataset = []
    for i in range(100):  # 100 identical alignment-like objects
        dataset += [(subject, P, f"_:r{i}", ""), (f"_:r{i}", "<http://example.org/name>", '"same"', "")]
    head = "_:l0"
    dataset.append((subject, "<http://example.org/list>", head, ""))
    for i in range(40):  # an RDF list of 40 identical values
        rest = f"_:l{i + 1}" if i < 39 else "<http://www.w3.org/1999/02/22-rdf-syntax-ns#nil>"
        dataset.append((f"_:l{i}", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>", '"A"', ""))
        dataset.append((f"_:l{i}", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>", rest, ""))
    assert canonicalize(dataset, budget=DEFAULT_BUDGET) == pyld_canonical(dataset)


def identical_list(length: int) -> Dataset:
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    dataset: Dataset = [("<urn:x>", P, "_:l0", "")]
    for i in range(length):
        rest = f"_:l{i + 1}" if i < length - 1 else f"<{rdf}nil>"
        dataset += [(f"_:l{i}", f"<{rdf}first>", '"A"', ""), (f"_:l{i}", f"<{rdf}rest>", rest, "")]
    return dataset


def test_interop_work_factor_applies_the_jsonld_js_limit() -> None:
    """rdf-canonize allows (blank nodes sharing a first-degree hash) ** 1 Hash N-Degree Quads calls by default."""
    pairs = [("<urn:x>", P, "_:a", ""), ("<urn:x>", P, "_:b", "")]  # two identical nodes: two calls, allowed
    assert canonicalize(pairs, budget=SIGNING_BUDGET) == pyld_canonical(pairs)
    with pytest.raises(CanonicalizationLimit, match=r"jsonld\.js"):
        canonicalize(identical_list(4), budget=SIGNING_BUDGET)
    assert canonicalize(identical_list(4)) == pyld_canonical(identical_list(4))
