"""The Linked Data Signatures of 2018-2019 that carry a detached JWS (``proof.jws``, RFC 7797 ``b64: false``):
``Ed25519Signature2018`` (EdDSA) and ``EcdsaSecp256k1Signature2019`` (ES256K).

https://w3c-ccg.github.io/lds-ed25519-2018/ ; https://w3c-ccg.github.io/lds-ecdsa-secp256k1-2019/ ;
https://www.rfc-editor.org/rfc/rfc7797 ; https://w3c-ccg.github.io/ld-proofs/#create-verify-hash-algorithm

What is signed: ``SHA-256(URDNA2015(proof options with the document's @context, without jws)) ||
SHA-256(URDNA2015(document without proof))``, as the JWS payload, unencoded: the signing input is
``<protected header>.`` followed by those 64 bytes. The protected header must be exactly ``alg`` of the suite,
``b64: false`` and ``crit: ["b64"]``; any other header is refused, never ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from microcred.keys import PublicKey, Signer
from microcred.suites.base import CREDENTIALS_V1, SuiteContext, check_created, context_urls, sha256
from microcred.vc.encodings import b64url_decode, b64url_encode
from microcred.vc.errors import InvalidInput, ProofError

__all__ = ["SECURITY_V2", "DetachedJwsSuite", "create_verify_data", "signing_input"]

SECURITY_V2 = "https://w3id.org/security/v2"
PROOF_VALUE = "jws"


def create_verify_data(unsecured: Mapping[str, Any], options: Mapping[str, Any], ctx: SuiteContext) -> bytes:
    """https://w3c-ccg.github.io/ld-proofs/#create-verify-hash-algorithm (jsonld-signatures' createVerifyData):
    hash of the canonical proof options, then of the canonical document."""
    config = {
        key: value for key, value in options.items() if key not in ("jws", "proofValue", "signatureValue")
    }
    if "created" in config:
        check_created(config["created"])
    config["@context"] = unsecured.get("@context")
    return sha256(ctx.canonical_nquads(config)) + sha256(ctx.canonical_nquads(unsecured))


def signing_input(protected: str, verify_data: bytes) -> bytes:
    """RFC 7797 §3: ``ASCII(BASE64URL(header)) || '.' || payload`` with the payload not encoded."""
    return protected.encode("ascii") + b"." + verify_data


class DetachedJwsSuite:
    """One detached-JWS Linked Data Signature suite: its proof type, JWS ``alg``, key algorithm and context."""

    name: str
    proof_type: str
    cryptosuite: str | None = None
    alg: str
    key_types: frozenset[str]
    key_algorithms: frozenset[str]
    context_url: str
    proof_value_field = PROOF_VALUE

    def header(self) -> dict[str, Any]:
        """The one protected header this suite writes and accepts."""
        return {"alg": self.alg, "b64": False, "crit": ["b64"]}

    def prepare_document(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """Add the suite context unless the document has one defining the proof terms (credentials v1 and
        security v2 both do; jsonld-signatures' ``ensureSuiteContext``)."""
        prepared = dict(document)
        urls = context_urls(document)
        if not {self.context_url, CREDENTIALS_V1, SECURITY_V2}.intersection(
            u for u in urls if isinstance(u, str)
        ):
            prepared["@context"] = [*urls, self.context_url]
        return prepared

    def _check_options(self, options: Mapping[str, Any]) -> None:
        if options.get("type") != self.proof_type or "cryptosuite" in options:
            raise ProofError(f'"proof.type" must be "{self.proof_type}" with no "proof.cryptosuite"')

    def create_proof(
        self, document: Mapping[str, Any], options: Mapping[str, Any], signer: Signer, ctx: SuiteContext
    ) -> dict[str, Any]:
        """https://w3c-ccg.github.io/lds-ed25519-2018/ (jsonld-signatures' JwsLinkedDataSignature.sign)"""
        algorithm = getattr(signer, "algorithm", "Ed25519")
        if algorithm not in self.key_algorithms:
            raise InvalidInput(
                f'"{self.name}" signs with {" or ".join(sorted(self.key_algorithms))} keys, not {algorithm}'
            )
        self._check_options(options)
        proof = dict(options)
        protected = b64url_encode(json.dumps(self.header(), separators=(",", ":")).encode())
        signature = signer.sign(signing_input(protected, create_verify_data(document, proof, ctx)))
        proof[PROOF_VALUE] = f"{protected}..{b64url_encode(signature)}"
        return proof

    def verify_proof(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], public_key: bytes, ctx: SuiteContext
    ) -> bool:
        """https://w3c-ccg.github.io/lds-ed25519-2018/ (jsonld-signatures' JwsLinkedDataSignature.verifySignature)"""
        if not isinstance(public_key, PublicKey) or public_key.algorithm not in self.key_algorithms:
            raise InvalidInput(f'"{self.name}" needs a {" or ".join(sorted(self.key_algorithms))} key')
        jws = proof.get(PROOF_VALUE)
        parts = jws.split(".") if isinstance(jws, str) else []
        if len(parts) != 3 or parts[1] != "":
            raise InvalidInput('"proof.jws" must be a detached compact JWS ("header..signature")')
        protected, _, encoded_signature = parts
        try:
            header = json.loads(b64url_decode(protected))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidInput('"proof.jws" has a header that is not JSON') from None
        if header != self.header():
            raise InvalidInput(
                f'the "proof.jws" header must be {json.dumps(self.header())}, not {json.dumps(header)[:200]}'
            )
        try:
            self._check_options(proof)
            verify_data = create_verify_data(document, proof, ctx)
        except ProofError as exc:
            raise InvalidInput(exc.detail) from None
        return public_key.verify(b64url_decode(encoded_signature), signing_input(protected, verify_data))
