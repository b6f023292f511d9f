"""Issue requests checked by the issuer library, with no app: a VC-API unsigned credential, a learner's plain fields
and a batch row, each into an Award (or the problem naming the field)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from microcred.issuer import CONTEXTS
from microcred.issuer.issue_requests import (
    award_from_row,
    evidence_items,
    learner_from_fields,
    parse_vcapi_credential,
)
from microcred.vc.errors import InvalidInput, IssuerMismatch

NOW = datetime(2026, 3, 1, tzinfo=UTC)
ISSUER = "did:web:uni.example:issuers:a"
ACHIEVEMENT = "https://uni.example/achievements/x/versions/1"
LEARNER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def credential(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "type": ["VerifiableCredential", "AchievementCredential"],
        "credentialSubject": {"id": LEARNER, "achievement": {"id": ACHIEVEMENT}},
    }
    base.update(changes)
    return base


def test_a_vc_api_credential_names_its_achievement_and_learner() -> None:
    request = parse_vcapi_credential(credential(validFrom="2026-03-02T00:00:00Z"), issuer_did=ISSUER, now=NOW)
    assert request.achievement_url == ACHIEVEMENT
    assert request.award.learner.did == LEARNER
    assert request.award.valid_from == datetime(2026, 3, 2, tzinfo=UTC)


def test_a_credential_naming_another_issuer_is_refused() -> None:
    with pytest.raises(IssuerMismatch) as info:
        parse_vcapi_credential(credential(issuer="did:web:other.example"), issuer_did=ISSUER, now=NOW)
    assert info.value.pointer == "/credential/issuer"


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"proof": {}}, "/credential/proof"),
        (
            {"@context": ["https://www.w3.org/ns/credentials/v2", "https://example.com/ctx"]},
            "/credential/@context",
        ),
        ({"type": ["Thing"]}, "/credential/type"),
        ({"credentialSubject": {"achievement": {"id": ACHIEVEMENT}}}, "/credential/credentialSubject"),
    ],
)
def test_a_bad_vc_api_credential_names_the_field(changes: dict[str, Any], pointer: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_vcapi_credential(credential(**changes), issuer_did=ISSUER, now=NOW)
    assert info.value.pointer == pointer


def test_a_learner_is_a_did_or_an_email() -> None:
    assert learner_from_fields(did=LEARNER, name=None, email=None, pointer="/learner").did == LEARNER
    assert learner_from_fields(did=None, name="Ada", email="ada@example.org", pointer="/learner").email == (
        "ada@example.org"
    )
    with pytest.raises(InvalidInput) as info:
        learner_from_fields(did=None, name="Ada", email="not-an-address", pointer="/learner")
    assert info.value.pointer == "/learner/email"
    with pytest.raises(InvalidInput) as info:
        learner_from_fields(did="mailto:ada", name=None, email=None, pointer="/learner")
    assert info.value.pointer == "/learner/did"


def test_a_batch_row_becomes_an_award_dated_now_unless_it_says_otherwise() -> None:
    row = {"email": "ada@example.org", "grade": "A", "ects": "5", "evidenceUrl": "https://uni.example/e/1"}
    award = award_from_row(row, now=NOW, pointer="/rows/3")
    assert (award.valid_from, award.awarded_date, award.grade, award.ects_awarded) == (NOW, NOW, "A", 5.0)
    assert award.evidence == [{"id": "https://uni.example/e/1", "name": "Evidence"}]
    with pytest.raises(InvalidInput) as info:
        award_from_row({**row, "validUntil": "soon"}, now=NOW, pointer="/rows/3")
    assert info.value.pointer == "/rows/3/validUntil"


def _award(**changes: Any) -> Any:
    from microcred.issuer import Award, Learner

    fields: dict[str, Any] = {"learner": Learner(did=LEARNER), "awarded_date": NOW, "valid_from": NOW}
    fields.update(changes)
    return Award(**fields)


@pytest.mark.parametrize(
    ("changes", "pointer", "words"),
    [
        ({"ects_awarded": 2.5}, "/rows/1/ects", "more than the 2 ECTS"),
        ({"grade": "Excellent"}, "/rows/1/grade", "not on the grade scale"),
        ({"grade": "Fail"}, "/rows/1/grade", "below the required result"),
        ({"assessment_date": NOW + timedelta(minutes=6)}, "/rows/1/assessmentDate", "in the future"),
        ({"awarded_date": NOW + timedelta(days=1)}, "/rows/1/awardedDate", "in the future"),
        (
            {"assessment_date": NOW - timedelta(days=31)},
            "/rows/1/assessmentDate",
            "before the achievement existed",
        ),
        ({"valid_until": NOW}, "/rows/1/validUntil", '"validUntil" must be after "validFrom"'),
    ],
    ids=[
        "ects",
        "outside-scale",
        "below-required",
        "assessed-later",
        "awarded-later",
        "before-defined",
        "validity",
    ],
)
def test_check_award_refuses_what_cannot_have_happened(
    changes: dict[str, Any], pointer: str, words: str
) -> None:
    from microcred.issuer import DEMO_ACHIEVEMENT, AchievementDefinition
    from microcred.issuer.issue_requests import check_award, row_fields
    from microcred.vc.errors import ValidationFailed

    definition = AchievementDefinition.model_validate(DEMO_ACHIEVEMENT)
    with pytest.raises(ValidationFailed) as refused:
        check_award(
            _award(**changes),
            definition=definition,
            defined_at=NOW - timedelta(days=30),
            now=NOW,
            fields=row_fields("/rows/1"),
        )
    (error,) = refused.value.errors
    assert error["pointer"] == pointer
    assert words in error["detail"]


def test_check_award_allows_the_limits_and_a_recorded_failure_when_the_scale_records_all_results() -> None:
    from microcred.issuer import DEMO_ACHIEVEMENT, AchievementDefinition
    from microcred.issuer.issue_requests import VCAPI_FIELDS, check_award

    scale = {**DEMO_ACHIEVEMENT["gradeScale"], "recordsAllResults": True}
    definition = AchievementDefinition.model_validate({**DEMO_ACHIEVEMENT, "gradeScale": scale})
    award = _award(ects_awarded=2.0, grade="Fail", assessment_date=NOW + timedelta(minutes=4))
    check_award(award, definition=definition, defined_at=NOW, now=NOW, fields=VCAPI_FIELDS)


def test_evidence_must_be_https() -> None:
    with pytest.raises(InvalidInput) as refused:
        evidence_items([{"id": "https://ok.example/e"}, {"id": "javascript:alert(1)"}], "/evidence")
    assert refused.value.pointer == "/evidence/1/id"
    with pytest.raises(InvalidInput) as row:
        award_from_row({"did": LEARNER, "evidenceUrl": "http://plain.example/e"}, now=NOW, pointer="/rows/3")
    assert row.value.pointer == "/rows/3/evidenceUrl"
