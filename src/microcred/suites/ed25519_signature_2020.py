"""The legacy ``Ed25519Signature2020`` suite: verified, and signed on request.

https://w3c-ccg.github.io/lds-ed25519-2020/ (and the vc-di-eddsa test vectors for it)

Same pipeline as ``eddsa-rdfc-2022`` (RDFC-1.0, ``SHA-256(proof config) || SHA-256(document)``, Ed25519,
base58btc ``proofValue``), but ``proof.type`` is ``Ed25519Signature2020`` with no ``cryptosuite``, the document's
``@context`` must include the suite context, and the verification method must be an
``Ed25519VerificationKey2020`` (independent verifiers accept only that type; did:web documents made by
:func:`keys.did_web_document` publish every key in that form as ``#<fragment>-2020``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microcred.keys import Signer
from microcred.suites.base import SuiteContext, check_legacy_options, context_urls, proof_config
from microcred.suites.eddsa_rdfc_2022 import create_eddsa_proof, verify_eddsa_proof
from microcred.vc.errors import ProofError

__all__ = ["ED25519_2020_CONTEXT", "Ed25519Signature2020", "proof_configuration", "transformation"]

PROOF_TYPE = "Ed25519Signature2020"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"


def _check_options(options: Mapping[str, Any]) -> None:
    check_legacy_options(options, PROOF_TYPE)


def transformation(unsecured: Mapping[str, Any], options: Mapping[str, Any], ctx: SuiteContext) -> str:
    """https://w3c-ccg.github.io/lds-ed25519-2020/#ed25519signature2020 (canonicalize the document, URDNA2015)"""
    _check_options(options)
    if ED25519_2020_CONTEXT not in context_urls(unsecured):
        raise ProofError(f'the document\'s "@context" must include "{ED25519_2020_CONTEXT}"')
    return ctx.canonical_nquads(unsecured)


def proof_configuration(unsecured: Mapping[str, Any], options: Mapping[str, Any], ctx: SuiteContext) -> str:
    """https://w3c-ccg.github.io/lds-ed25519-2020/#ed25519signature2020 (proof options with the doc context)"""
    return ctx.canonical_nquads(proof_config(unsecured, options, _check_options))


class Ed25519Signature2020:
    """Proof type ``Ed25519Signature2020``."""

    name = PROOF_TYPE
    proof_type = PROOF_TYPE
    cryptosuite: str | None = None
    key_types = frozenset({"Ed25519VerificationKey2020"})

    def prepare_document(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """Add the suite context when the document lacks it (jsonld-signatures' ``addSuiteContext``)."""
        prepared = dict(document)
        urls = context_urls(document)
        if ED25519_2020_CONTEXT not in urls:
            prepared["@context"] = [*urls, ED25519_2020_CONTEXT]
        return prepared

    def create_proof(
        self, document: Mapping[str, Any], options: Mapping[str, Any], signer: Signer, ctx: SuiteContext
    ) -> dict[str, Any]:
        """https://w3c-ccg.github.io/lds-ed25519-2020/#create-proof"""
        return create_eddsa_proof(
            document, options, signer, ctx, transform=transformation, configure=proof_configuration
        )

    def verify_proof(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], public_key: bytes, ctx: SuiteContext
    ) -> bool:
        """https://w3c-ccg.github.io/lds-ed25519-2020/#verify-proof"""
        return verify_eddsa_proof(
            document, proof, public_key, ctx, transform=transformation, configure=proof_configuration
        )
