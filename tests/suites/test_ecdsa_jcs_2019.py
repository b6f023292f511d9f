"""ecdsa-jcs-2019 against the W3C vc-di-ecdsa vectors, byte for byte (read from ../shared/vectors)."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest

from microcred.contexts import DocumentLoader
from microcred.keys import public_key_from_multikey
from microcred.suites import DidKeyResolver, SuiteContext, verify
from microcred.suites import ecdsa_jcs_2019 as jcs
from microcred.suites import ecdsa_rdfc_2019 as rdfc
from microcred.vc.encodings import multibase_encode_b58
from tests.factories import ECDSA_VECTORS, load_json

pytestmark = pytest.mark.shared

CASES = [("p256", "JCSECDSAP256", "P-256"), ("p384", "JCSECDSAP384", "P-384")]


def text(curve: str, name: str) -> str:
    return (ECDSA_VECTORS / f"ecdsa-jcs-2019-{curve}" / name).read_text(encoding="utf-8")


def signed_vector(curve: str, suffix: str) -> dict[str, Any]:
    vector: dict[str, Any] = load_json(ECDSA_VECTORS / f"ecdsa-jcs-2019-{curve}" / f"signed{suffix}.json")
    return vector


@pytest.mark.parametrize(("curve", "suffix", "algorithm"), CASES)
def test_canonical_forms_hashes_and_signature(
    curve: str, suffix: str, algorithm: str, examples_loader: DocumentLoader
) -> None:
    signed = signed_vector(curve, suffix)
    document = {k: v for k, v in signed.items() if k != "proof"}
    config = load_json(ECDSA_VECTORS / f"ecdsa-jcs-2019-{curve}" / f"proofConfig{suffix}.json")
    ctx = SuiteContext(loader=examples_loader)

    transformed = jcs.transformation(document, config, ctx, algorithm)
    canonical_config = jcs.proof_configuration(document, config, ctx, algorithm)
    hash_data = rdfc.hashing(transformed, canonical_config, algorithm)

    assert transformed == text(curve, f"canonDoc{suffix}.txt")
    assert canonical_config == text(curve, f"proofCanon{suffix}.txt")
    digest = hashlib.sha384 if algorithm == "P-384" else hashlib.sha256
    assert digest(transformed.encode()).hexdigest() == text(curve, f"docHash{suffix}.txt")
    assert digest(canonical_config.encode()).hexdigest() == text(curve, f"proofHash{suffix}.txt")
    assert hash_data.hex() == text(curve, f"combinedHash{suffix}.txt")
    signature = bytes.fromhex(text(curve, f"sigHex{suffix}.txt"))
    assert (
        multibase_encode_b58(signature)
        == text(curve, f"sigBTC58{suffix}.txt")
        == signed["proof"]["proofValue"]
    )
    key = public_key_from_multikey(load_json(ECDSA_VECTORS / f"{curve}KeyPair.json")["publicKeyMultibase"])
    assert key.verify(signature, hash_data)


@pytest.mark.parametrize(("curve", "suffix", "algorithm"), CASES)
def test_signed_vectors_verify_and_altered_ones_do_not(
    curve: str, suffix: str, algorithm: str, examples_loader: DocumentLoader
) -> None:
    signed = signed_vector(curve, suffix)
    assert verify(signed, resolver=DidKeyResolver(), loader=examples_loader).verified
    altered = copy.deepcopy(signed)
    altered["credentialSubject"]["alumniOf"] = "Another School"
    assert not verify(altered, resolver=DidKeyResolver(), loader=examples_loader).verified
    other_context = copy.deepcopy(signed)
    other_context["proof"]["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    assert not verify(other_context, resolver=DidKeyResolver(), loader=examples_loader).verified


def test_an_rdfc_proof_relabelled_jcs_does_not_verify(examples_loader: DocumentLoader) -> None:
    """The cryptosuite name is signed: a proof cannot be read under another suite's steps."""
    signed = load_json(ECDSA_VECTORS / "ecdsa-rdfc-2019-p256" / "signedECDSAP256.json")
    signed["proof"]["cryptosuite"] = "ecdsa-jcs-2019"
    assert not verify(signed, resolver=DidKeyResolver(), loader=examples_loader).verified
