"""The EU check finds the elements where peers put them: SURF Edubadges' OB 3.0 shape and EBSI diplomas.

The credentials are read in place from ../shared (``ob3/`` and ``realworld/credentials/``); the negative cases
change one value of them, so each shows that a value is taken only when it really is the element.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from microcred.verifier.eu import check_eu_elements
from microcred.verifier.report import Check
from tests.factories import SHARED

pytestmark = pytest.mark.shared

EDUBADGES = SHARED / "ob3" / "edubadges-theed_microcredential_full_ho.json"
EBSI_DIPLOMA = SHARED / "realworld" / "credentials" / "ebsi4austria-diploma-secp256k1.json"


def load(path: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def elements(credential: dict[str, Any]) -> dict[str, Check]:
    checks, _ = check_eu_elements(credential)
    return {c.id: c for c in checks}


def achievement(credential: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = credential["credentialSubject"]["achievement"]
    return found


def test_edubadges_credential_gives_every_mandatory_element_each_from_where_edubadges_puts_it() -> None:
    checks, complete = check_eu_elements(load(EDUBADGES))
    got = {c.id: c for c in checks}
    assert complete is True
    expected: dict[str, tuple[Any, str]] = {
        "eu:M1": ({"id": "https://example.com/students/stu-4D5E6F"}, "found in the credential subject's id."),
        "eu:M2": (
            "Minor: Jedi Mind Control and Advanced Meditation Practices",
            "Minor: Jedi Mind Control and Advanced Meditation Practices, from the achievement's name.",
        ),
        "eu:M3": (
            {"addressCountryCode": "XX", "addressCountry": "Naboo"},
            "found in the issuer's address (addressCountryCode, addressCountry).",
        ),
        "eu:M4": (
            {"id": "https://example.com/issuers/iss-9Z8Y7X", "name": "Naboo Theed University"},
            "Naboo Theed University, from the issuer's profile.",
        ),
        "eu:M5": ({"validFrom": "2024-08-30T00:00:00Z"}, "found in the credential's validFrom."),
        "eu:M6": (
            "To earn this badge, you must attend the colleges on Mind Control, and on Meditation. "
            "You must pass a practical test and submit a written essay.",
            "found in the achievement's criteria narrative.",
        ),
        "eu:M7": ({"ECTS": 3.0}, "3 ECTS, from the Edubadges ECTS term."),
        "eu:M8": (
            {"eqfLevel": "http://data.europa.eu/snb/eqf/4"},
            "EQF level 4, from an alignment to the EQF framework.",
        ),
        "eu:M9": ("testing", "testing, from the Edubadges assessmentType term."),
        "eu:M10": (
            {"participationForm": "onsite or blended"},
            "onsite or blended, from the Edubadges participationType term.",
        ),
        "eu:M11": (
            [
                {
                    "targetName": "M Psychological Assessment",
                    "targetCode": "AV-4223",
                    "targetUrl": "https://data.example.com/decisions/AV-4223",
                }
            ],
            "M Psychological Assessment, from an alignment to a quality assurance decision.",
        ),
    }
    assert set(got) == set(expected)
    for code, (value, where) in expected.items():
        assert got[code].status == "passed", got[code].sentence
        assert got[code].value == value, code
        assert got[code].sentence.endswith(f": {where}"), got[code].sentence


def test_ebsi_diploma_gives_its_eqf_level_title_awarding_body_date_and_learner() -> None:
    got = elements(load(EBSI_DIPLOMA))
    assert got["eu:M8"].value == {"eqfLevel": "http://data.europa.eu/snb/eqf/7"}
    assert got["eu:M8"].sentence.endswith(": EQF level 7, from the EBSI diploma's eqfLevel.")
    assert got["eu:M2"].value == {
        "learningAchievement": "Master of Science",
        "studyProgram": "Master Studies in Computer Science",
    }
    assert "from the EBSI diploma's learningAchievement and studyProgram" in got["eu:M2"].sentence
    assert got["eu:M4"].value == {"id": "did:ebsi:FqiyP831qX5xUD66CCAKMDs225QNb9Sp3UHvbJ9tSDn6"}
    assert "the EBSI attestation's issuer" in got["eu:M4"].sentence
    assert got["eu:M5"].value == {"issuanceDate": "2021-09-18T12:17:49Z"}
    assert got["eu:M1"].value == {"id": "did:key:z6MkqyYXcBQZ5hZ9BFHBiVnmrZ1C1HCpesgZQoTdgjLdU6Ah"}
    # what a diploma does not carry stays missing: nothing is invented for it
    for code in ("eu:M3", "eu:M6", "eu:M7", "eu:M9", "eu:M10", "eu:M11"):
        assert got[code].status == "failed", code
        assert got[code].value is None


def test_an_alignment_to_another_framework_than_the_eqf_is_not_an_eqf_level() -> None:
    credential = load(EDUBADGES)
    for alignment in achievement(credential)["alignment"]:
        if alignment["targetType"] == "ext:EQF":
            alignment["targetType"] = "ext:NLQF"
            alignment["targetName"] = "NLQF level 4"
    got = elements(credential)["eu:M8"]
    assert got.status == "failed"
    assert got.sentence.endswith(": missing.")
    assert got.value is None


@pytest.mark.parametrize("ects", ["three", "3", True, 0, -2, None, [3]])
def test_an_ects_value_that_is_not_a_positive_number_is_refused_and_said(ects: Any) -> None:
    credential = load(EDUBADGES)
    achievement(credential)["ECTS"] = ects
    got = elements(credential)["eu:M7"]
    assert got.status == "failed"
    assert got.value is None
    assert f"(the ECTS value {ects!r} is not a positive number)" in got.sentence


@pytest.mark.parametrize("code", ["0", "9", "four", "", "4a"])
def test_an_eqf_alignment_outside_levels_1_to_8_is_refused_and_said(code: str) -> None:
    credential = load(EDUBADGES)
    for alignment in achievement(credential)["alignment"]:
        if alignment["targetType"] == "ext:EQF":
            alignment["targetCode"] = code
    got = elements(credential)["eu:M8"]
    assert got.status == "failed"
    assert f"the alignment to the EQF framework gives level {code!r}, not one of 1 to 8" in got.sentence


@pytest.mark.parametrize(
    "level",
    ["http://data.europa.eu/snb/eqf/9", "http://data.europa.eu/snb/eqf/0", "12", "https://example.org/eqf/7"],
)
def test_an_ebsi_eqf_level_that_is_not_an_eqf_iri_1_to_8_is_refused(level: str) -> None:
    credential = load(EBSI_DIPLOMA)
    credential["credentialSubject"]["eqfLevel"] = level
    got = elements(credential)["eu:M8"]
    assert got.status == "failed"
    assert f"the EBSI diploma's eqfLevel {level!r} is not an EQF level 1 to 8" in got.sentence


def test_edubadges_terms_count_only_on_an_achievement_typed_for_their_context() -> None:
    credential = load(EDUBADGES)
    achievement(credential)["type"] = [
        "Achievement"
    ]  # without EducredentialAchievement the terms mean nothing
    got = elements(credential)
    for code in ("eu:M7", "eu:M10"):
        assert got[code].status == "failed", got[code].sentence
    assert "Edubadges" not in got["eu:M9"].sentence


def test_an_eqf_level_outside_an_ebsi_attestation_is_not_read_from_the_subject() -> None:
    credential = load(EBSI_DIPLOMA)
    credential["type"] = ["VerifiableCredential"]
    got = elements(credential)
    assert got["eu:M8"].status == "failed"
    assert got["eu:M2"].status == "failed"
