"""The ``ecdsa-jcs-2019`` cryptosuite: DataIntegrityProof over JSON Canonicalization Scheme (RFC 8785) with ECDSA.

https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-jcs-2019

The JCS steps of eddsa-jcs-2022 (the document is still checked as JSON-LD in safe mode; the proof carries the
document's ``@context``) with the hashing and signatures of ecdsa-rdfc-2019 (P-256 / SHA-256, P-384 / SHA-384).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from microcred.keys import Signer
from microcred.keys.public_key import P256
from microcred.suites.base import SuiteContext, check_data_integrity_options, proof_config
from microcred.suites.ecdsa_rdfc_2019 import EcdsaDataIntegrity
from microcred.suites.eddsa_jcs_2022 import jcs, proof_context_split, safe_mode_check

__all__ = ["EcdsaJcs2019", "proof_configuration", "transformation"]

CRYPTOSUITE = "ecdsa-jcs-2019"


def transformation(
    unsecured: Mapping[str, Any], options: Mapping[str, Any], ctx: SuiteContext, algorithm: str = P256
) -> str:
    """https://www.w3.org/TR/vc-di-ecdsa/#transformation-ecdsa-jcs-2019 (after the safe-mode JSON-LD check;
    JCS does not depend on the curve)."""
    check_data_integrity_options(options, CRYPTOSUITE)
    safe_mode_check(unsecured, ctx)
    return jcs(unsecured)


def proof_configuration(
    unsecured: Mapping[str, Any], options: Mapping[str, Any], ctx: SuiteContext, algorithm: str = P256
) -> str:
    """https://www.w3.org/TR/vc-di-ecdsa/#proof-configuration-ecdsa-jcs-2019"""
    check = partial(check_data_integrity_options, cryptosuite=CRYPTOSUITE)
    return jcs(proof_config(unsecured, options, check, context_if_present=True))


class EcdsaJcs2019(EcdsaDataIntegrity):
    """DataIntegrityProof with cryptosuite ``ecdsa-jcs-2019``."""

    name = CRYPTOSUITE
    cryptosuite: str | None = CRYPTOSUITE
    transform = staticmethod(transformation)
    configure = staticmethod(proof_configuration)

    def create_proof(
        self, document: Mapping[str, Any], options: Mapping[str, Any], signer: Signer, ctx: SuiteContext
    ) -> dict[str, Any]:
        """https://www.w3.org/TR/vc-di-ecdsa/#create-proof-ecdsa-jcs-2019 (the proof carries the @context)"""
        proof = dict(options)
        if "@context" in document:
            proof["@context"] = document["@context"]
        return super().create_proof(document, proof, signer, ctx)

    def verify_proof(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], public_key: bytes, ctx: SuiteContext
    ) -> bool:
        """https://www.w3.org/TR/vc-di-ecdsa/#verify-proof-ecdsa-jcs-2019"""
        split = proof_context_split(document, proof)
        if split is None:
            return False
        unsecured, options = split
        return super().verify_proof(unsecured, options, public_key, ctx)
