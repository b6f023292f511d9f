"""ecdsa-sd-2023 derived proofs against the W3C vc-di-ecdsa vectors, byte for byte (read from ../shared/vectors):
the parsed proof value, the relabelled N-Quads, the proof and mandatory hashes; then what must fail: a changed or
withheld statement, a base proof shown to a verifier, malformed proof values."""

from __future__ import annotations

import copy
from typing import Any

import cbor2
import pytest

from microcred.contexts import DocumentLoader
from microcred.suites import DidKeyResolver, SuiteContext, verify
from microcred.suites import ecdsa_sd_2023 as sd
from microcred.vc.encodings import multibase_encode_b58, multibase_encode_b64url
from tests.conftest import load_json
from tests.suites.test_ecdsa_rdfc_2019 import ECDSA_VECTORS

pytestmark = pytest.mark.shared

SD = ECDSA_VECTORS / "ecdsa-sd-2023"
CASES = ["employ", "prc"]


def derived(case: str) -> dict[str, Any]:
    document: dict[str, Any] = load_json(SD / case / "derivedRevealDocument.json")
    return document


@pytest.mark.parametrize("case", CASES)
def test_parsed_proof_value(case: str) -> None:
    parsed = sd.parse_derived_proof_value(derived(case)["proof"]["proofValue"])
    expected = load_json(SD / case / "verifyDerivedProofValue.json")
    assert parsed.base_signature.hex() == expected["baseSignature"]
    assert multibase_encode_b58(parsed.public_key) == expected["publicKey"]
    assert [s.hex() for s in parsed.signatures] == expected["signatures"]
    assert [[k, v] for k, v in parsed.label_map.items()] == expected["labelMap"]
    assert list(parsed.mandatory_indexes) == expected["mandatoryIndexes"]
    assert expected["publicKey"] == load_json(SD / "SDKeyMaterial.json")["proofKeyPair"]["publicKeyMultibase"]


@pytest.mark.parametrize("case", CASES)
def test_verify_data(case: str, examples_loader: DocumentLoader) -> None:
    document = derived(case)
    proof = document.pop("proof")
    ctx = SuiteContext(loader=examples_loader)
    parsed = sd.parse_derived_proof_value(proof["proofValue"])
    nquads = sd.label_replacement_canonical_nquads(document, parsed.label_map, ctx)
    assert nquads == load_json(SD / case / "verifyNQuads.json")

    data = sd.create_verify_data(document, proof, ctx)
    expected = load_json(SD / case / "verifyCreateVerifyData.json")
    assert data.proof_hash.hex() == expected["proofHash"]
    assert list(data.non_mandatory) == expected["nonMandatory"]
    assert data.mandatory_hash.hex() == expected["mandatoryHash"]
    assert data.base_signature.hex() == expected["baseSignature"]
    assert [s.hex() for s in data.signatures] == expected["signatures"]


@pytest.mark.parametrize("case", CASES)
def test_derived_vectors_verify(case: str, examples_loader: DocumentLoader) -> None:
    result = verify(derived(case), resolver=DidKeyResolver(), loader=examples_loader)
    assert result.verified, result.results


def test_a_changed_disclosed_statement_fails(examples_loader: DocumentLoader) -> None:
    document = derived("employ")
    document["credentialSubject"]["birthCountry"] = "Bermuda"
    result = verify(document, resolver=DidKeyResolver(), loader=examples_loader)
    assert not result.verified
    assert "altered" in (result.results[0].detail or "")


def test_a_withheld_mandatory_statement_fails(examples_loader: DocumentLoader) -> None:
    """validUntil is disclosed but not mandatory; the issuer's image is mandatory: dropping it breaks the
    mandatory hash the base signature covers."""
    document = derived("employ")
    del document["issuer"]["image"]
    assert not verify(document, resolver=DidKeyResolver(), loader=examples_loader).verified


def test_a_statement_added_by_the_holder_fails(examples_loader: DocumentLoader) -> None:
    document = derived("employ")
    document["credentialSubject"]["type"].append("VerifiableCredential")
    assert not verify(document, resolver=DidKeyResolver(), loader=examples_loader).verified


def test_a_base_proof_is_refused_with_a_reason(examples_loader: DocumentLoader) -> None:
    base = load_json(SD / "employ" / "addSignedSDBase.json")
    result = verify(base, resolver=DidKeyResolver(), loader=examples_loader)
    assert not result.verified
    assert "base proof, which only the holder receives" in (result.results[0].detail or "")


@pytest.mark.parametrize(
    ("proof_value", "message"),
    [
        ("zabc", "base64url multibase"),
        (multibase_encode_b64url(b"\xd9\x5d\x02" + cbor2.dumps([])), "d9 5d 01"),
        (multibase_encode_b64url(b"\xd9\x5d\x01\xff\xff"), "not valid CBOR"),
        (multibase_encode_b64url(b"\xd9\x5d\x01" + cbor2.dumps([b"", b"", [], {}])), "5 components"),
        (multibase_encode_b64url(b"\xd9\x5d\x01" + cbor2.dumps([b"", b"", ["x"], {}, []])), "wrong types"),
        (
            multibase_encode_b64url(b"\xd9\x5d\x01" + cbor2.dumps([b"", b"", [], {0: b"short"}, []])),
            "32-byte",
        ),
    ],
)
def test_malformed_proof_values_fail_cleanly(
    proof_value: str, message: str, examples_loader: DocumentLoader
) -> None:
    document = derived("employ")
    document["proof"]["proofValue"] = proof_value
    result = verify(document, resolver=DidKeyResolver(), loader=examples_loader)
    assert not result.verified
    assert message in (result.results[0].detail or "")


def test_mandatory_indexes_out_of_range_fail(examples_loader: DocumentLoader) -> None:
    document = derived("employ")
    parsed = sd.parse_derived_proof_value(document["proof"]["proofValue"])
    compressed = {int(k[4:]): bytes.fromhex("00" * 32) for k in parsed.label_map}
    value = [parsed.base_signature, parsed.public_key, list(parsed.signatures), compressed, [0, 99]]
    bad = copy.deepcopy(document)
    bad["proof"]["proofValue"] = multibase_encode_b64url(b"\xd9\x5d\x01" + cbor2.dumps(value))
    result = verify(bad, resolver=DidKeyResolver(), loader=examples_loader)
    assert not result.verified
    assert "mandatory indexes" in (result.results[0].detail or "")
