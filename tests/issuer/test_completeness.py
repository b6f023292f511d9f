"""The EU completeness rule and the OB3 schema run before signing; each missing element is listed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from microcred.issuer import (
    DEMO_ACHIEVEMENT,
    AchievementDefinition,
    Award,
    IssuerProfile,
    Learner,
    achievement_document,
    build_credential,
    check_before_signing,
    eu_findings,
)
from microcred.vc.errors import ValidationFailed

WHEN = datetime(2026, 6, 30, 12, tzinfo=UTC)


def credential() -> dict[str, Any]:
    d = AchievementDefinition.model_validate(DEMO_ACHIEVEMENT).normalized()
    return build_credential(
        credential_id="urn:uuid:00000000-0000-4000-8000-000000000001",
        issuer=IssuerProfile(
            did="did:web:issuer.example", name="Zed", url="https://zed.example", country="IE"
        ),
        achievement=achievement_document(
            d, achievement_id="https://issuer.example/achievements/a/versions/1", version=1
        ),
        award=Award(learner=Learner(email="a@example.org"), awarded_date=WHEN, valid_from=WHEN),
        salt="s",
    )


def _a(c: dict[str, Any]) -> dict[str, Any]:
    achievement: dict[str, Any] = c["credentialSubject"]["achievement"]
    return achievement


REMOVALS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "M1": lambda c: c["credentialSubject"].pop("identifier"),
    "M2": lambda c: _a(c).update(name=" "),
    "M3": lambda c: c["issuer"]["address"].pop("addressCountryCode"),
    "M4": lambda c: c["issuer"].pop("name"),
    "M5": lambda c: c.pop("awardedDate"),
    "M6": lambda c: _a(c).pop("learningOutcome"),
    "M7": lambda c: _a(c).pop("creditsAvailable"),
    "M8": lambda c: _a(c).update(eqfLevel="http://data.europa.eu/snb/eqf/9"),
    "M9": lambda c: _a(c).update(assessmentType=[]),
    "M10": lambda c: _a(c).pop("participationForm"),
    "M11": lambda c: _a(c).pop("qualityAssuranceType"),
}


def test_complete_credential_passes() -> None:
    assert eu_findings(credential()) == []
    check_before_signing(credential())


@pytest.mark.parametrize("element", sorted(REMOVALS))
def test_each_missing_mandatory_element_is_named(element: str) -> None:
    c = credential()
    REMOVALS[element](c)
    assert element in {f.element for f in eu_findings(c)}
    with pytest.raises(ValidationFailed) as caught:
        check_before_signing(c)
    assert element in caught.value.detail


def test_all_missing_elements_are_listed_at_once() -> None:
    c = credential()
    for element in ("M6", "M9", "M11"):
        REMOVALS[element](c)
    with pytest.raises(ValidationFailed) as caught:
        check_before_signing(c)
    listed = [e.get("element") for e in caught.value.errors]
    assert {"M6", "M9", "M11"} <= set(listed)
    assert "M6, M9, M11" in caught.value.detail


def test_optional_values_outside_their_vocabulary_are_findings() -> None:
    c = credential()
    _a(c)["supervisionVerification"] = "https://example.org/proctored"
    assert [f.pointer for f in eu_findings(c)] == ["/credentialSubject/achievement/supervisionVerification"]


def test_schema_violations_are_reported_too() -> None:
    c = credential()
    c["credentialSubject"]["identifier"][0]["oops"] = True
    with pytest.raises(ValidationFailed) as caught:
        check_before_signing(c)
    assert any(e["pointer"] == "/credentialSubject/identifier/0" for e in caught.value.errors)
