"""The unsigned credential: OB 3.0 AchievementCredential, VC 2.0, contexts in order, learner identity, safe JSON-LD."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pyld import jsonld

from microcred.contexts import offline_loader
from microcred.issuer import (
    CONTEXTS,
    DEMO_ACHIEVEMENT,
    AchievementDefinition,
    Award,
    IssuerProfile,
    Learner,
    achievement_document,
    build_credential,
    check_before_signing,
    identity_hash,
)
from microcred.suites import to_dataset
from microcred.suites.jsonld_fast import fast_to_dataset
from microcred.vc.errors import InvalidInput, UnsafeJsonLd

WHEN = datetime(2026, 6, 30, 12, tzinfo=UTC)
ISSUER = IssuerProfile(
    did="did:web:issuer.example:issuers:demo",
    name="University of Zed",
    url="https://zed.example",
    country="IE",
    region="IE061",
)


def achievement() -> dict[str, Any]:
    d = AchievementDefinition.model_validate(DEMO_ACHIEVEMENT).normalized()
    return achievement_document(
        d, achievement_id="https://issuer.example/achievements/a1/versions/1", version=1
    )


def make(learner: Learner | None = None, **award: Any) -> dict[str, Any]:
    return build_credential(
        credential_id="urn:uuid:00000000-0000-4000-8000-000000000001",
        issuer=ISSUER,
        achievement=achievement(),
        award=Award(
            learner=learner or Learner(name="Ana Andromeda", email="Ana@Example.org "),
            awarded_date=WHEN,
            valid_from=WHEN,
            **award,
        ),
        salt="s4lt",
    )


def test_identity_hash_reproduces_the_ob3_spec_example() -> None:
    # OB 3.0 IdentityHash: SHA-256 of "a@example.com" + "Kosher".
    assert (
        identity_hash("a@example.com", "Kosher")
        == "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )


def test_contexts_type_and_mandatory_fields() -> None:
    c = make()
    assert (
        c["@context"]
        == list(CONTEXTS)
        == [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://microcred.eu/contexts/eu-microcredential/v1.jsonld",
        ]
    )
    assert c["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert c["validFrom"] == c["awardedDate"] == "2026-06-30T12:00:00Z"
    assert c["issuer"]["id"] == ISSUER.did
    assert c["issuer"]["address"] == {
        "type": ["Address"],
        "addressCountryCode": "IE",
        "addressCountry": "Ireland",
        "addressRegion": "IE061",
    }
    assert c["issuer"]["issuerCountry"] == "http://publications.europa.eu/resource/authority/country/IRL"
    assert c["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"


def test_email_is_hashed_with_the_per_credential_salt_and_name_kept() -> None:
    email, name = make()["credentialSubject"]["identifier"]
    assert email == {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": identity_hash("ana@example.org", "s4lt"),
        "salt": "s4lt",
    }
    assert name["identityHash"] == "Ana Andromeda"
    assert name["hashed"] is False


def test_a_did_learner_is_the_subject_id() -> None:
    subject = make(Learner(did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"))[
        "credentialSubject"
    ]
    assert subject["id"].startswith("did:key:")
    assert "identifier" not in subject


def test_result_evidence_and_validity() -> None:
    c = make(
        grade="Pass",
        ects_awarded=2,
        assessment_date=WHEN - timedelta(days=3),
        valid_until=WHEN + timedelta(days=365),
        evidence=[{"id": "https://zed.example/portfolio/1", "name": "Portfolio"}],
    )
    subject = c["credentialSubject"]
    assert subject["result"] == [
        {
            "type": ["Result"],
            "value": "Pass",
            "resultDescription": subject["achievement"]["resultDescription"][0]["id"],
        }
    ]
    assert subject["creditsEarned"] == 2
    assert subject["assessmentDate"] == "2026-06-27T12:00:00Z"
    assert c["validUntil"] == "2027-06-30T12:00:00Z"
    assert c["evidence"] == [
        {"id": "https://zed.example/portfolio/1", "name": "Portfolio", "type": ["Evidence"]}
    ]
    check_before_signing(c)


def test_grade_outside_the_scale_and_reversed_validity_are_refused() -> None:
    with pytest.raises(InvalidInput, match="grade"):
        make(grade="Excellent")
    with pytest.raises(InvalidInput, match="validUntil"):
        make(valid_until=WHEN - timedelta(days=1))


def test_no_term_is_dropped_by_json_ld_expansion() -> None:
    c = make(
        grade="Pass",
        ects_awarded=2,
        assessment_date=WHEN,
        evidence=[{"id": "https://zed.example/e", "name": "E"}],
    )
    # Safe mode (suites.to_dataset raises UnsafeJsonLd on any dropped term or relative IRI) accepts it...
    dataset = to_dataset(c, loader=offline_loader())
    predicates = {q[1] for q in dataset}
    for iri in (
        "http://data.europa.eu/snb/model/elm/EQFLevel",
        "http://data.europa.eu/snb/model/elm/mode",
        "http://data.europa.eu/snb/model/elm/idVerification",
        "http://data.europa.eu/snb/model/elm/ISCEDFCode",
        "http://data.europa.eu/snb/model/elm/countryCode",
        "http://purl.org/dc/terms/language",
        "https://microcred.eu/vocab/eu-microcredential#assessmentType",
        "https://microcred.eu/vocab/eu-microcredential#qualityAssuranceType",
        "https://microcred.eu/vocab/eu-microcredential#learningOutcome",
        "https://microcred.eu/vocab/eu-microcredential#assessmentDate",
    ):
        assert f"<{iri}>" in predicates, iri
    # ...the fast path produces the same dataset...
    fast = fast_to_dataset(c)
    assert fast is not None
    assert sorted(fast) == sorted(dataset)
    # ...and safe mode is live: an undefined term is refused.
    c["credentialSubject"]["achievement"]["notATerm"] = "x"
    with pytest.raises(UnsafeJsonLd):
        to_dataset(c, loader=offline_loader())


def test_eu_context_is_protected() -> None:
    c = make()
    c["@context"] = [*c["@context"], {"eqfLevel": "https://evil.example/level"}]
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand(c, {"documentLoader": offline_loader()})


def test_the_eu_schema_is_declared_where_the_deployment_publishes_it_and_checked_there() -> None:
    from microcred.issuer.completeness import check_before_signing
    from microcred.vc.errors import ValidationFailed

    deployed = "https://uni.example/schemas/eu-microcredential/v1.json"
    credential = build_credential(
        credential_id="urn:uuid:00000000-0000-4000-8000-000000000002",
        issuer=ISSUER,
        achievement=achievement(),
        award=Award(
            learner=Learner(did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
            awarded_date=WHEN,
            valid_from=WHEN,
        ),
        salt="s4lt",
        eu_schema=deployed,
    )
    assert credential["credentialSchema"][1] == {"id": deployed, "type": "1EdTechJsonSchemaValidator2019"}
    check_before_signing(credential)
    credential["credentialSubject"]["achievement"]["eqfLevel"] = (
        "http://data.europa.eu/snb/eqf/7"  # first cycle
    )
    with pytest.raises(ValidationFailed) as refused:
        check_before_signing(credential)
    assert any(
        e["pointer"] == "/credentialSubject/achievement/eqfLevel"
        and e["detail"].startswith(
            "https://microcred.eu/schemas/eu-microcredential/v1.json"
        )  # the pinned copy
        for e in refused.value.errors
    )
