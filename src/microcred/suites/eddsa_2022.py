"""``eddsa-2022``: the draft name of eddsa-rdfc-2022, read as eddsa-rdfc-2022 with a warning.

https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022 (the name ``eddsa-2022`` is in drafts before 2023)

Credentials issued before the rename still carry it. The pipeline is eddsa-rdfc-2022's, and the name stays part of
the signed proof configuration, so a proof verifies only under the name it was signed with: nothing is "tried"
under another name. The report says the name is outdated. Never used for signing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microcred.keys import Signer
from microcred.suites.base import SuiteContext, check_created
from microcred.suites.eddsa_rdfc_2022 import PROOF_TYPE, EddsaDataIntegrity, verify_eddsa_proof
from microcred.vc.errors import InvalidInput, ProofError

__all__ = ["CRYPTOSUITE", "Eddsa2022"]

CRYPTOSUITE = "eddsa-2022"
WARNING = (
    '"proof.cryptosuite" is "eddsa-2022", the pre-2023 draft name of "eddsa-rdfc-2022"; '
    "it was verified as eddsa-rdfc-2022"
)


def _check_options(options: Mapping[str, Any]) -> None:
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(
            f'"proof.type" must be "{PROOF_TYPE}" and "proof.cryptosuite" must be "{CRYPTOSUITE}"'
        )


def transformation(unsecured: Mapping[str, Any], options: Mapping[str, Any], ctx: SuiteContext) -> str:
    """https://www.w3.org/TR/vc-di-eddsa/#transformation-eddsa-rdfc-2022"""
    _check_options(options)
    return ctx.canonical_nquads(unsecured)


def proof_configuration(unsecured: Mapping[str, Any], options: Mapping[str, Any], ctx: SuiteContext) -> str:
    """https://www.w3.org/TR/vc-di-eddsa/#proof-configuration-eddsa-rdfc-2022 (with the draft name)"""
    config = {key: value for key, value in options.items() if key != "proofValue"}
    _check_options(config)
    if "created" in config:
        check_created(config["created"])
    config["@context"] = unsecured.get("@context")
    return ctx.canonical_nquads(config)


class Eddsa2022(EddsaDataIntegrity):
    """DataIntegrityProof with cryptosuite ``eddsa-2022``: verified like eddsa-rdfc-2022, reported with a warning."""

    name = CRYPTOSUITE
    cryptosuite: str | None = CRYPTOSUITE
    warning = WARNING

    def create_proof(
        self, document: Mapping[str, Any], options: Mapping[str, Any], signer: Signer, ctx: SuiteContext
    ) -> dict[str, Any]:
        """Never: new proofs use the standard name."""
        raise InvalidInput('"eddsa-2022" is only read; sign with "eddsa-rdfc-2022"')

    def verify_proof(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], public_key: bytes, ctx: SuiteContext
    ) -> bool:
        """https://www.w3.org/TR/vc-di-eddsa/#verify-proof-eddsa-rdfc-2022"""
        return verify_eddsa_proof(
            document, proof, public_key, ctx, transform=transformation, configure=proof_configuration
        )
