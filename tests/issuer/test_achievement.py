"""Achievement definitions: every EU element checked against its vocabulary and mapped onto OB 3.0 + our context."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from microcred.issuer import DEMO_ACHIEVEMENT, AchievementDefinition, achievement_document
from microcred.issuer.achievement import ECTS
from microcred.vc.errors import ValidationFailed

URL = "https://issuer.example/achievements/3f1c/versions/2"


def definition(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(DEMO_ACHIEVEMENT)
    body.update(changes)
    return body


def test_codes_become_eu_uris() -> None:
    d = AchievementDefinition.model_validate(
        definition(eqfLevel=7, qfEheaCycle="second", languages=["en", "de"])
    ).normalized()
    assert d.eqf_level == "http://data.europa.eu/snb/eqf/7"
    assert d.participation_form == "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"
    assert d.languages == [
        "http://publications.europa.eu/resource/authority/language/ENG",
        "http://publications.europa.eu/resource/authority/language/DEU",
    ]


def test_uris_are_accepted_as_given() -> None:
    uri = "http://data.europa.eu/snb/assessment/6e6cb2cc78"
    d = AchievementDefinition.model_validate(definition(assessmentTypes=[uri])).normalized()
    assert d.assessment_types == [uri]


def test_every_unknown_value_is_reported_with_its_field_and_allowed_values() -> None:
    body = definition(
        eqfLevel="9", participationForm="hybrid", assessmentTypes=["quiz", "vibes"], iscedF=["9999"]
    )
    with pytest.raises(ValidationFailed) as caught:
        AchievementDefinition.model_validate(body).normalized()
    by_pointer = {e["pointer"]: e["detail"] for e in caught.value.errors}
    assert set(by_pointer) == {"/eqfLevel", "/participationForm", "/assessmentTypes/1", "/iscedF/0"}
    assert by_pointer["/eqfLevel"].startswith('"eqfLevel" must be one of 1, 2, 3, 4, 5, 6, 7, 8')
    assert "online, onsite, blended" in by_pointer["/participationForm"]


@pytest.mark.parametrize(
    "missing",
    [
        "name",
        "description",
        "learningOutcomes",
        "ects",
        "eqfLevel",
        "assessmentTypes",
        "participationForm",
        "qualityAssuranceTypes",
    ],
)
def test_mandatory_definition_elements_are_required(missing: str) -> None:
    body = definition()
    body.pop(missing)
    with pytest.raises(ValidationError):
        AchievementDefinition.model_validate(body)


def test_esco_alignment_must_be_an_esco_skill() -> None:
    outcomes = [{"text": "x", "escoSkills": [{"uri": "https://example.org/skill", "label": "x"}]}]
    with pytest.raises(ValidationError):
        AchievementDefinition.model_validate(definition(learningOutcomes=outcomes))


def test_document_maps_each_element() -> None:
    d = AchievementDefinition.model_validate(definition()).normalized()
    a = achievement_document(d, achievement_id=URL, version=2)
    assert a["id"] == URL
    assert a["version"] == "2"
    assert a["type"] == ["Achievement", "EUMicroCredential"]
    assert a["achievementType"] == "MicroCredential"
    assert a["creditsAvailable"] == 2
    assert a["creditSystem"] == ECTS
    assert a["eqfLevel"] == "http://data.europa.eu/snb/eqf/6"
    assert a["alignment"][0]["targetUrl"] == "http://data.europa.eu/snb/eqf/6"
    assert {al["targetUrl"] for al in a["alignment"][1:]} == {
        "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a",
        "http://data.europa.eu/esco/skill/80f308e6-0e09-404a-80cd-ec5f50f6f304",
    }
    assert a["learningOutcome"] == [o["text"] for o in DEMO_ACHIEVEMENT["learningOutcomes"]]
    assert a["criteria"]["narrative"].startswith("- Develop digital content")
    assert a["qualityAssuranceType"] == ["http://data.europa.eu/snb/accreditation/bb4618238e"]
    assert a["supervisionVerification"] == "http://data.europa.eu/snb/supervision-verification/c598449d64"
    assert a["integration"] == "https://microcred.eu/vocab/eu-microcredential#StandAlone"
    assert a["iscedF"] == ["http://data.europa.eu/snb/isced-f/0688"]
    assert a["inLanguage"] == "en"
    assert a["resultDescription"][0]["allowedValue"] == ["Fail", "Pass"]


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"name": " \t"}, "/name"),
        ({"eqfLevel": 8, "qfEheaCycle": "second"}, "/qfEheaCycle"),
        ({"eqfLevel": 5, "qfEheaCycle": "first"}, "/qfEheaCycle"),
    ],
    ids=["blank-title", "eqf-8-second-cycle", "eqf-5-first-cycle"],
)
def test_an_impossible_definition_names_the_field(changes: dict[str, Any], pointer: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        AchievementDefinition.model_validate(definition(**changes)).normalized()
    assert [e["pointer"] for e in refused.value.errors] == [pointer]


@pytest.mark.parametrize(("cycle", "level"), [("short", 5), ("first", 6), ("second", 7), ("third", 8)])
def test_each_qf_ehea_cycle_goes_with_its_eqf_level(cycle: str, level: int) -> None:
    AchievementDefinition.model_validate(definition(eqfLevel=level, qfEheaCycle=cycle)).normalized()
