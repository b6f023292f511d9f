"""ecdsa-rdfc-2019 against the W3C vc-di-ecdsa vectors, byte for byte (read from ../shared/vectors), plus the
failures: altered documents, keys of the wrong curve or type, malformed signatures."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from microcred.contexts import DocumentLoader
from microcred.keys import EcdsaSigner, Ed25519Signer, public_key_from_multikey
from microcred.suites import DEFAULT_BUDGET, DidKeyResolver, SuiteContext, sign, to_dataset, verify
from microcred.suites import ecdsa_rdfc_2019 as rdfc
from microcred.suites.isolation import ProcessCanonicalizer, WorkDeadline
from microcred.suites.rdfc import canonical_labels
from microcred.vc.encodings import multibase_decode, multibase_encode_b58
from microcred.vc.errors import InvalidInput
from tests.factories import ECDSA_VECTORS, load_json
from tests.suites.factories import CREDENTIAL

pytestmark = pytest.mark.shared

NOW = datetime(2025, 3, 1, tzinfo=UTC)

# (folder, file suffix, curve name in the key pair file, algorithm)
CASES = [
    ("ecdsa-rdfc-2019-p256", "ECDSAP256", "p256", "P-256"),
    ("ecdsa-rdfc-2019-p256/employ", "ECDSAP256", "p256", "P-256"),
    ("ecdsa-rdfc-2019-p384", "ECDSAP384", "p384", "P-384"),
    ("ecdsa-rdfc-2019-p384/employ", "ECDSAP384", "p384", "P-384"),
]


def text(folder: str, name: str) -> str:
    return (ECDSA_VECTORS / folder / name).read_text(encoding="utf-8")


def signed_vector(folder: str, suffix: str) -> dict[str, Any]:
    vector: dict[str, Any] = load_json(ECDSA_VECTORS / folder / f"signed{suffix}.json")
    return vector


def vector_signer(curve: str, algorithm: str) -> EcdsaSigner:
    pair = load_json(ECDSA_VECTORS / f"{curve}KeyPair.json")
    public = pair["publicKeyMultibase"]
    return EcdsaSigner.from_secret(
        multibase_decode(pair["secretKeyMultibase"])[2:],
        algorithm=algorithm,
        verification_method=f"did:key:{public}#{public}",
    )


@pytest.mark.parametrize(("folder", "suffix", "curve", "algorithm"), CASES)
def test_canonical_forms_hashes_and_signature(
    folder: str, suffix: str, curve: str, algorithm: str, examples_loader: DocumentLoader
) -> None:
    signed = signed_vector(folder, suffix)
    document = {k: v for k, v in signed.items() if k != "proof"}
    config = load_json(ECDSA_VECTORS / folder / f"proofConfig{suffix}.json")
    options = {k: v for k, v in config.items() if k != "@context"}
    assert config["@context"] == document["@context"]
    ctx = SuiteContext(loader=examples_loader)

    transformed = rdfc.transformation(document, options, ctx, algorithm)
    canonical_config = rdfc.proof_configuration(document, options, ctx, algorithm)
    hash_data = rdfc.hashing(transformed, canonical_config, algorithm)

    assert transformed == text(folder, f"canonDoc{suffix}.txt")
    assert canonical_config == text(folder, f"proofCanon{suffix}.txt")
    digest = hashlib.sha384 if algorithm == "P-384" else hashlib.sha256
    assert digest(transformed.encode()).hexdigest() == text(folder, f"docHash{suffix}.txt")
    assert digest(canonical_config.encode()).hexdigest() == text(folder, f"proofHash{suffix}.txt")
    assert hash_data.hex() == text(folder, f"combinedHash{suffix}.txt")
    signature = bytes.fromhex(text(folder, f"sigHex{suffix}.txt"))
    assert (
        multibase_encode_b58(signature)
        == text(folder, f"sigBTC58{suffix}.txt")
        == signed["proof"]["proofValue"]
    )
    key = public_key_from_multikey(load_json(ECDSA_VECTORS / f"{curve}KeyPair.json")["publicKeyMultibase"])
    assert key.verify(signature, hash_data)
    assert vector_signer(curve, algorithm).public_key == key


def test_p384_canonicalizes_with_sha384(examples_loader: DocumentLoader) -> None:
    """The employ document has blank nodes whose labels depend on RDFC-1.0's hash function: the P-384 vector
    labels them as SHA-384 does, unlike the P-256 one."""
    document = {
        k: v for k, v in signed_vector("ecdsa-rdfc-2019-p384/employ", "ECDSAP384").items() if k != "proof"
    }
    options = {"type": "DataIntegrityProof", "cryptosuite": "ecdsa-rdfc-2019"}
    ctx = SuiteContext(loader=examples_loader)
    p384 = rdfc.transformation(document, options, ctx, "P-384")
    p256 = rdfc.transformation(document, options, ctx, "P-256")
    assert p384 == text("ecdsa-rdfc-2019-p384/employ", "canonDocECDSAP384.txt")
    assert p256 == text("ecdsa-rdfc-2019-p256/employ", "canonDocECDSAP256.txt")
    assert p384 != p256


@pytest.mark.parametrize(("folder", "suffix", "curve", "algorithm"), CASES)
def test_signed_vectors_verify_and_altered_ones_do_not(
    folder: str, suffix: str, curve: str, algorithm: str, examples_loader: DocumentLoader
) -> None:
    signed = signed_vector(folder, suffix)
    assert verify(signed, resolver=DidKeyResolver(), loader=examples_loader).verified
    altered = copy.deepcopy(signed)
    altered["validFrom"] = "2020-01-01T00:00:00Z"
    result = verify(altered, resolver=DidKeyResolver(), loader=examples_loader)
    assert not result.verified
    assert "altered" in (result.results[0].detail or "")


@pytest.mark.parametrize(("curve", "algorithm"), [("p256", "P-256"), ("p384", "P-384")])
def test_sign_then_verify_with_the_vector_key(
    curve: str, algorithm: str, examples_loader: DocumentLoader
) -> None:
    signer = vector_signer(curve, algorithm)
    document = {
        k: v
        for k, v in signed_vector(f"ecdsa-rdfc-2019-{curve}", f"ECDSA{curve.upper()}").items()
        if k != "proof"
    }
    signed = sign(document, signer=signer, loader=examples_loader, created=NOW, suite="ecdsa-rdfc-2019")
    assert len(multibase_decode(signed["proof"]["proofValue"])) == (96 if algorithm == "P-384" else 64)
    assert verify(signed, resolver=DidKeyResolver(), loader=examples_loader).verified


def test_proof_moved_to_another_document_fails(examples_loader: DocumentLoader) -> None:
    one = signed_vector("ecdsa-rdfc-2019-p256", "ECDSAP256")
    other = signed_vector("ecdsa-rdfc-2019-p256/employ", "ECDSAP256")
    moved = {**{k: v for k, v in other.items() if k != "proof"}, "proof": one["proof"]}
    assert not verify(moved, resolver=DidKeyResolver(), loader=examples_loader).verified


def test_a_key_of_another_curve_is_refused(examples_loader: DocumentLoader) -> None:
    """A P-384 signature under a proof naming the P-256 key, and an Ed25519 key for an ECDSA proof."""
    signed = signed_vector("ecdsa-rdfc-2019-p256", "ECDSAP256")
    p384 = signed_vector("ecdsa-rdfc-2019-p384", "ECDSAP384")
    swapped = copy.deepcopy(signed)
    swapped["proof"]["proofValue"] = p384["proof"]["proofValue"]
    result = verify(swapped, resolver=DidKeyResolver(), loader=examples_loader)
    assert not result.verified
    assert "64-byte P-256 signature, not 96 bytes" in (result.results[0].detail or "")

    ed = Ed25519Signer.from_seed(bytes(32), verification_method="-")
    did = f"did:key:{ed.public_key_multibase}"
    wrong = copy.deepcopy(signed)
    wrong["proof"]["verificationMethod"] = f"{did}#{ed.public_key_multibase}"
    result = verify(wrong, resolver=DidKeyResolver(), loader=examples_loader)
    assert not result.verified
    assert "holds a Ed25519 key; this proof needs P-256 or P-384" in (result.results[0].detail or "")


def test_secp256k1_key_is_refused_for_ecdsa_rdfc(examples_loader: DocumentLoader) -> None:
    """secp256k1 and P-256 points are both 33 bytes: only the key's algorithm tells them apart."""
    signer = EcdsaSigner.generate(algorithm="secp256k1", verification_method="-")
    public = signer.public_key_multibase
    signer = EcdsaSigner.from_secret(
        signer._key.private_numbers().private_value.to_bytes(32, "big"),
        algorithm="secp256k1",
        verification_method=f"did:key:{public}#{public}",
    )
    document = {k: v for k, v in signed_vector("ecdsa-rdfc-2019-p256", "ECDSAP256").items() if k != "proof"}
    with pytest.raises(InvalidInput, match="signs with P-256 or P-384 keys, not secp256k1"):
        sign(document, signer=signer, loader=examples_loader, created=NOW, suite="ecdsa-rdfc-2019")
    p256 = vector_signer("p256", "P-256")
    signed = sign(document, signer=p256, loader=examples_loader, created=NOW, suite="ecdsa-rdfc-2019")
    signed["proof"]["verificationMethod"] = signer.verification_method
    result = verify(signed, resolver=DidKeyResolver(), loader=examples_loader)
    assert not result.verified
    assert "holds a secp256k1 key" in (result.results[0].detail or "")


@pytest.mark.parametrize("value", ["not-multibase", "z", "zzzz0OIl", "u" + "A" * 86])
def test_malformed_proof_values_fail_cleanly(value: str, examples_loader: DocumentLoader) -> None:
    signed = signed_vector("ecdsa-rdfc-2019-p256", "ECDSAP256")
    signed["proof"]["proofValue"] = value
    result = verify(signed, resolver=DidKeyResolver(), loader=examples_loader)
    assert not result.verified
    assert result.results[0].detail


def test_the_hash_function_reaches_the_isolated_workers(loader: DocumentLoader) -> None:
    """The verifier canonicalizes in worker processes; a P-384 proof must be canonicalized there with SHA-384
    too, both on the in-process fast path and in a worker (an inline context takes pyld's path)."""
    sha384 = replace(DEFAULT_BUDGET, hash_algorithm="sha384")
    inline = copy.deepcopy(CREDENTIAL)
    inline["@context"] = [*CREDENTIAL["@context"], {"extra": "https://example.org/extra"}]
    pool = ProcessCanonicalizer(workers=1)
    try:
        run = pool.until(WorkDeadline.after(30.0))
        for document in (CREDENTIAL, inline):
            dataset = to_dataset(document, loader=loader)
            expected = canonical_labels(dataset, budget=sha384)[0]
            assert (
                expected != canonical_labels(dataset)[0]
            )  # the duplicate alignments are labelled differently
            assert run(document, sha384) == expected
        assert pool._pool is not None  # the inline context went to a worker
    finally:
        pool.stop()
    signer = vector_signer("p384", "P-384")
    did = signer.verification_method.split("#", 1)[0]
    credential = {**CREDENTIAL, "issuer": {**CREDENTIAL["issuer"], "id": did}}
    signed = sign(credential, signer=signer, loader=loader, created=NOW, suite="ecdsa-rdfc-2019")
    pool = ProcessCanonicalizer(workers=1)
    try:
        budget = replace(DEFAULT_BUDGET, runner=pool.until(WorkDeadline.after(30.0)))
        assert verify(signed, resolver=DidKeyResolver(), loader=loader, budget=budget).verified
    finally:
        pool.stop()
