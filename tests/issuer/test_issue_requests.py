"""Issue requests checked by the issuer library, with no app: a VC-API unsigned credential, a learner's plain fields
and a batch row, each into an Award (or the problem naming the field)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from microcred.issuer import CONTEXTS
from microcred.issuer.issue_requests import award_from_row, learner_from_fields, parse_vcapi_credential
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
