"""The W3C vc-di-eddsa test vectors, reproduced byte for byte (read from ../shared/vectors, whose README gives the
source)."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from pyld import jsonld

from microcred.contexts import DocumentLoader
from microcred.keys import Ed25519Signer
from microcred.suites import DidKeyResolver, SuiteContext, canonicalize, sign, to_dataset, verify
from microcred.suites import ed25519_signature_2020 as ed2020
from microcred.suites import eddsa_jcs_2022 as jcs
from microcred.suites import eddsa_rdfc_2022 as eddsa
from microcred.suites.rdf import Dataset, _term
from microcred.vc.encodings import multibase_decode, multibase_encode_b58
from tests.factories import EDDSA_VECTORS, load_json, vector_signer

pytestmark = pytest.mark.shared

CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)

# (suite name, folder, file suffix, step functions)
CASES = [
    ("eddsa-rdfc-2022", "eddsa-rdfc-2022", "DataInt", eddsa),
    ("Ed25519Signature2020", "Ed25519Signature2020", "EdSig", ed2020),
]


def text(folder: str, name: str) -> str:
    return (EDDSA_VECTORS / folder / name).read_text(encoding="utf-8")


def unsecured_for(folder: str, suffix: str) -> dict[str, Any]:
    signed = load_json(EDDSA_VECTORS / folder / f"signed{suffix}.json")
    return {k: v for k, v in signed.items() if k != "proof"}


@pytest.mark.parametrize(("name", "folder", "suffix", "steps"), CASES)
def test_canonical_document_and_proof_config(
    name: str, folder: str, suffix: str, steps: Any, examples_loader: DocumentLoader
) -> None:
    ctx = SuiteContext(loader=examples_loader)
    document = unsecured_for(folder, suffix)
    config = load_json(EDDSA_VECTORS / folder / f"proofConfig{suffix}.json")
    options = {k: v for k, v in config.items() if k != "@context"}
    assert config["@context"] == document["@context"]

    canonical_document = steps.transformation(document, options, ctx)
    canonical_config = steps.proof_configuration(document, options, ctx)

    assert canonical_document == text(folder, f"canonDoc{suffix}.txt")
    assert canonical_config == text(folder, f"proofCanon{suffix}.txt")
    # pyld stays the reference implementation of RDFC-1.0.
    assert canonical_document == jsonld.normalize(
        document,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": examples_loader},
    )


@pytest.mark.parametrize(("name", "folder", "suffix", "steps"), CASES)
def test_hashes_signature_and_signed_document(
    name: str,
    folder: str,
    suffix: str,
    steps: Any,
    examples_loader: DocumentLoader,
    vector_key: Ed25519Signer,
) -> None:
    canonical_document = text(folder, f"canonDoc{suffix}.txt")
    canonical_config = text(folder, f"proofCanon{suffix}.txt")
    hash_data = eddsa.hashing(canonical_document, canonical_config)

    assert hashlib.sha256(canonical_document.encode()).hexdigest() == text(folder, f"docHash{suffix}.txt")
    assert hashlib.sha256(canonical_config.encode()).hexdigest() == text(folder, f"proofHash{suffix}.txt")
    assert hash_data.hex() == text(folder, f"combinedHash{suffix}.txt")
    signature = eddsa.proof_serialization(hash_data, vector_key)
    assert signature.hex() == text(folder, f"sigHex{suffix}.txt")
    assert multibase_encode_b58(signature) == text(folder, f"sigBTC58{suffix}.txt")

    expected = load_json(EDDSA_VECTORS / folder / f"signed{suffix}.json")
    unsigned = load_json(EDDSA_VECTORS / "unsigned.json")
    assert sign(unsigned, signer=vector_key, loader=examples_loader, created=CREATED, suite=name) == expected
    result = verify(expected, resolver=DidKeyResolver(), loader=examples_loader)
    assert result.verified, result


def _dataset_from_nquads(nquads: str, *, seed: int) -> Dataset:
    """Parse canonical N-Quads back into a dataset with fresh random blank-node labels, shuffled."""
    rng = random.Random(seed)
    parsed = jsonld.JsonLdProcessor.parse_nquads(nquads)
    labels: dict[str, str] = {}

    def relabel(term: str) -> str:
        if not term.startswith("_:"):
            return term
        return labels.setdefault(term, f"_:x{rng.randrange(10**9)}n{len(labels)}")

    dataset: Dataset = []
    for graph_name, triples in parsed.items():
        graph = (
            ""
            if graph_name == "@default"
            else relabel(graph_name if graph_name.startswith("_:") else f"<{graph_name}>")
        )
        for triple in triples:
            dataset.append(
                (
                    relabel(_term(triple["subject"])),
                    _term(triple["predicate"]),
                    relabel(_term(triple["object"])),
                    graph,
                )
            )
    rng.shuffle(dataset)
    return dataset


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_employ_case(seed: int, vector_key: Ed25519Signer) -> None:
    """The `employ` vectors (context not pinnable, see README): RDFC from relabeled quads, hashes, signature."""
    folder = "eddsa-rdfc-2022/employ"
    canonical_document = text(folder, "canonDocDataInt.txt")
    canonical_config = text(folder, "proofCanonDataInt.txt")
    assert canonicalize(_dataset_from_nquads(canonical_document, seed=seed)) == canonical_document
    assert canonicalize(_dataset_from_nquads(canonical_config, seed=seed)) == canonical_config

    hash_data = eddsa.hashing(canonical_document, canonical_config)
    assert hashlib.sha256(canonical_document.encode()).hexdigest() == text(folder, "docHashDataInt.txt")
    assert hashlib.sha256(canonical_config.encode()).hexdigest() == text(folder, "proofHashDataInt.txt")
    assert hash_data.hex() == text(folder, "combinedHashDataInt.txt")
    signature = eddsa.proof_serialization(hash_data, vector_key)
    assert signature.hex() == text(folder, "sigHexDataInt.txt")
    assert multibase_encode_b58(signature) == text(folder, "sigBTC58DataInt.txt")
    signed = load_json(EDDSA_VECTORS / folder / "signedDataInt.json")
    assert signed["proof"]["proofValue"] == text(folder, "sigBTC58DataInt.txt")
    unsigned = load_json(EDDSA_VECTORS / "employmentAuth.json")
    assert {k: v for k, v in signed.items() if k != "proof"} == unsigned
    assert eddsa.proof_verification(
        hash_data, multibase_decode(signed["proof"]["proofValue"]), vector_key.public_key
    )


def test_employ_case_from_json(examples_loader: DocumentLoader, vector_key: Ed25519Signer) -> None:
    """The `employ` vectors end to end from employmentAuth.json (citizenship v4rc1 context, test-only copy)."""
    folder = "eddsa-rdfc-2022/employ"
    unsigned = load_json(EDDSA_VECTORS / "employmentAuth.json")
    config = load_json(EDDSA_VECTORS / folder / "proofConfigDataInt.json")
    options = {k: v for k, v in config.items() if k != "@context"}
    ctx = SuiteContext(loader=examples_loader)
    assert eddsa.transformation(unsigned, options, ctx) == text(folder, "canonDocDataInt.txt")
    assert eddsa.proof_configuration(unsigned, options, ctx) == text(folder, "proofCanonDataInt.txt")
    expected = load_json(EDDSA_VECTORS / folder / "signedDataInt.json")
    assert sign(unsigned, signer=vector_key, loader=examples_loader, created=CREATED) == expected
    assert verify(expected, resolver=DidKeyResolver(), loader=examples_loader).verified


def test_employ_canonical_document_is_pyld_equal() -> None:
    canonical_document = text("eddsa-rdfc-2022/employ", "canonDocDataInt.txt")
    assert (
        jsonld.normalize(
            canonical_document,
            {"algorithm": "URDNA2015", "inputFormat": "application/n-quads", "format": "application/n-quads"},
        )
        == canonical_document
    )


def _proof_set_signers() -> list[Ed25519Signer]:
    pairs = load_json(EDDSA_VECTORS / "proof-set-chain" / "multiKeyPairs.json")
    return [vector_signer(pairs[f"keyPair{i}"]) for i in range(1, 5)]


def _config(name: str) -> dict[str, Any]:
    return load_json(EDDSA_VECTORS / "proof-set-chain" / name)


def _created(config: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(config["created"].replace("Z", "+00:00"))


def test_proof_set_and_chain_vectors(examples_loader: DocumentLoader) -> None:
    """Two proofs in a set, then two chained proofs: each step equals the vector document byte for byte."""
    signers = _proof_set_signers()
    document: dict[str, Any] = load_json(EDDSA_VECTORS / "proof-set-chain" / "unsigned.json")
    steps = [
        ("proofSetConfig1.json", "signedProofSet1.json"),
        ("proofSetConfig2.json", "signedProofSet2.json"),
        ("proofChainConfig1.json", "signedProofChain1.json"),
        ("proofChainConfig2.json", "signedProofChain2.json"),
    ]
    for signer, (config_name, signed_name) in zip(signers, steps, strict=True):
        config = _config(config_name)
        assert config["verificationMethod"] == signer.verification_method
        document = sign(
            document,
            signer=signer,
            loader=examples_loader,
            created=_created(config),
            proof_id=config.get("id"),
            previous_proof=config.get("previousProof"),
        )
        expected = load_json(EDDSA_VECTORS / "proof-set-chain" / signed_name)
        assert document == expected
        result = verify(expected, resolver=DidKeyResolver(), loader=examples_loader)
        assert result.verified, result
        proofs = expected["proof"] if isinstance(expected["proof"], list) else [expected["proof"]]
        assert len(result.results) == len(proofs)


def test_chained_proof_fails_when_its_previous_proof_is_removed(examples_loader: DocumentLoader) -> None:
    chain = load_json(EDDSA_VECTORS / "proof-set-chain" / "signedProofChain1.json")
    chain["proof"] = [chain["proof"][0], chain["proof"][2]]  # the chained proof now lacks one previous proof
    result = verify(chain, resolver=DidKeyResolver(), loader=examples_loader)
    assert not result.verified
    assert [r.verified for r in result.results] == [True, False]
    assert "previousProof" in (result.results[1].detail or "")


def test_proof_set_fails_if_any_proof_fails(examples_loader: DocumentLoader) -> None:
    proof_set = load_json(EDDSA_VECTORS / "proof-set-chain" / "signedProofSet2.json")
    proof_set["proof"][1]["created"] = "2023-02-24T23:36:39Z"
    result = verify(proof_set, resolver=DidKeyResolver(), loader=examples_loader)
    assert not result.verified
    assert [r.verified for r in result.results] == [True, False]


def test_dataset_terms_match_pyld(examples_loader: DocumentLoader) -> None:
    document = load_json(EDDSA_VECTORS / "unsigned.json")
    ours = "".join(
        sorted(
            f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"
            for s, p, o, g in to_dataset(document, loader=examples_loader)
        )
    )
    theirs = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": examples_loader})
    assert ours == theirs


def test_eddsa_jcs_2022_vectors(examples_loader: DocumentLoader, vector_key: Ed25519Signer) -> None:
    """eddsa-jcs-2022: JCS of document and proof configuration, hashes, signature and signed document."""
    folder = "eddsa-jcs-2022"
    ctx = SuiteContext(loader=examples_loader)
    document = unsecured_for(folder, "JCS")
    config = load_json(EDDSA_VECTORS / folder / "proofConfigJCS.json")
    options = {k: v for k, v in config.items() if k != "@context"}
    canonical_document = jcs.transformation(document, options, ctx)
    canonical_config = jcs.proof_configuration(document, options, ctx)
    assert canonical_document == text(folder, "canonDocJCS.txt")
    assert canonical_config == text(folder, "proofCanonJCS.txt")
    assert hashlib.sha256(canonical_document.encode()).hexdigest() == text(folder, "docHashJCS.txt")
    assert hashlib.sha256(canonical_config.encode()).hexdigest() == text(folder, "proofHashJCS.txt")
    hash_data = eddsa.hashing(canonical_document, canonical_config)
    assert hash_data.hex() == text(folder, "combinedHashJCS.txt")
    signature = eddsa.proof_serialization(hash_data, vector_key)
    assert signature.hex() == text(folder, "sigHexJCS.txt")
    assert multibase_encode_b58(signature) == text(folder, "sigBTC58JCS.txt")

    expected = load_json(EDDSA_VECTORS / folder / "signedJCS.json")
    unsigned = load_json(EDDSA_VECTORS / "unsigned.json")
    signed = sign(
        unsigned, signer=vector_key, loader=examples_loader, created=CREATED, suite="eddsa-jcs-2022"
    )
    assert signed == expected
    assert list(signed["proof"]) == list(expected["proof"])  # same members in the same order as the vector
    assert verify(expected, resolver=DidKeyResolver(), loader=examples_loader).verified


def test_eddsa_jcs_2022_proof_context_must_begin_the_document_context(
    examples_loader: DocumentLoader,
) -> None:
    expected = load_json(EDDSA_VECTORS / "eddsa-jcs-2022" / "signedJCS.json")
    swapped = {**expected, "@context": list(reversed(expected["@context"]))}
    assert not verify(swapped, resolver=DidKeyResolver(), loader=examples_loader).verified
    changed = {**expected, "name": "Another Credential"}
    assert not verify(changed, resolver=DidKeyResolver(), loader=examples_loader).verified
    # without its own @context the proof configuration takes the document's: the same bytes are signed
    proof_without_context = {k: v for k, v in expected["proof"].items() if k != "@context"}
    assert verify(
        {**expected, "proof": proof_without_context}, resolver=DidKeyResolver(), loader=examples_loader
    ).verified
