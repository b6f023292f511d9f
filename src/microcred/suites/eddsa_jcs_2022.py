"""The ``eddsa-jcs-2022`` cryptosuite: DataIntegrityProof over JSON Canonicalization Scheme (RFC 8785) with Ed25519.

https://www.w3.org/TR/vc-di-eddsa/#eddsa-jcs-2022

The signed bytes are the JCS serialization of the document and of the proof configuration (``rfc8785``), so no
RDF is needed for the signature. The document is still expanded as JSON-LD in safe mode before signing and
verifying (``suites.rdf.to_dataset``): a term its contexts do not define, or a context not on the allow-list, is
refused as with the RDFC suites, so what a verifier reads as linked data is what was signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import rfc8785

from microcred.keys import Signer
from microcred.suites.base import SuiteContext, check_data_integrity_options, proof_config
from microcred.suites.eddsa_rdfc_2022 import (
    EddsaDataIntegrity,
    create_eddsa_proof,
    verify_eddsa_proof,
)
from microcred.suites.rdf import to_dataset
from microcred.vc.errors import InvalidInput

__all__ = [
    "EddsaJcs2022",
    "jcs",
    "proof_configuration",
    "proof_context_split",
    "safe_mode_check",
    "transformation",
]

CRYPTOSUITE = "eddsa-jcs-2022"


def jcs(value: Any) -> str:
    """RFC 8785 canonical JSON text (a value JCS cannot represent, e.g. a float NaN, is InvalidInput)."""
    try:
        return rfc8785.dumps(value).decode("utf-8")
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(f"the document cannot be canonicalized with JCS: {exc}") from None


def _check_options(options: Mapping[str, Any]) -> None:
    check_data_integrity_options(options, CRYPTOSUITE)


def transformation(unsecured: Mapping[str, Any], options: Mapping[str, Any], ctx: SuiteContext) -> str:
    """https://www.w3.org/TR/vc-di-eddsa/#transformation-eddsa-jcs-2022 (after the safe-mode JSON-LD check)."""
    _check_options(options)
    safe_mode_check(unsecured, ctx)
    return jcs(unsecured)


def safe_mode_check(unsecured: Mapping[str, Any], ctx: SuiteContext) -> None:
    """Expand the document as JSON-LD in safe mode (InvalidInput when a term is undefined or a context refused)."""
    if ctx.budget.runner is not None:
        ctx.canonical_nquads(unsecured)  # the same safe-mode check, in the isolated worker under its deadline
    else:
        to_dataset(unsecured, loader=ctx.loader)


def proof_context_split(
    document: Mapping[str, Any], proof: Mapping[str, Any]
) -> tuple[Mapping[str, Any], dict[str, Any]] | None:
    """The document and proof options a JCS proof signed: a proof carrying ``@context`` signed the document with
    that context, which must be where the document's own begins (None when it is not)."""
    options = dict(proof)
    if "@context" not in options:
        return document, options
    theirs, ours = _as_list(document.get("@context")), _as_list(options.pop("@context"))
    if theirs[: len(ours)] != ours:
        return None
    return {**document, "@context": ours if isinstance(proof["@context"], list) else ours[0]}, options


def proof_configuration(unsecured: Mapping[str, Any], options: Mapping[str, Any], ctx: SuiteContext) -> str:
    """https://www.w3.org/TR/vc-di-eddsa/#proof-configuration-eddsa-jcs-2022"""
    return jcs(proof_config(unsecured, options, _check_options, context_if_present=True))


class EddsaJcs2022(EddsaDataIntegrity):
    """DataIntegrityProof with cryptosuite ``eddsa-jcs-2022``."""

    name = CRYPTOSUITE
    cryptosuite: str | None = CRYPTOSUITE

    def create_proof(
        self, document: Mapping[str, Any], options: Mapping[str, Any], signer: Signer, ctx: SuiteContext
    ) -> dict[str, Any]:
        """https://www.w3.org/TR/vc-di-eddsa/#create-proof-eddsa-jcs-2022"""
        proof = dict(options)
        # the proof itself carries the document's @context (the spec's create step; vector signedJCS.json)
        if "@context" in document:
            proof["@context"] = document["@context"]
        return create_eddsa_proof(
            document, proof, signer, ctx, transform=transformation, configure=proof_configuration
        )

    def verify_proof(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], public_key: bytes, ctx: SuiteContext
    ) -> bool:
        """https://www.w3.org/TR/vc-di-eddsa/#verify-proof-eddsa-jcs-2022"""
        split = proof_context_split(document, proof)
        if split is None:
            return False
        unsecured, options = split
        return verify_eddsa_proof(
            unsecured, options, public_key, ctx, transform=transformation, configure=proof_configuration
        )


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]
