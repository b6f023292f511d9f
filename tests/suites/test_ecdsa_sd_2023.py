"""ecdsa-sd-2023 against the W3C vc-di-ecdsa vectors, byte for byte (read from ../shared/vectors): base proofs (the
HMAC-relabelled statements, their grouping by mandatory pointers, the proof and mandatory hashes, the proof value's
CBOR) and derived proofs (the parsed proof value, the relabelled N-Quads, the verify data); then what must fail: a
changed, added or withheld statement, a tampered base proof, malformed proof values."""

from __future__ import annotations

import copy
from typing import Any

import cbor2
import pytest

from microcred.contexts import DocumentLoader
from microcred.keys import EcdsaSigner
from microcred.suites import DidKeyResolver, SuiteContext, verify
from microcred.suites import ecdsa_sd_2023 as sd
from microcred.suites.sd_primitives import canonicalize_and_group
from microcred.vc.encodings import multibase_decode, multibase_encode_b58, multibase_encode_b64url
from tests.factories import ECDSA_VECTORS, load_json

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


def base(case: str) -> dict[str, Any]:
    document: dict[str, Any] = load_json(SD / case / "addSignedSDBase.json")
    return document


@pytest.mark.parametrize("case", CASES)
def test_base_proof_transformation_and_hashes(case: str, examples_loader: DocumentLoader) -> None:
    document = base(case)
    proof = document.pop("proof")
    parsed = sd.parse_base_proof_value(proof["proofValue"])
    assert parsed.hmac_key.hex().upper() == load_json(SD / "SDKeyMaterial.json")["hmacKeyString"]
    raw = load_json(SD / case / "addRawBaseSignatureInfo.json")
    assert parsed.base_signature.hex() == raw["baseSignature"]
    assert multibase_encode_b58(parsed.public_key) == raw["publicKey"]
    assert [s.hex() for s in parsed.signatures] == raw["signatures"]
    assert list(parsed.mandatory_pointers) == raw["mandatoryPointers"]
    # our CBOR serialization of the same components is the vector's proof value
    assert sd.serialize_base_proof_value(parsed) == proof["proofValue"]

    ctx = SuiteContext(loader=examples_loader)
    groups = canonicalize_and_group(
        document,
        hmac_key=parsed.hmac_key,
        groups={"mandatory": parsed.mandatory_pointers},
        loader=examples_loader,
    )
    assert list(groups.nquads) == load_json(SD / case / "addBaseDocHMACCanon.json")
    transform = load_json(SD / case / "addBaseTransform.json")
    assert [[i, groups.nquads[i]] for i in groups.matching["mandatory"]] == transform["mandatory"]["value"]
    assert [[i, groups.nquads[i]] for i in groups.non_matching("mandatory")] == transform["nonMandatory"][
        "value"
    ]
    mandatory, _ = sd.base_transformation(document, parsed.mandatory_pointers, parsed.hmac_key, ctx)
    hashes = load_json(SD / case / "addHashData.json")
    assert sd._mandatory_hash(mandatory).hex() == hashes["mandatoryHash"]
    assert sd._proof_hash(document, proof, ctx).hex() == hashes["proofHash"]


@pytest.mark.parametrize("case", CASES)
def test_base_proofs_verify_and_tampered_ones_do_not(case: str, examples_loader: DocumentLoader) -> None:
    assert verify(base(case), resolver=DidKeyResolver(), loader=examples_loader).verified
    changed = base(case)
    changed["validUntil"] = "2039-12-03T00:00:00Z"
    assert not verify(changed, resolver=DidKeyResolver(), loader=examples_loader).verified
    # the mandatory pointers are part of what the base signature covers (through the mandatory hash)
    document = base(case)
    parsed = sd.parse_base_proof_value(document["proof"]["proofValue"])
    fewer = sd.BaseProofValue(
        parsed.base_signature, parsed.public_key, parsed.hmac_key, parsed.signatures, ("/validFrom",)
    )
    document["proof"]["proofValue"] = sd.serialize_base_proof_value(fewer)
    assert not verify(document, resolver=DidKeyResolver(), loader=examples_loader).verified


def test_we_sign_a_base_proof_with_the_vector_inputs(examples_loader: DocumentLoader) -> None:
    """With the vector's document, options, HMAC key and issuer key, our base proof has the vector's statements
    and hashes; ECDSA is random, so its signatures differ, and it verifies."""
    document = base("employ")
    proof = document.pop("proof")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    pair = load_json(SD / "SDKeyMaterial.json")["baseKeyPair"]
    signer = EcdsaSigner.from_secret(
        multibase_decode(pair["secretKeyMultibase"])[2:],
        algorithm="P-256",
        verification_method=proof["verificationMethod"],
    )
    ours = sd.create_base_proof(
        document,
        options,
        signer,
        SuiteContext(loader=examples_loader),
        mandatory_pointers=["/issuer"],
        hmac_key=bytes.fromhex(load_json(SD / "SDKeyMaterial.json")["hmacKeyString"]),
    )
    parsed = sd.parse_base_proof_value(ours["proofValue"])
    assert len(parsed.signatures) == len(
        load_json(SD / "employ" / "addBaseTransform.json")["nonMandatory"]["value"]
    )
    assert verify({**document, "proof": ours}, resolver=DidKeyResolver(), loader=examples_loader).verified


@pytest.mark.parametrize(
    ("proof_value", "message"),
    [
        ("zabc", "base64url multibase"),
        (multibase_encode_b64url(b"\xd9\x5d\x02" + cbor2.dumps([])), "d9 5d 00 or d9 5d 01"),
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
