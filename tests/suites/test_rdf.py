"""Safe mode: lossy JSON-LD is refused when signing and fails verification (issue 4, point 5)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld

from microcred.contexts import DocumentLoader, offline_loader
from microcred.suites import Budget, StaticResolver, canonicalize, sign, to_dataset, verify
from microcred.suites.rdf import _reference_to_dataset
from microcred.vc.errors import ContextNotAllowed, InvalidInput, UnsafeJsonLd
from tests.suites.factories import SELF_REFERENCE, Issuer

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def normalize(document: dict[str, Any], loader: DocumentLoader) -> str:
    result: str = jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    )
    return result


def test_undefined_term_is_silently_dropped_by_plain_pyld(
    credential: dict[str, Any], loader: DocumentLoader
) -> None:
    """The hole safe mode closes: without it an added undefined property changes nothing that is signed."""
    tampered = {**credential, "credentialSubject": {**credential["credentialSubject"], "grade": "A+"}}
    assert normalize(tampered, loader) == normalize(credential, loader)


@pytest.mark.parametrize("path", ["reference", "public"])
def test_undefined_term_is_refused_with_its_pointer(
    path: str, credential: dict[str, Any], loader: DocumentLoader
) -> None:
    credential["credentialSubject"]["grade"] = "A+"
    convert = _reference_to_dataset if path == "reference" else to_dataset
    with pytest.raises(UnsafeJsonLd) as caught:
        convert(credential, loader=loader)
    assert caught.value.pointer == "/credentialSubject/grade"
    assert '"grade"' in caught.value.detail


@pytest.mark.parametrize(
    ("mutate", "pointer"),
    [
        (lambda c: c.update(id="credential-1"), "/id"),  # relative @id
        (lambda c: c["type"].append("MicroCredential"), "/type/2"),  # undefined type → relative IRI
        (
            lambda c: c["credentialSubject"]["achievement"].update(image="badge.png"),
            None,
        ),  # term not in context
        (
            lambda c: c["credentialSubject"]["achievement"]["criteria"].update(id="criteria"),
            "/credentialSubject/achievement/criteria/id",
        ),
    ],
    ids=["relative-id", "undefined-type", "undefined-term-nested", "relative-nested-id"],
)
def test_lossy_constructs_are_refused(
    mutate: Any, pointer: str | None, credential: dict[str, Any], loader: DocumentLoader
) -> None:
    mutate(credential)
    with pytest.raises(UnsafeJsonLd) as caught:
        _reference_to_dataset(credential, loader=loader)
    if pointer is not None:
        assert caught.value.pointer == pointer


def test_control_characters_that_processors_escape_differently_are_refused(
    credential: dict[str, Any], loader: DocumentLoader
) -> None:
    credential["name"] = "bell\x07"
    with pytest.raises(UnsafeJsonLd, match="control characters") as caught:
        _reference_to_dataset(credential, loader=loader)
    assert caught.value.pointer == "/name"
    credential["name"] = "tab\tnewline\n"  # escaped the same way everywhere
    assert _reference_to_dataset(credential, loader=loader)


def test_term_mapped_to_null_is_refused(credential: dict[str, Any], loader: DocumentLoader) -> None:
    credential["@context"] = [*credential["@context"], {"note": None}]
    credential["note"] = "hidden"
    with pytest.raises(UnsafeJsonLd, match="mapped to null"):
        _reference_to_dataset(credential, loader=loader)


def test_vocab_context_defines_every_term(examples_loader: DocumentLoader) -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"anything": "goes"},
    }
    assert any("examples#anything" in quad[1] for quad in to_dataset(document, loader=examples_loader))


def test_unknown_context_is_not_fetched(credential: dict[str, Any], loader: DocumentLoader) -> None:
    credential["@context"].append("https://evil.example/context.jsonld")
    with pytest.raises(ContextNotAllowed, match=r"evil\.example"):
        to_dataset(credential, loader=loader)


def test_not_json_ld(loader: DocumentLoader) -> None:
    with pytest.raises(InvalidInput):
        to_dataset({"@context": 5, "x": 1}, loader=loader)
    with pytest.raises(InvalidInput):
        to_dataset([], loader=loader)  # type: ignore[arg-type]


def test_lossy_document_is_never_signed(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    credential["credentialSubject"]["grade"] = "A+"
    with pytest.raises(UnsafeJsonLd):
        sign(credential, signer=issuer.multikey, loader=loader, created=NOW)


def test_lossy_addition_after_signing_fails_verification(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    signed = sign(credential, signer=issuer.multikey, loader=loader, created=NOW)
    resolver = StaticResolver({issuer.did: issuer.document})
    assert verify(signed, resolver=resolver, loader=loader).verified
    signed["credentialSubject"]["grade"] = "A+"
    result = verify(signed, resolver=resolver, loader=loader)
    assert not result.verified
    assert result.results[0].problem_type == UnsafeJsonLd.problem_type
    assert "grade" in (result.results[0].detail or "")


def test_undefined_term_in_proof_fails_verification(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    signed = sign(credential, signer=issuer.multikey, loader=loader, created=NOW)
    signed["proof"]["note"] = "not signed"
    result = verify(signed, resolver=StaticResolver({issuer.did: issuer.document}), loader=loader)
    assert not result.verified
    assert result.results[0].problem_type == UnsafeJsonLd.problem_type


@pytest.mark.parametrize(
    "document",
    [
        SELF_REFERENCE,
        {
            "@context": {"@vocab": "https://example.org/vocab#"},
            "@id": "_:g",
            "@graph": [{"@id": "_:g", "name": "x"}],
        },
    ],
    ids=["subject-object", "subject-graph"],
)
def test_self_referencing_blank_nodes_are_refused(document: dict[str, Any], loader: DocumentLoader) -> None:
    """PyLD and rdf-canonize canonicalize these differently (tests/interop shows it), so neither is trusted."""
    with pytest.raises(UnsafeJsonLd, match="refers to itself"):
        to_dataset(document, loader=loader)


# --- the whole reference path against pyld on generated JSON-LD ------------------------------------------------

# Text without control characters (safe mode refuses those, see above) except tab, LF and CR.
_text = st.text(
    alphabet=st.one_of(st.characters(blacklist_categories=("Cs", "Cc")), st.sampled_from("\t\n\r")),
    max_size=6,
)
_scalars = st.one_of(
    _text,
    st.integers(min_value=-(10**6), max_value=10**6),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.builds(lambda v: {"@value": v, "@language": "en"}, _text),
    st.builds(lambda v: {"@id": f"https://example.org/r/{v}"}, st.integers(0, 3)),
)
_keys = st.sampled_from(["a", "b", "name", "knows"])


def _objects(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.dictionaries(_keys, children, min_size=1, max_size=3),
        st.lists(children, max_size=3),
        st.builds(lambda items: {"@list": items}, st.lists(_scalars, max_size=3)),
    )


_json_ld = st.builds(
    lambda body, ident: {
        "@context": {"@vocab": "https://example.org/vocab#"},
        **({"@id": ident} if ident else {}),
        **body,
    },
    st.dictionaries(_keys, st.recursive(_scalars, _objects, max_leaves=8), min_size=1, max_size=4),
    st.sampled_from([None, "https://example.org/doc", "_:root"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json_ld)
def test_reference_path_matches_pyld_normalize(document: dict[str, Any]) -> None:
    loader = offline_loader()
    expected = jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    )
    assert (
        canonicalize(
            _reference_to_dataset(document, loader=loader),
            budget=Budget(max_ndegree_calls=10**7, deadline_seconds=60),
        )
        == expected
    )


@pytest.mark.parametrize(
    "contexts",
    [["https://www.w3.org/ns/credentials/v2", ""], ["https://www.w3.org/ns/credentials/v2", 5]],
    ids=["empty-string", "number"],
)
def test_malformed_context_entries_are_invalid_input_not_builtin_errors(
    credential: dict[str, Any], loader: DocumentLoader, contexts: list[Any]
) -> None:
    """pyld raises bare ValueError/TypeError for some malformed contexts; callers get InvalidInput."""
    document = {**credential, "@context": contexts}
    with pytest.raises(InvalidInput):
        to_dataset(document, loader=loader)
