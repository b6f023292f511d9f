"""The issuer's front door: ``Issuer(profile, signer).issue(achievement, learner, ...)`` returns a signed
AchievementCredential that an independent implementation (Digital Bazaar's ``@digitalbazaar/vc``) verifies, and
signs nothing that fails the OB3 schema or the vocabularies."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from microcred.issuer import DEMO_ACHIEVEMENT, AchievementDefinition, Issuer, Learner
from microcred.keys import Ed25519Signer, did_key_document
from microcred.vc.errors import KeyMaterialError, ValidationFailed
from tests.interop.harness import run_di
from tests.issuer.factories import ACHIEVEMENT_URL, DID_KEY, institution

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_issue_returns_a_signed_credential_for_the_learner() -> None:
    issuer = institution()
    credential = issuer.issue(
        AchievementDefinition.model_validate(DEMO_ACHIEVEMENT),
        Learner(did=DID_KEY),
        achievement_id=ACHIEVEMENT_URL,
        now=NOW,
        valid_until=NOW + timedelta(days=365),
        grade="Pass",
    )
    assert credential["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert credential["issuer"]["id"] == issuer.profile.did
    assert credential["credentialSubject"]["id"] == DID_KEY
    assert credential["credentialSubject"]["achievement"]["id"] == ACHIEVEMENT_URL
    assert credential["credentialSubject"]["result"][0]["value"] == "Pass"
    assert (credential["validFrom"], credential["validUntil"]) == (
        "2026-11-23T12:00:00Z",
        "2027-11-23T12:00:00Z",
    )
    (proof,) = credential["proof"]  # a one-element set: the published OB 3.0 schema wants an array
    assert (proof["type"], proof["cryptosuite"]) == ("DataIntegrityProof", "eddsa-rdfc-2022")
    assert proof["verificationMethod"] == issuer.signer.verification_method
    assert proof["created"] == "2026-11-23T12:00:00Z"


@pytest.mark.interop
def test_digital_bazaar_verifies_what_the_front_door_signs() -> None:
    issuer = institution()
    credential = issuer.issue(DEMO_ACHIEVEMENT, Learner(did=DID_KEY), achievement_id=ACHIEVEMENT_URL)
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Another micro-credential"
    did_documents = [did_key_document(issuer.profile.did)]
    results = run_di(
        [
            {"action": "verify", "document": document, "didDocuments": did_documents}
            for document in (credential, tampered)
        ]
    )
    assert results[0]["verified"] is True, results[0]
    assert results[1]["verified"] is False


def test_a_key_of_another_did_is_refused() -> None:
    issuer = institution()
    stranger = Ed25519Signer.from_seed(bytes(32), verification_method="did:web:elsewhere.example#key-1")
    with pytest.raises(KeyMaterialError, match="not a key of the issuer"):
        Issuer(issuer.profile, stranger)


def test_nothing_is_signed_outside_the_vocabularies_or_the_schema() -> None:
    issuer = institution()
    with pytest.raises(ValidationFailed, match="/eqfLevel"):
        issuer.issue(
            {**DEMO_ACHIEVEMENT, "eqfLevel": "11"}, Learner(did=DID_KEY), achievement_id=ACHIEVEMENT_URL
        )
    with pytest.raises(ValidationFailed) as info:
        issuer.issue(
            DEMO_ACHIEVEMENT,
            Learner(did=DID_KEY),
            achievement_id=ACHIEVEMENT_URL,
            credential_status={"id": "https://demo.example/status/1#7"},
        )
    assert info.value.errors[0]["pointer"] == "/credentialStatus"
