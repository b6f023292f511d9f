"""eddsa-2022, the pre-2023 name of eddsa-rdfc-2022: verified under the name it was signed with, with a warning."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from microcred.contexts import DocumentLoader
from microcred.suites import SuiteContext, eddsa_2022, sign, verify
from microcred.suites.eddsa_rdfc_2022 import create_eddsa_proof
from microcred.vc.errors import InvalidInput
from tests.suites.factories import Issuer, resolver_for

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def draft_signed(credential: dict[str, Any], issuer: Issuer, loader: DocumentLoader) -> dict[str, Any]:
    """A credential signed as issuers did before the rename: the eddsa-rdfc-2022 steps under the old name."""
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-2022",
        "created": "2022-12-01T00:00:00Z",
        "verificationMethod": issuer.multikey.verification_method,
        "proofPurpose": "assertionMethod",
    }
    proof = create_eddsa_proof(
        credential,
        options,
        issuer.multikey,
        SuiteContext(loader=loader),
        transform=eddsa_2022.transformation,
        configure=eddsa_2022.proof_configuration,
    )
    return {**credential, "proof": proof}


def test_verified_with_a_warning(credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer) -> None:
    signed = draft_signed(credential, issuer, loader)
    result = verify(signed, resolver=resolver_for(issuer), loader=loader)
    assert result.verified
    assert result.results[0].suite == "eddsa-2022"
    assert result.warnings == (eddsa_2022.WARNING,)


def test_the_name_is_signed(credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer) -> None:
    """Renaming either way breaks the signature: nothing is tried under another name."""
    renamed = draft_signed(credential, issuer, loader)
    renamed["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    assert not verify(renamed, resolver=resolver_for(issuer), loader=loader).verified
    current = sign(credential, signer=issuer.multikey, loader=loader, created=NOW)
    current["proof"]["cryptosuite"] = "eddsa-2022"
    assert not verify(current, resolver=resolver_for(issuer), loader=loader).verified


def test_never_signed(credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer) -> None:
    with pytest.raises(InvalidInput, match="only read"):
        sign(credential, signer=issuer.multikey, loader=loader, created=NOW, suite="eddsa-2022")
