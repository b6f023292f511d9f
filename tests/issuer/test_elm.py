"""The ELM v3 export: it passes the Commission's EDC shapes (pySHACL), carries every element of the OB3 record,
names only concepts the issuer's lists know, and its Data Integrity proof verifies (and fails when tampered)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rdflib import URIRef

from microcred import suites
from microcred.contexts import offline_loader
from microcred.issuer import (
    DEMO_ACHIEVEMENT,
    VOCABULARIES,
    AchievementDefinition,
    Award,
    IssuerProfile,
    Learner,
    achievement_document,
    build_credential,
    vocabulary,
)
from microcred.issuer.achievement import ESCO_SKILL_PREFIX
from microcred.issuer.elm import ELM_FIXED_CONCEPTS, LegalIdentifier, elm_credential
from microcred.vc.errors import InvalidInput
from tests.factories import SHARED
from tests.issuer.factories import default_graph, violations
from tests.verifier.factories import key_signer

pytestmark = pytest.mark.shared

ELM = SHARED / "elm"
WHEN = datetime(2026, 6, 30, 12, tzinfo=UTC)
ISSUER = IssuerProfile(
    did="did:web:issuer.example:issuers:zed",
    name="University of Zed",
    url="https://zed.example",
    country="IE",
)
LEGAL = LegalIdentifier(notation="IE6388047V", country="IE")
SIGNER = key_signer(bytes(range(32)))
CONCEPT = URIRef("http://www.w3.org/2004/02/skos/core#Concept")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def definition(**changes: Any) -> AchievementDefinition:
    return AchievementDefinition.model_validate({**copy.deepcopy(DEMO_ACHIEVEMENT), **changes}).normalized()


FULL = {
    "qualityAssuranceTypes": ["institutional-qa", "programme-qa"],
    "qualityAssuranceReport": "https://zed.example/qa/report-2026.pdf",
    "stackability": "stackable",
    "stackableTowards": ["https://zed.example/programmes/msc-digital-education"],
    "languages": ["en", "de"],
    "iscedF": ["0688", "011"],
    "criteriaUrl": "https://zed.example/courses/dce/criteria",
    "humanCode": "DCE-101",
    "supervisionVerification": "onsite-id-verification",
    "assessmentTypes": ["artefact-assessment", "oral-examination"],
}
"""Every optional element of the achievement definition, beside the demo's."""


def ob3(d: AchievementDefinition, *, full: bool = False) -> dict[str, Any]:
    """The OB3 credential as issued: the demo award, or one with every optional award element."""
    achievement = achievement_document(
        d, achievement_id="https://issuer.example/achievements/a1/versions/3", version=3
    )
    award = Award(
        learner=Learner(name="Ana Andromeda", email="ana@example.org"), awarded_date=WHEN, valid_from=WHEN
    )
    status = None
    if full:
        award = Award(
            learner=Learner(
                did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                name="Ana Andromeda",
                email="ana@example.org",
            ),
            awarded_date=WHEN,
            valid_from=WHEN,
            valid_until=WHEN + timedelta(days=3650),
            grade="Pass",
            ects_awarded=2,
            assessment_date=WHEN - timedelta(days=3),
            evidence=[{"id": "https://zed.example/portfolio/ana", "name": "Portfolio"}],
        )
        status = {
            "id": "https://issuer.example/status/1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://issuer.example/status/1",
        }
    return build_credential(
        credential_id="urn:uuid:00000000-0000-4000-8000-00000000e1e0",
        issuer=ISSUER,
        achievement=achievement,
        award=award,
        salt="s4lt",
        credential_status=status,
    )


def signed_export(d: AchievementDefinition, *, full: bool = False) -> dict[str, Any]:
    exported = elm_credential(ob3(d, full=full), definition=d, legal_identifier=LEGAL)
    return suites.sign(exported, signer=SIGNER, loader=offline_loader(), created=WHEN)


# --- the harness: the Commission's own sample -------------------------------------------------------------------


def test_the_commissions_sealed_sample_conforms_to_the_shapes_in_this_harness() -> None:
    payload = json.loads(json.loads((ELM / "Sample-MC-Annex1-signed.jsonld").read_text())["payload"])
    assert violations(payload) == []


def test_the_unsigned_sample_lacks_exactly_what_the_europass_sealing_adds() -> None:
    # The platform adds "issued" and the issuer's eIDAS identifier (from the e-seal certificate) when it seals.
    unsigned = json.loads((ELM / "Sample-MC-Annex1-unsigned.jsonld").read_text())
    assert violations(unsigned) == [
        "http://data.europa.eu/snb/model/elm/eidasLegalIdentifier",
        "https://www.w3.org/2018/credentials#issued",
        "https://www.w3.org/2018/credentials#issuer",  # the issuer node shape, whose detail is the identifier
    ]


# --- the export against the shapes ------------------------------------------------------------------------------


def test_the_demo_achievement_export_conforms_to_the_edc_shapes() -> None:
    exported = signed_export(definition())
    assert exported["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert exported["@context"] == [
        "https://www.w3.org/2018/credentials/v1",
        "http://data.europa.eu/snb/model/context/edc-ap",
        "https://w3id.org/security/data-integrity/v2",
    ]
    assert violations(exported) == []


def test_an_export_with_every_optional_element_conforms_to_the_edc_shapes() -> None:
    exported = signed_export(definition(**FULL), full=True)
    claim = exported["credentialSubject"]["hasClaim"]
    assert claim["provenBy"]["grade"]["noteLiteral"] == {"en": "Pass"}
    assert claim["specifiedBy"]["homepage"]["contentURL"] == FULL["criteriaUrl"]
    assert violations(exported) == []


def test_without_the_institutions_legal_identifier_only_the_issuer_shape_fails() -> None:
    # EDC requires one eIDAS legal identifier for the issuer; an institution that has none gives an export that
    # fails that shape alone, never one that invents an identifier.
    exported = elm_credential(ob3(definition()), definition=definition())
    assert "eIDASIdentifier" not in exported["issuer"]
    assert violations(exported) == [
        "http://data.europa.eu/snb/model/elm/eidasLegalIdentifier",
        "https://www.w3.org/2018/credentials#issuer",
    ]


def test_the_shapes_catch_a_broken_export() -> None:
    exported = elm_credential(ob3(definition()), definition=definition(), legal_identifier=LEGAL)
    del exported["credentialSubject"]["hasClaim"]["specifiedBy"]["title"]
    assert violations(exported) == ["http://purl.org/dc/terms/title"]


# --- nothing of the OB3 record is lost --------------------------------------------------------------------------


def concept_ids(value: Any) -> list[str]:
    return [c["id"] for c in (value if isinstance(value, list) else [value])]


def notes(spec: dict[str, Any]) -> list[str]:
    return [n["noteLiteral"]["en"] for n in spec.get("additionalNote", [])]


def note_subjects(spec: dict[str, Any]) -> list[str]:
    return [n["subject"]["id"] for n in spec.get("additionalNote", []) if "subject" in n]


CARRIED_ELSEWHERE = {
    "@context": "ELM has its own contexts",
    "type": "ELM types: VerifiableCredential, EuropeanDigitalCredential",
    "issuer.type": "an ELM Organisation",
    "credentialSchema": "the ELM form names its SHACL profile instead of the OB3 JSON Schema",
    "proof": "the ELM form carries its own proof",
    "relatedResource": "binds the OB3 form's EU context to its digest; the ELM form names only the EDC context",
    "credentialStatus": "EDC's credentialStatus is a plain URI literal; the status entry stays with the OB3 form",
    "name": "the credential's name is its achievement's name (the ELM title)",
    "a.achievementType": "MicroCredential: the ELM form is a Qualification",
    "a.version": "part of the achievement's id (.../versions/N), which the Qualification keeps",
    "a.inLanguage": "derived from language (the first language's BCP 47 tag)",
    "a.fieldOfStudy": "derived from iscedF (the first field's label)",
}


def claim_of(exported: dict[str, Any]) -> dict[str, Any]:
    claim: dict[str, Any] = exported["credentialSubject"]["hasClaim"]
    return claim


def compare(credential: dict[str, Any], exported: dict[str, Any]) -> Iterator[str]:
    """Assert each OB3 element's value in the ELM form; yield the name of each element compared."""
    lang = "en"
    issuer, org = credential["issuer"], exported["issuer"]
    assert org["id"] == issuer["id"]
    assert org["legalName"] == {lang: issuer["name"]}
    assert org["homepage"]["contentURL"] == issuer["url"]
    assert org["location"]["address"]["countryCode"]["id"] == issuer["issuerCountry"]
    yield from ("issuer.id", "issuer.name", "issuer.url", "issuer.issuerCountry", "issuer.address")
    assert exported["id"] == credential["id"]
    assert exported["validFrom"] == credential["validFrom"]
    assert exported["issued"] == exported["issuanceDate"] == credential["awardedDate"]
    yield from ("id", "validFrom", "awardedDate", "issuer")
    if "validUntil" in credential:
        assert exported["validUntil"] == credential["validUntil"]
        yield "validUntil"
    if "evidence" in credential:
        documents = claim_of(exported)["supplementaryDocument"]
        assert [(d["contentURL"], d["title"]) for d in documents] == [
            (e["id"], {"en": e["name"]}) for e in credential["evidence"]
        ]
        yield "evidence"
    subject, person = credential["credentialSubject"], exported["credentialSubject"]
    claim = person["hasClaim"]
    if "id" in subject:
        assert person["id"] == subject["id"]
        yield "credentialSubject.id"
    for identity in subject["identifier"]:
        if identity["identityType"] == "name":
            assert person["fullName"] == {lang: identity["identityHash"]}
        else:
            (match,) = [i for i in person["identifier"] if i["notation"] == identity["identityHash"]]
            assert identity["identityType"] in match["schemeName"]
            assert f"salt {identity['salt']}" in match["schemeName"]
    yield from ("credentialSubject", "credentialSubject.identifier", "credentialSubject.type")
    yield "credentialSubject.achievement"
    assert claim["awardedBy"]["awardingBody"] == issuer["id"]
    assert claim["awardedBy"]["awardingDate"] == credential["awardedDate"]
    if "creditsEarned" in subject:
        assert float(claim["creditReceived"]["point"]) == subject["creditsEarned"]
        yield "credentialSubject.creditsEarned"
    if "result" in subject:
        assert claim["provenBy"]["grade"]["noteLiteral"] == {lang: subject["result"][0]["value"]}
        assert claim["provenBy"]["specifiedBy"] == claim["specifiedBy"]["provenBy"]["id"]
        yield "credentialSubject.result"
    if "assessmentDate" in subject:
        assert claim["provenBy"]["dateIssued"] == subject["assessmentDate"]
        yield "credentialSubject.assessmentDate"
    a, spec = subject["achievement"], claim["specifiedBy"]
    assert spec["id"] == a["id"]
    assert spec["title"] == claim["title"] == exported["displayParameter"]["title"] == {lang: a["name"]}
    assert spec["description"] == {lang: a["description"]}
    assert float(spec["creditPoint"]["point"]) == a["creditsAvailable"]
    assert spec["creditPoint"]["framework"]["id"] == a["creditSystem"]
    assert spec["eqfLevel"]["id"] == a["eqfLevel"]
    yield from (
        "a.id",
        "a.type",
        "a.name",
        "a.description",
        "a.creditsAvailable",
        "a.creditSystem",
        "a.eqfLevel",
    )
    assert [o["title"][lang] for o in spec["learningOutcome"]] == a["learningOutcome"]
    skills = {
        s["id"]: s["prefLabel"][lang] for o in spec["learningOutcome"] for s in o.get("relatedESCOSkill", [])
    }
    for alignment in a["alignment"]:
        if alignment["targetFramework"] == "ESCO":
            assert skills[alignment["targetUrl"]] == alignment["targetName"]
        else:
            assert alignment["targetUrl"] == spec["eqfLevel"]["id"]
    yield from ("a.learningOutcome", "a.alignment", "a.criteria")
    assessment = spec["provenBy"]
    parts = assessment.get("hasPart", [assessment])
    assert [concept_ids(part["dcType"])[0] for part in parts] == a["assessmentType"]
    assert assessment["mode"]["id"] == spec["mode"]["id"] == a["participationForm"]
    assert [concept_ids(q["dcType"])[0] for q in spec["accreditation"]] == a["qualityAssuranceType"]
    yield from ("a.assessmentType", "a.participationForm", "a.qualityAssuranceType")
    if "resultDescription" in a:
        (description,) = a["resultDescription"]
        scheme = assessment["gradingScheme"]
        assert scheme["id"] == description["id"]
        assert scheme["title"] == {lang: description["name"]}
        text = scheme["description"][lang]
        assert description["resultType"] in text
        assert all(value in text for value in description["allowedValue"])
        assert description["requiredValue"] in text
        yield "a.resultDescription"
    optional = {
        "qfEheaCycle": lambda v: spec["educationLevel"]["id"] == v,
        "qualityAssuranceReport": lambda v: all(
            q["report"]["contentURL"] == v for q in spec["accreditation"]
        ),
        "prerequisites": lambda v: spec["entryRequirement"]["noteLiteral"] == {lang: v},
        "supervisionVerification": lambda v: (
            v in note_subjects(spec)
            and ("provenBy" not in claim or claim["provenBy"]["idVerification"]["id"] == v)
        ),
        "integration": lambda v: (
            v in note_subjects(spec)
            and spec.get("isPartialQualification") == (False if v.endswith("#StandAlone") else None)
        ),
        "stackableTowards": lambda v: all(any(t in n for n in notes(spec)) for t in v),
        "language": lambda v: concept_ids(spec["language"]) == v,
        "iscedF": lambda v: concept_ids(spec["thematicArea"]) == v,
        "furtherInformation": lambda v: v in notes(spec),
        "humanCode": lambda v: spec["identifier"]["notation"] == v,
    }
    for key, holds in optional.items():
        if key in a:
            assert holds(a[key]), key
            yield f"a.{key}"
    if "id" in a["criteria"]:
        assert spec["homepage"]["contentURL"] == a["criteria"]["id"]


@pytest.mark.parametrize("full", [False, True], ids=["demo", "every-optional-element"])
def test_every_element_of_the_ob3_record_is_in_the_elm_form(full: bool) -> None:
    d = definition(**FULL) if full else definition()
    credential = ob3(d, full=full)
    compared = set(compare(credential, elm_credential(credential, definition=d, legal_identifier=LEGAL)))
    subject = credential["credentialSubject"]
    elements = (
        set(credential)
        | {f"credentialSubject.{k}" for k in subject}
        | {f"a.{k}" for k in subject["achievement"]}
        | {f"issuer.{k}" for k in credential["issuer"]}
    )
    explained = elements & set(CARRIED_ELSEWHERE)
    assert elements - compared - explained == set()


def test_each_outcome_carries_its_own_esco_skills_given_the_definition() -> None:
    d = definition()
    outcomes = elm_credential(ob3(d), definition=d)["credentialSubject"]["hasClaim"]["specifiedBy"][
        "learningOutcome"
    ]
    assert [[s["id"] for s in o["relatedESCOSkill"]] for o in outcomes] == [
        [s.uri for s in outcome.esco_skills] for outcome in d.learning_outcomes
    ]


def test_without_the_definition_the_skills_are_kept_on_one_more_outcome() -> None:
    d = definition()
    outcomes = elm_credential(ob3(d))["credentialSubject"]["hasClaim"]["specifiedBy"]["learningOutcome"]
    assert [o["title"]["en"] for o in outcomes[:-1]] == [o.text for o in d.learning_outcomes]
    assert all("relatedESCOSkill" not in o for o in outcomes[:-1])
    assert [s["id"] for s in outcomes[-1]["relatedESCOSkill"]] == [
        s.uri for o in d.learning_outcomes for s in o.esco_skills
    ]


# --- concepts ---------------------------------------------------------------------------------------------------


def test_every_concept_iri_is_one_the_issuers_lists_know() -> None:
    d = definition(**FULL)
    graph = default_graph(signed_export(d, full=True))
    concepts = {str(c) for c in graph.subjects(RDF_TYPE, CONCEPT)}
    known = {c.uri for name in VOCABULARIES for c in vocabulary(name).concepts} | set(ELM_FIXED_CONCEPTS)
    skills = {s.uri for o in d.learning_outcomes for s in o.esco_skills}
    assert all(uri.startswith(ESCO_SKILL_PREFIX) for uri in skills)
    assert concepts - known == skills
    assert len(concepts) >= 15


def test_a_value_outside_the_issuers_lists_is_refused() -> None:
    credential = ob3(definition())
    credential["credentialSubject"]["achievement"]["eqfLevel"] = "http://data.europa.eu/snb/eqf/9"
    with pytest.raises(InvalidInput, match="eqf-levels"):
        elm_credential(credential)


# --- the proof --------------------------------------------------------------------------------------------------


def test_the_export_carries_an_eddsa_rdfc_2022_proof_by_the_institutions_key_that_verifies() -> None:
    exported = signed_export(definition(**FULL), full=True)
    assert exported["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert exported["proof"]["verificationMethod"] == SIGNER.verification_method
    result = suites.verify(exported, resolver=suites.DidKeyResolver(), loader=offline_loader())
    assert result.verified, result


@pytest.mark.parametrize(
    "path",
    [
        ("credentialSubject", "hasClaim", "provenBy", "grade", "noteLiteral", "en"),
        ("credentialSubject", "hasClaim", "specifiedBy", "creditPoint", "point"),
        ("credentialSubject", "hasClaim", "specifiedBy", "eqfLevel", "id"),
        ("issuer", "legalName", "en"),
        ("validFrom",),
    ],
    ids=lambda p: ".".join(p),
)
def test_the_proof_fails_after_tampering(path: tuple[str, ...]) -> None:
    exported = signed_export(definition(**FULL), full=True)
    node: Any = exported
    for key in path[:-1]:
        node = node[key]
    changed = {"id": "http://data.europa.eu/snb/eqf/7", "validFrom": "2020-01-01T00:00:00Z"}
    node[path[-1]] = changed.get(path[-1], "Tampered")
    if path[-1] == "point":
        node["point"] = "20"
    result = suites.verify(exported, resolver=suites.DidKeyResolver(), loader=offline_loader())
    assert not result.verified
