"""Registry entries: DIDs, scope codes, periods, overlaps and the state history are checked."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from microcred.registry import (
    Scope,
    ScopeVocabulary,
    StateChange,
    check_did,
    check_no_overlap,
    check_period,
    check_transition,
)
from microcred.vc.errors import Conflict, InvalidInput, ValidationFailed
from tests.registry.factories import DID, ISSUED, NOW, T0, WITHDRAWN, entry

VOCAB = ScopeVocabulary(isced_fields=frozenset({"06", "061", "0613", "0688", "04"}))


@pytest.mark.parametrize(
    "did",
    ["did:web:uni.example", "did:web:localhost%3A8000:issuers:demo", "did:key:z6MkhaXgBZD", "did:ebsi:zx1"],
)
def test_well_formed_dids_pass(did: str) -> None:
    assert check_did(did) == did


@pytest.mark.parametrize(
    "did",
    [
        "uni.example",
        "did:web:",
        "did:WEB:uni.example",
        "did:web:uni.example#key-1",
        "did:web:uni.example/path",
        "did:web:uni example",
        "did:web::path",
        "did:" + "a" * 600,
    ],
)
def test_malformed_dids_are_refused_with_the_value_named(did: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_did(did, pointer="/dids/0")
    assert caught.value.pointer == "/dids/0"
    assert "DID" in caught.value.detail or "host" in caught.value.detail


def test_scope_codes_are_normalised() -> None:
    scope = Scope.checked(
        achievement_types=["MicroCredential", "ext:Bootcamp"],
        eqf_levels=["http://data.europa.eu/snb/eqf/6", "5", "6"],
        isced_fields=["http://data.europa.eu/snb/isced-f/0613", "06"],
        vocabulary=VOCAB,
    )
    assert scope == Scope(("MicroCredential", "ext:Bootcamp"), ("5", "6"), ("06", "0613"))


def test_unknown_scope_codes_are_each_listed() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Scope.checked(
            achievement_types=["Microcredential"], eqf_levels=["9"], isced_fields=["0699"], vocabulary=VOCAB
        )
    pointers = [e["pointer"] for e in caught.value.errors]
    assert pointers == ["/scope/achievementTypes/0", "/scope/eqfLevels/0", "/scope/iscedF/0"]
    assert "Microcredential" in caught.value.detail


def test_scope_matching_covers_broader_fields_and_names_each_miss() -> None:
    scope = Scope(("MicroCredential",), ("5", "6"), ("06",))
    assert scope.misses(types={"MicroCredential"}, eqf_levels={"6"}, isced_fields={"0613"}) == []
    misses = scope.misses(types={"Course"}, eqf_levels={"7"}, isced_fields={"0413"})
    assert misses == [
        "achievement type Course is not among MicroCredential",
        "EQF level 7 is not among levels 5, 6",
        "ISCED-F field 0413 is not within 06",
    ]
    assert scope.misses(types={"MicroCredential"}, eqf_levels=set(), isced_fields={"061"}) == [
        "the credential states no EQF level"
    ]
    assert Scope().misses(types=set(), eqf_levels=set(), isced_fields=set()) == []
    assert scope.misses(types=set(), eqf_levels=set(), isced_fields=set()) == [
        "the credential states no achievement type",
        "the credential states no EQF level",
        "the credential states no ISCED-F field",
    ]
    assert scope.misses(types=set(), eqf_levels=set(), isced_fields=set(), require_stated=False) == []


def test_period_must_be_ordered_and_zoned() -> None:
    check_period(T0, None)
    with pytest.raises(InvalidInput, match="later than"):
        check_period(T0, T0)
    with pytest.raises(InvalidInput, match="time zone"):
        check_period(datetime(2026, 1, 1), None)


def test_overlapping_periods_for_the_same_did_conflict() -> None:
    listed = entry(valid_until=T0 + timedelta(days=365))
    with pytest.raises(Conflict, match="already listed by entry e1"):
        check_no_overlap([DID], T0 + timedelta(days=100), None, others=[listed])
    # after the first period, or for another DID, or when updating the same entry: fine
    check_no_overlap([DID], T0 + timedelta(days=365), None, others=[listed])
    check_no_overlap(["did:web:other.example"], T0, None, others=[listed])
    check_no_overlap([DID], T0, None, others=[listed], ignore="e1")


def test_a_withdrawal_ends_the_period_for_overlap_purposes() -> None:
    withdrawn = entry(history=(StateChange("active", T0), StateChange("withdrawn", WITHDRAWN)))
    check_no_overlap([DID], WITHDRAWN, None, others=[withdrawn])
    with pytest.raises(Conflict):
        check_no_overlap([DID], ISSUED, None, others=[withdrawn])


def test_state_changes_follow_the_rules() -> None:
    assert check_transition("active", "suspended") == "suspended"
    assert check_transition("suspended", "active") == "active"
    assert check_transition("suspended", "withdrawn") == "withdrawn"
    with pytest.raises(Conflict, match="withdrawn cannot become active"):
        check_transition("withdrawn", "active")
    with pytest.raises(InvalidInput, match="must be one of"):
        check_transition("active", "revoked")


def test_state_at_a_time_follows_the_history() -> None:
    item = entry(
        history=(
            StateChange("active", T0),
            StateChange("suspended", ISSUED + timedelta(days=1)),
            StateChange("active", ISSUED + timedelta(days=10)),
            StateChange("withdrawn", WITHDRAWN),
        )
    )
    assert item.active_at(ISSUED)
    assert not item.active_at(ISSUED + timedelta(days=2))
    assert item.active_at(ISSUED + timedelta(days=11))
    assert not item.active_at(NOW)
    assert item.withdrawn_at() == WITHDRAWN
    assert item.state == "withdrawn"
    # before the validity period nothing is active, whatever the state
    assert not entry(valid_from=ISSUED).active_at(T0)
