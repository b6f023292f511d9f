"""``eddsa-2022``: the draft name of eddsa-rdfc-2022, read as eddsa-rdfc-2022 with a warning.

https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022 (the name ``eddsa-2022`` is in drafts before 2023)

Credentials issued before the rename still carry it. The pipeline is eddsa-rdfc-2022's, and the name stays part of
the signed proof configuration, so a proof verifies only under the name it was signed with: nothing is "tried"
under another name. The report says the name is outdated. Never used for signing.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from microcred.keys import Signer
from microcred.suites import eddsa_rdfc_2022 as rdfc_2022
from microcred.suites.base import SuiteContext
from microcred.suites.eddsa_rdfc_2022 import EddsaDataIntegrity, verify_eddsa_proof
from microcred.vc.errors import InvalidInput

__all__ = ["CRYPTOSUITE", "Eddsa2022"]

CRYPTOSUITE = "eddsa-2022"
WARNING = (
    '"proof.cryptosuite" is "eddsa-2022", the pre-2023 draft name of "eddsa-rdfc-2022"; '
    "it was verified as eddsa-rdfc-2022"
)


# eddsa-rdfc-2022's steps, under the draft name
transformation = partial(rdfc_2022.transformation, cryptosuite=CRYPTOSUITE)
proof_configuration = partial(rdfc_2022.proof_configuration, cryptosuite=CRYPTOSUITE)


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
