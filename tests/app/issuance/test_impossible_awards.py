"""Issue 15 point 5: no impossible awards. Each rule through the HTTP API (422 problem+json, the JSON pointer of
the field) and in a batch (the failed row names its row and field)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.issuer.factories import DID_KEY, definition, issuing

PAST_COHORT = "2026-01-01T00:00:00Z"  # the achievement's offeredSince in these tests


def future(app: FastAPI, **delta: float) -> str:
    return (app.state.services.clock() + timedelta(**delta)).isoformat().replace("+00:00", "Z")


# rule, VC-API credential changes, the field's pointer, the batch row's fields, the row field's pointer
RULES: list[
    tuple[str, Callable[[FastAPI], dict[str, Any]], str, Callable[[FastAPI], dict[str, Any]], str]
] = [
    (
        "ects-earned-above-available",
        lambda app: {"credentialSubject": {"creditsEarned": 2.5}},
        "/credential/credentialSubject/creditsEarned",
        lambda app: {"ects": "2.5"},
        "ects",
    ),
    (
        "result-outside-allowed-values",
        lambda app: {"credentialSubject": {"result": [{"value": "Excellent"}]}},
        "/credential/credentialSubject/result/0/value",
        lambda app: {"grade": "Excellent"},
        "grade",
    ),
    (
        "result-below-required-value",
        lambda app: {"credentialSubject": {"result": [{"value": "Fail"}]}},
        "/credential/credentialSubject/result/0/value",
        lambda app: {"grade": "Fail"},
        "grade",
    ),
    (
        "assessment-date-in-the-future",
        lambda app: {"credentialSubject": {"assessmentDate": future(app, hours=1)}},
        "/credential/credentialSubject/assessmentDate",
        lambda app: {"assessmentDate": future(app, hours=1)},
        "assessmentDate",
    ),
    (
        "award-date-in-the-future",
        lambda app: {"awardedDate": future(app, days=2)},
        "/credential/awardedDate",
        lambda app: {"awardedDate": future(app, days=2)},
        "awardedDate",
    ),
    (
        "assessment-date-before-the-achievement-existed",
        lambda app: {"credentialSubject": {"assessmentDate": "2025-12-31T23:00:00Z"}},
        "/credential/credentialSubject/assessmentDate",
        lambda app: {"assessmentDate": "2025-12-31T23:00:00Z"},
        "assessmentDate",
    ),
    (
        "award-date-before-the-achievement-existed",
        lambda app: {"awardedDate": "2025-12-31T23:00:00Z"},
        "/credential/awardedDate",
        lambda app: {"awardedDate": "2025-12-31T23:00:00Z"},
        "awardedDate",
    ),
    (
        "valid-until-not-after-valid-from",
        lambda app: {"validFrom": "2026-06-01T00:00:00Z", "validUntil": "2026-06-01T00:00:00Z"},
        "/credential/validUntil",
        lambda app: {"validFrom": "2026-06-01T00:00:00Z", "validUntil": "2026-05-01T00:00:00Z"},
        "validUntil",
    ),
    (
        "evidence-url-not-https",
        lambda app: {"evidence": [{"id": "javascript:alert(1)", "name": "Portfolio"}]},
        "/credential/evidence/0/id",
        lambda app: {"evidenceUrl": "javascript:alert(1)"},
        "evidenceUrl",
    ),
]


@pytest.fixture
def it(client: TestClient, new_institution: Callable[..., Any]) -> Any:
    return issuing(client, new_institution(), offeredSince=PAST_COHORT)


@pytest.mark.parametrize(("rule", "changes", "pointer"), [r[:3] for r in RULES], ids=[r[0] for r in RULES])
def test_an_impossible_award_is_a_422_naming_the_field(
    app: FastAPI, it: Any, rule: str, changes: Callable[[FastAPI], dict[str, Any]], pointer: str
) -> None:
    body = it.subject(id=DID_KEY)
    for key, value in changes(app).items():
        if key == "credentialSubject":
            body["credentialSubject"].update(value)
        else:
            body[key] = value
    response = it.issue(body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert pointer in [e["pointer"] for e in problem.get("errors", [])] or problem.get("pointer") == pointer


def test_a_possible_award_on_the_edges_is_issued(app: FastAPI, it: Any) -> None:
    """The limits themselves are possible: all ECTS, the required result, dated now and on the first day."""
    body = it.subject(id=DID_KEY)
    body["credentialSubject"].update(creditsEarned=2, result=[{"value": "Pass"}], assessmentDate=PAST_COHORT)
    body["awardedDate"] = future(app, minutes=1)  # within clock skew
    body["evidence"] = [{"id": "https://uni.example/evidence/1"}]
    response = it.issue(body)
    assert response.status_code == 201, response.text


def test_an_achievement_that_records_every_result_may_award_one_below_the_required_value(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    scale = {**definition()["gradeScale"], "recordsAllResults": True}
    it = issuing(client, new_institution(), gradeScale=scale)
    body = it.subject(id=DID_KEY)
    body["credentialSubject"]["result"] = [{"value": "Fail"}]
    response = it.issue(body)
    assert response.status_code == 201, response.text


def test_the_awards_route_names_its_own_fields(client: TestClient, it: Any) -> None:
    response = client.post(
        f"/achievements/{it.achievement_id}/awards",
        json={"learner": {"did": DID_KEY}, "result": {"ectsAwarded": 3}},
        headers=it.headers,
    )
    assert response.status_code == 422, response.text
    assert [e["pointer"] for e in response.json()["errors"]] == ["/result/ectsAwarded"]


@pytest.mark.parametrize(
    ("rule", "row", "field"), [(r[0], r[3], r[4]) for r in RULES], ids=[r[0] for r in RULES]
)
def test_a_batch_row_with_an_impossible_award_fails_naming_its_row(
    app: FastAPI,
    client: TestClient,
    it: Any,
    rule: str,
    row: Callable[[FastAPI], dict[str, Any]],
    field: str,
) -> None:
    lines = [{"did": DID_KEY, "grade": "Pass"}, {"did": DID_KEY, "grade": "Pass", **row(app)}]
    response = client.post(
        "/batches",
        params={"achievement": it.achievement_id},
        content="\n".join(json.dumps(line) for line in lines).encode(),
        headers={**it.headers, "Content-Type": "application/jsonl"},
    )
    assert response.status_code == 202, response.text
    status = client.get(f"/batches/{response.json()['id']}", headers=it.headers).json()
    assert (status["done"], status["failed"]) == (1, 1)
    (error,) = status["errors"]
    assert error["row"] == 2
    assert field in error["error"]  # as a pointer (/rows/2/...) or by its column name


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"name": "   "}, "/name"),
        ({"eqfLevel": "7", "qfEheaCycle": "first"}, "/qfEheaCycle"),
        ({"eqfLevel": "6", "qfEheaCycle": "short"}, "/qfEheaCycle"),
    ],
    ids=["blank-title", "eqf-7-first-cycle", "eqf-6-short-cycle"],
)
def test_an_impossible_definition_is_a_422_naming_the_field(
    client: TestClient, new_institution: Callable[..., Any], changes: dict[str, Any], pointer: str
) -> None:
    institution = new_institution()
    headers = {"Authorization": f"Bearer {institution['apiKey']['key']}"}
    response = client.post("/achievements", json=definition(**changes), headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == [pointer]


def test_a_wallet_offer_of_an_impossible_award_is_refused_before_it_is_stored(
    client: TestClient, it: Any
) -> None:
    body = {
        "achievement": it.achievement_id,
        "learner": {"email": "ana@example.org"},
        "result": {"grade": "Fail"},
    }
    response = client.post("/credentials/offers", json=body, headers=it.headers)
    assert response.status_code == 422, response.text
    assert [e["pointer"] for e in response.json()["errors"]] == ["/result/grade"]
