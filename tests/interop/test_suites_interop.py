"""The ECDSA and 2018 suites both ways with Digital Bazaar's implementations run by node (issue 16, point 3):
``ecdsa-rdfc-2019-cryptosuite`` 1.3.0 with ``ecdsa-multikey`` (P-256 and P-384) and ``ed25519-signature-2018``
4.2.0. Node signs and we verify; we sign and node verifies; tampered copies are refused by both. Keys: the W3C
vc-di-ecdsa vector key pairs (read in place) and a fixed Ed25519 seed, published in one did:web document as
Multikey and as ``Ed25519VerificationKey2018`` with ``publicKeyBase58``.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import base58
import pytest

from microcred.contexts import DocumentLoader, context_document, offline_loader
from microcred.keys import EcdsaSigner, Ed25519Signer, Signer
from microcred.suites import StaticResolver, SuiteContext, sign, verify
from microcred.suites import ecdsa_sd_2023 as sd
from microcred.vc.encodings import multibase_decode
from tests.factories import ECDSA_VECTORS, load_json
from tests.interop.harness import INTEROP, run_di
from tests.suites.factories import CREDENTIAL

pytestmark = [pytest.mark.interop, pytest.mark.shared]

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CREATED = "2025-03-01T12:00:00Z"
SEED = bytes(range(32))
ISSUER = "did:web:uni.example"
ED25519_2018_V1 = "https://w3id.org/security/suites/ed25519-2018/v1"

Node = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def key_pair(curve: str) -> dict[str, str]:
    pair: dict[str, str] = load_json(ECDSA_VECTORS / f"{curve}KeyPair.json")
    return pair


def ecdsa_signer(curve: str) -> EcdsaSigner:
    secret = multibase_decode(key_pair(curve)["secretKeyMultibase"])[2:]
    algorithm = {"p256": "P-256", "p384": "P-384"}[curve]
    return EcdsaSigner.from_secret(secret, algorithm=algorithm, verification_method=f"{ISSUER}#{curve}")


def ed2018_signer() -> Ed25519Signer:
    return Ed25519Signer.from_seed(SEED, verification_method=f"{ISSUER}#ed2018")


def issuer_document() -> dict[str, Any]:
    methods = [
        {
            "id": f"{ISSUER}#{curve}",
            "type": "Multikey",
            "controller": ISSUER,
            "publicKeyMultibase": key_pair(curve)["publicKeyMultibase"],
        }
        for curve in ("p256", "p384")
    ]
    methods.append(
        {
            "id": f"{ISSUER}#ed2018",
            "type": "Ed25519VerificationKey2018",
            "controller": ISSUER,
            "publicKeyBase58": base58.b58encode(ed2018_signer().public_key).decode(),
        }
    )
    return {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1",
            ED25519_2018_V1,
        ],
        "id": ISSUER,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def sign_job(suite: str, signer: Signer) -> dict[str, Any]:
    job: dict[str, Any] = {
        "action": "sign",
        "suite": suite,
        "document": CREDENTIAL,
        "verificationMethod": signer.verification_method,
        "controller": ISSUER,
        "created": CREATED,
    }
    if isinstance(signer, EcdsaSigner):
        pair = key_pair(signer.verification_method.rsplit("#", 1)[1])
        job.update(
            publicKeyMultibase=pair["publicKeyMultibase"], secretKeyMultibase=pair["secretKeyMultibase"]
        )
    else:
        job["seed"] = SEED.hex()
    return job


def verify_job(document: dict[str, Any]) -> dict[str, Any]:
    return {"action": "verify", "document": document, "didDocuments": [issuer_document()]}


def tampered(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A changed claim, a changed proof option, a signature from another document."""
    claim = copy.deepcopy(document)
    claim["credentialSubject"]["result"][0]["value"] = "A+"
    created = copy.deepcopy(document)
    created["proof"]["created"] = "2025-03-01T12:00:01Z"
    return [claim, created]


def without_signature(document: dict[str, Any]) -> dict[str, Any]:
    proof = {k: v for k, v in document["proof"].items() if k not in ("proofValue", "jws")}
    return {**document, "proof": proof}


CASES = [
    ("ecdsa-rdfc-2019", "p256"),
    ("ecdsa-rdfc-2019", "p384"),
    ("Ed25519Signature2018", "ed2018"),
]


@pytest.mark.parametrize(("suite", "key"), CASES)
def test_credentials_both_ways(suite: str, key: str) -> None:
    loader: DocumentLoader = offline_loader()
    resolver = StaticResolver({ISSUER: issuer_document()})
    signer: Signer = ed2018_signer() if key == "ed2018" else ecdsa_signer(key)
    ours = sign(CREDENTIAL, signer=signer, loader=loader, created=NOW, suite=suite)
    results = run_di(
        [sign_job(suite, signer), verify_job(ours), *(verify_job(bad) for bad in tampered(ours))]
    )
    theirs = results[0]["document"]
    assert "error" not in results[0], results[0]
    # Same document and proof options on both sides; the signature differs only where ECDSA is random.
    assert without_signature(theirs) == without_signature(ours)
    if suite == "Ed25519Signature2018":
        assert theirs == ours  # Ed25519 is deterministic
    assert results[1] == {"verified": True, "errors": []}
    assert [r["verified"] for r in results[2:]] == [False, False]

    assert verify(theirs, resolver=resolver, loader=loader).verified
    for bad in tampered(theirs):
        assert not verify(bad, resolver=resolver, loader=loader).verified
    again = run_di([verify_job(theirs), *(verify_job(bad) for bad in tampered(theirs))])
    assert [r["verified"] for r in again] == [True, False, False]


def test_ecdsa_sd_2023_derived_by_node_verifies_here() -> None:
    """Node signs a base proof (issuer and ``credentialSubject.achievement`` mandatory), which verifies here, and
    derives a proof revealing the result only; we verify the derived credential, node does too, and both refuse a
    changed copy."""
    loader: DocumentLoader = offline_loader()
    resolver = StaticResolver({ISSUER: issuer_document()})
    signer = ecdsa_signer("p256")
    pair = key_pair("p256")
    base_job = {
        **sign_job("ecdsa-sd-2023", signer),
        "mandatoryPointers": ["/issuer", "/credentialSubject/achievement"],
        "publicKeyMultibase": pair["publicKeyMultibase"],
        "secretKeyMultibase": pair["secretKeyMultibase"],
    }
    (signed,) = run_di([base_job])
    assert "error" not in signed, signed
    base = signed["document"]
    assert verify(base, resolver=resolver, loader=loader).verified  # node's base proof, regrouped here

    (disclosed,) = run_di(
        [{"action": "derive", "document": base, "selectivePointers": ["/credentialSubject/result"]}]
    )
    assert "error" not in disclosed, disclosed
    derived = disclosed["document"]
    assert "name" not in derived  # withheld
    assert derived["credentialSubject"]["result"] == CREDENTIAL["credentialSubject"]["result"]
    assert derived["credentialSubject"]["achievement"] == CREDENTIAL["credentialSubject"]["achievement"]
    result = verify(derived, resolver=resolver, loader=loader)
    assert result.verified, result.results

    changed = copy.deepcopy(derived)
    changed["credentialSubject"]["result"][0]["value"] = "A+"
    assert not verify(changed, resolver=resolver, loader=loader).verified
    node_results = run_di([verify_job(derived), verify_job(changed)])
    assert [r["verified"] for r in node_results] == [True, False]


def test_ecdsa_sd_2023_base_signed_here_is_derived_and_verified_by_node() -> None:
    """We sign the base proof; node derives from it (which checks our base signature's structure) and verifies the
    derived credential; we verify it too; a changed derived copy fails on both sides."""
    loader: DocumentLoader = offline_loader()
    resolver = StaticResolver({ISSUER: issuer_document()})
    suite = sd.EcdsaSd2023()
    document = suite.prepare_document(CREDENTIAL)
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-sd-2023",
        "created": CREATED,
        "verificationMethod": f"{ISSUER}#p256",
        "proofPurpose": "assertionMethod",
    }
    proof = sd.create_base_proof(
        document,
        options,
        ecdsa_signer("p256"),
        SuiteContext(loader=loader),
        mandatory_pointers=["/issuer", "/validFrom"],
    )
    base = {**document, "proof": proof}
    assert verify(base, resolver=resolver, loader=loader).verified
    (disclosed,) = run_di(
        [{"action": "derive", "document": base, "selectivePointers": ["/credentialSubject/achievement/name"]}]
    )
    assert "error" not in disclosed, disclosed
    derived = disclosed["document"]
    assert derived["credentialSubject"]["achievement"]["name"] == "Data literacy"
    assert "result" not in derived["credentialSubject"]
    changed = copy.deepcopy(derived)
    changed["validFrom"] = "2024-01-01T00:00:00Z"
    assert [r["verified"] for r in run_di([verify_job(derived), verify_job(changed)])] == [True, False]
    assert verify(derived, resolver=resolver, loader=loader).verified
    assert not verify(changed, resolver=resolver, loader=loader).verified


def test_the_pinned_suite_contexts_are_what_the_npm_packages_give_the_independent_suites() -> None:
    """Our copies of security v1/v2 and the Ed25519 2018 suite context equal the objects Digital Bazaar's suites
    load from their packages (the contexts are JS modules or JSON files there)."""
    node = shutil.which("node")
    assert node is not None, "node is not installed: the interop tests need Node.js >= 18"
    script = (
        "const s = require('@digitalbazaar/security-context');"
        "const e = require('ed25519-signature-2018-context');"
        "process.stdout.write(JSON.stringify({"
        "'https://w3id.org/security/v1': s.contexts.get(s.SECURITY_CONTEXT_V1_URL),"
        "'https://w3id.org/security/v2': s.contexts.get(s.SECURITY_CONTEXT_V2_URL),"
        "[e.constants.CONTEXT_URL]: e.contexts.get(e.constants.CONTEXT_URL)}))"
    )
    completed = subprocess.run(
        [node, "-e", script], cwd=INTEROP, capture_output=True, text=True, timeout=60, check=True
    )
    theirs = json.loads(completed.stdout)
    assert set(theirs) == {
        "https://w3id.org/security/v1",
        "https://w3id.org/security/v2",
        "https://w3id.org/security/suites/ed25519-2018/v1",
    }
    for url, document in theirs.items():
        assert context_document(url) == document, url
