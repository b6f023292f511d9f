"""TRQP authorization queries: request parsing, the decision and the response shape."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from microcred.registry import Scope, StateChange, decide, parse_query, trqp_response
from microcred.vc.errors import InvalidInput
from tests.registry.factories import DID, ISSUED, NOW, T0, WITHDRAWN, entry

AUTHORITY = "did:web:registry.example:registry"
NAME = "the test registry"


def request(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "entity_id": DID,
        "authority_id": AUTHORITY,
        "action": "issue",
        "resource": "eu-microcredential",
        "context": {
            "time": "2026-03-01T00:00:00Z",
            "eqfLevel": "6",
            "achievementType": "MicroCredential",
            "iscedF": "0613",
        },
    }
    body.update(overrides)
    return body


def answer(body: dict[str, Any], entries: list[Any]) -> dict[str, Any]:
    return trqp_response(parse_query(body), entries=entries, authority_id=AUTHORITY, registry=NAME, now=NOW)


def test_listed_and_in_scope_is_authorized_with_the_trqp_response_fields() -> None:
    got = answer(request(), [entry()])
    assert got["authorized"] is True
    assert set(got) == {
        "entity_id",
        "authority_id",
        "action",
        "resource",
        "authorized",
        "time_requested",
        "time_evaluated",
        "message",
        "context",
    }
    assert got["time_requested"] == "2026-03-01T00:00:00Z"
    assert got["time_evaluated"] == "2026-11-01T00:00:00Z"
    assert "University of Zed" in got["message"]
    assert NAME in got["message"]


def test_never_listed_is_a_denial_not_an_error() -> None:
    got = answer(request(entity_id="did:web:nobody.example"), [entry()])
    assert got["authorized"] is False
    assert got["message"] == f"did:web:nobody.example is not listed in {NAME}."


def test_out_of_scope_names_what_is_outside() -> None:
    got = answer(request(resource="eu-microcredential:eqf-7", context={"eqfLevel": "7"}), [entry()])
    assert got["authorized"] is False
    assert "EQF level 7 is not among levels 5, 6" in got["message"]


def test_time_decides_and_a_later_withdrawal_is_shown() -> None:
    withdrawn = entry(history=(StateChange("active", T0), StateChange("withdrawn", WITHDRAWN)))
    then = answer(request(), [withdrawn])
    assert then["authorized"] is True
    assert "withdrawn on 2026-06-01" in then["message"]
    later = answer(request(context={"time": "2026-07-01T00:00:00Z"}), [withdrawn])
    assert later["authorized"] is False
    assert "was withdrawn then" in later["message"]


def test_other_authority_action_or_resource_is_not_authorized() -> None:
    assert answer(request(authority_id="did:web:other.example"), [entry()])["authorized"] is False
    assert answer(request(action="verify"), [entry()])["authorized"] is False
    assert answer(request(resource="driving-licence"), [entry()])["authorized"] is False


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ([], None),
        (request(entity_id="uni.example"), "/entity_id"),
        (request(entity_id=5), "/entity_id"),
        (request(authority_id=None), "/authority_id"),
        (request(context={"time": "yesterday"}), "/context/time"),
        (request(context={"time": "2026-03-01T00:00:00+02:00"}), "/context/time"),
        (request(context={"colour": "red"}), "/context"),
        (request(context={"eqfLevel": 6}), "/context"),
        (request(resource="eu-microcredential:eqf-12"), "/context/eqfLevel"),
        (request(resource="eu-microcredential:level-6"), "/resource"),
    ],
)
def test_malformed_requests_name_the_field(body: Any, pointer: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_query(body)
    assert caught.value.pointer == pointer


def test_decide_before_the_listing_starts() -> None:
    decision = decide(
        [entry(valid_from=ISSUED + timedelta(days=1))], entity=DID, when=ISSUED, now=NOW, registry=NAME
    )
    assert not decision.authorized
    assert "its listing runs from 2026-03-02" in decision.message


def test_an_unrestricted_scope_accepts_any_credential() -> None:
    decision = decide(
        [entry(scope=Scope())], entity=DID, when=ISSUED, now=NOW, registry=NAME, eqf_levels=["8"]
    )
    assert decision.authorized
    assert decision.active_now


def test_a_query_without_scope_context_asks_about_the_provider_only() -> None:
    got = answer(request(context={"time": "2026-03-01T00:00:00Z"}), [entry()])
    assert got["authorized"] is True
    stated = answer(request(context={"achievementType": "Course"}), [entry()])
    assert stated["authorized"] is False
    assert "achievement type Course is not among MicroCredential" in stated["message"]
