"""Safe mode: lossy JSON-LD is refused when signing and fails verification (issue 4, point 5)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pyld import jsonld

from contexts import DocumentLoader
from suites import StaticResolver, sign, to_dataset, verify
from suites.rdf import _reference_to_dataset
from tests.suites.conftest import Issuer
from vc.errors import ContextNotAllowed, InvalidInput, UnsafeJsonLd

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


SELF_REFERENCE = {
    "@context": {"@vocab": "https://example.org/vocab#"},
    "@graph": [
        {"@id": "_:n0", "name": "y", "knows": [{"@id": "_:n2"}, {"@id": "_:n0"}]},
        {"@id": "_:n1", "name": "x", "knows": [{"@id": "_:n0"}, {"@id": "_:n1"}]},
        {"@id": "_:n2", "name": "y", "knows": [{"@id": "_:n2"}]},
        {"@id": "_:n3", "name": "x", "knows": [{"@id": "_:n1"}, {"@id": "_:n0"}]},
    ],
}


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
