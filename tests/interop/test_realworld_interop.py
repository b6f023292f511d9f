"""The two realworld rows whose README outcome the evidence does not support (docs/adr/0013), checked against
Digital Bazaar's own ``Ed25519Signature2018`` stack (``ed25519-signature-2018`` 4.2.0 on ``jsonld-signatures``
11.6.0, run by node) and, for the signature bytes, against pyld directly.

- ``jff-plugfest2-ed2018.json``: no known text of ``https://purl.imsglobal.org/spec/ob/v3p0/context.json``
  reproduces the signature, on either side.
- ``kpop-ob3-ed2018.json``: the signature is genuine over the data JSON-LD keeps once the relative type
  ``"profile"`` is dropped (signed without safe mode); the suite's own library, in safe mode, refuses it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import base58
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld

from microcred.contexts import DocumentLoader, context_document, context_variants, offline_loader
from microcred.suites import SuiteContext
from microcred.suites.jws_detached import create_verify_data, signing_input
from microcred.suites.rdf import _reference_to_dataset
from microcred.suites.rdfc import canonicalize
from microcred.vc.encodings import b64url_decode
from microcred.vc.errors import UnsafeJsonLd
from tests.factories import SHARED
from tests.interop.harness import run_di

pytestmark = [pytest.mark.interop, pytest.mark.shared]

CREDENTIALS = SHARED / "realworld" / "credentials"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context.json"


def realworld(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The credential without its proof, and its one proof."""
    document: dict[str, Any] = json.loads((CREDENTIALS / name).read_text())
    proof = document.pop("proof")
    return document, proof[0] if isinstance(proof, list) else proof


def did_key_2018(proof: dict[str, Any]) -> tuple[Ed25519PublicKey, dict[str, Any]]:
    """The did:key's Ed25519 key, and its DID document with the key as ``Ed25519VerificationKey2018``."""
    method = proof["verificationMethod"]
    did, fragment = method.split("#")
    raw = base58.b58decode(fragment[1:])[2:]  # multibase z, then the ed25519-pub multicodec prefix
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/ed25519-2018/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": method,
                "type": "Ed25519VerificationKey2018",
                "controller": did,
                "publicKeyBase58": base58.b58encode(raw).decode(),
            }
        ],
        "assertionMethod": [method],
    }
    return Ed25519PublicKey.from_public_bytes(raw), document


def signature_holds(key: Ed25519PublicKey, proof: dict[str, Any], verify_data: bytes) -> bool:
    protected, _, signature = proof["jws"].split(".")
    try:
        key.verify(b64url_decode(signature), signing_input(protected, verify_data))
    except InvalidSignature:
        return False
    return True


class _ReferencePath(SuiteContext):
    """pyld's reference JSON-LD path with a given loader (the fast path reads only the pinned texts)."""

    def canonical_nquads(self, document: Any, *, hash_algorithm: str = "sha256") -> str:
        return canonicalize(_reference_to_dataset(document, loader=self.loader))


def ob_context_texts() -> list[tuple[str, Any]]:
    """Every pinned text of the OB 3.0 context: the current one, its earlier texts, and 3.0.1-3.0.3."""
    versions = [f"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.{n}.json" for n in (1, 2, 3)]
    return [
        ("current", context_document(OB_CONTEXT)),
        *context_variants(OB_CONTEXT),
        *((url, context_document(url)) for url in versions),
    ]


def test_no_known_text_of_the_ob_context_reproduces_the_plugfest2_signature() -> None:
    document, proof = realworld("jff-plugfest2-ed2018.json")
    key, did_document = did_key_2018(proof)
    texts = ob_context_texts()
    assert [name for name, _ in texts][:2] == ["current", "3.0-beta"]
    for name, text in texts:
        loader: DocumentLoader = offline_loader({OB_CONTEXT: text})
        data = create_verify_data(document, proof, _ReferencePath(loader=loader))
        assert not signature_holds(key, proof, data), name
    jobs = [
        {
            "action": "verify",
            "suite": "Ed25519Signature2018",
            "kind": "document",
            "document": {**document, "proof": [proof]},
            "didDocuments": [did_document],
            "extraContexts": {OB_CONTEXT: text},
        }
        for _, text in texts
    ]
    for result in run_di(jobs):
        assert result["verified"] is False
        assert "Invalid signature." in result["errors"]  # canonicalized fine, the bytes differ


def test_the_kpop_signature_covers_the_data_without_its_relative_type_and_safe_mode_refuses_it() -> None:
    document, proof = realworld("kpop-ob3-ed2018.json")
    key, did_document = did_key_2018(proof)
    assert document["issuer"]["type"] == ["profile"]
    loader = offline_loader()

    def lossy(doc: dict[str, Any]) -> str:
        # pyld without safe mode: the relative type "profile" is dropped (base None keeps it unresolved)
        options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
        result: str = jsonld.normalize(doc, {**options, "base": None})
        return result

    options = {k: v for k, v in proof.items() if k != "jws"} | {"@context": document["@context"]}
    data = (
        hashlib.sha256(lossy(options).encode()).digest() + hashlib.sha256(lossy(document).encode()).digest()
    )
    assert signature_holds(key, proof, data)
    assert "profile" not in lossy(document)  # what it signs says nothing of the issuer's type

    with pytest.raises(UnsafeJsonLd, match=r'type "profile" at /issuer/type/0 is a relative IRI'):
        _reference_to_dataset(document, loader=loader)
    job = {"action": "verify", "suite": "Ed25519Signature2018", "didDocuments": [did_document]}
    (result,) = run_di([{**job, "kind": "credential", "document": {**document, "proof": proof}}])
    assert result["verified"] is False
    assert "Safe mode validation error." in result["errors"]
