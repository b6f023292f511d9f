"""The registry's HTTP API: operator entries (admin token), state history, TRQP queries, signed and DCC exports."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from microcred.suites import StaticResolver
from microcred.vc.encodings import b64url_decode
from microcred.verifier.trust import TrustQuery
from microcred.verifier.trust_microcred import decide, read_export

REGISTRY_DID = "did:web:testserver:registry"
PROBLEM = "application/problem+json"


def body(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "dids": ["did:web:uni.example"],
        "legalName": "University of Zed",
        "country": "IE",
        "region": "IE-D",
        "url": "https://uni.example",
        "qualityAssurance": {"body": "QQI", "bodyId": "EQAR-42", "reference": "DEQAR report 47914"},
        "scope": {"achievementTypes": ["MicroCredential"], "eqfLevels": ["5", "6"], "iscedF": ["06"]},
        "validFrom": "2026-01-01T00:00:00Z",
    }
    entry.update(overrides)
    return entry


@pytest.fixture
def clock(app: FastAPI) -> Callable[[str], None]:
    def set_time(value: str) -> None:
        app.state.services.clock = lambda: datetime.fromisoformat(value).replace(tzinfo=UTC)

    set_time("2026-03-01T00:00:00")
    return set_time


def test_operator_lists_a_provider_and_anyone_reads_it(
    client: TestClient, admin: dict[str, str], clock: Any
) -> None:
    created = client.post("/registry/entries", json=body(), headers=admin)
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["state"] == "active"
    assert entry["history"] == [{"state": "active", "at": "2026-03-01T00:00:00Z", "reason": "listed"}]
    assert entry["qualityAssurance"] == {
        "body": "QQI",
        "bodyId": "EQAR-42",
        "reference": "DEQAR report 47914",
    }
    assert client.get(f"/registry/entries/{entry['id']}").json() == entry
    assert client.get("/registry/entries").json() == {"entries": [entry]}


def test_writes_need_the_admin_token(client: TestClient) -> None:
    response = client.post("/registry/entries", json=body())
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    wrong = client.post(
        "/registry/entries/x/state", json={"state": "withdrawn"}, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401


BAD_ENTRIES = [
    ({"dids": ["uni.example"]}, 422, "/dids/0", "is not a DID"),
    ({"dids": ["did:web:uni.example#key-1"]}, 422, "/dids/0", "without a path, query or fragment"),
    ({"dids": []}, 422, None, "dids"),
    ({"scope": {"eqfLevels": ["9"], "iscedF": ["0699"]}}, 422, None, "unknown scope codes"),
    ({"scope": {"achievementTypes": ["Microcredential"]}}, 422, None, "not an OB 3.0 achievementType"),
    ({"validUntil": "2025-01-01T00:00:00Z"}, 422, "/validUntil", "later than"),
    ({"validFrom": "2026-01-01T00:00:00"}, 422, None, "time zone"),
    ({"country": "XX"}, 422, "/country", "ISO 3166-1"),
    ({"qualityAssurance": {"body": " "}}, 422, "/qualityAssurance/body", "QA body"),
    ({"colour": "red"}, 422, None, "colour"),
]


def test_bad_entries_are_problem_json_naming_the_field(client: TestClient, admin: dict[str, str]) -> None:
    """One app for every case (each would otherwise pay for a fresh database)."""
    for overrides, status, pointer, text in BAD_ENTRIES:
        response = client.post("/registry/entries", json=body(**overrides), headers=admin)
        assert response.status_code == status, (overrides, response.text)
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert text in json.dumps(problem), (overrides, problem)
        if pointer:
            assert problem.get("pointer") == pointer or pointer in json.dumps(problem), (overrides, problem)
    assert client.get("/registry/entries").json() == {"entries": []}


def test_overlapping_periods_for_a_did_conflict(
    client: TestClient, admin: dict[str, str], clock: Any
) -> None:
    first = client.post(
        "/registry/entries", json=body(validUntil="2027-01-01T00:00:00Z"), headers=admin
    ).json()
    again = client.post("/registry/entries", json=body(validFrom="2026-06-01T00:00:00Z"), headers=admin)
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert first["id"] in again.json()["detail"]
    later = client.post("/registry/entries", json=body(validFrom="2027-01-01T00:00:00Z"), headers=admin)
    assert later.status_code == 201
    # an update may not create an overlap either
    moved = client.put(
        f"/registry/entries/{first['id']}", json=body(validUntil="2027-06-01T00:00:00Z"), headers=admin
    )
    assert moved.status_code == 409


def test_state_history_is_kept_and_withdrawn_is_final(
    client: TestClient, admin: dict[str, str], clock: Any
) -> None:
    entry = client.post("/registry/entries", json=body(), headers=admin).json()
    url = f"/registry/entries/{entry['id']}/state"
    clock("2026-04-01T00:00:00")
    assert client.post(url, json={"state": "suspended", "reason": "review"}, headers=admin).status_code == 200
    clock("2026-05-01T00:00:00")
    assert (
        client.post(url, json={"state": "active", "reason": "review passed"}, headers=admin).status_code
        == 200
    )
    clock("2026-06-01T00:00:00")
    done = client.post(url, json={"state": "withdrawn", "reason": "QA lapsed"}, headers=admin).json()
    assert [(h["state"], h["at"][:10], h["reason"]) for h in done["history"]] == [
        ("active", "2026-03-01", "listed"),
        ("suspended", "2026-04-01", "review"),
        ("active", "2026-05-01", "review passed"),
        ("withdrawn", "2026-06-01", "QA lapsed"),
    ]
    again = client.post(url, json={"state": "active"}, headers=admin)
    assert again.status_code == 409
    assert "withdrawn cannot become active" in again.json()["detail"]
    unknown = client.post(url, json={"state": "revoked"}, headers=admin)
    assert unknown.status_code == 422
    assert (
        client.post("/registry/entries/nope/state", json={"state": "active"}, headers=admin).status_code
        == 404
    )


def test_trqp_authorization_query(client: TestClient, admin: dict[str, str], clock: Any) -> None:
    entry = client.post("/registry/entries", json=body(), headers=admin).json()
    clock("2026-06-01T00:00:00")
    client.post(
        f"/registry/entries/{entry['id']}/state",
        json={"state": "withdrawn", "reason": "QA lapsed"},
        headers=admin,
    )
    query = {
        "entity_id": "did:web:uni.example",
        "authority_id": REGISTRY_DID,
        "action": "issue",
        "resource": "eu-microcredential",
        "context": {
            "time": "2026-03-15T00:00:00Z",
            "eqfLevel": "6",
            "achievementType": "MicroCredential",
            "iscedF": "0613",
        },
    }
    answer = client.post("/registry/authorization", json=query).json()
    assert answer["authorized"] is True
    assert answer["time_requested"] == "2026-03-15T00:00:00Z"
    assert answer["time_evaluated"] == "2026-06-01T00:00:00Z"
    assert "withdrawn on 2026-06-01" in answer["message"]
    now = client.post("/registry/authorization", json={**query, "context": {"eqfLevel": "6"}}).json()
    assert now["authorized"] is False
    assert "withdrawn" in now["message"]
    scope = client.post(
        "/registry/authorization", json={**query, "resource": "eu-microcredential:eqf-7"}
    ).json()
    assert scope["authorized"] is False
    assert "EQF level 7" in scope["message"]
    bad = client.post("/registry/authorization", json={**query, "entity_id": "not-a-did"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == PROBLEM
    assert (
        client.post(
            "/registry/authorization", content=b"{nope", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )


def test_signed_export_verifies_against_the_served_did_document(
    client: TestClient, admin: dict[str, str], clock: Any
) -> None:
    client.post("/registry/entries", json=body(), headers=admin)
    response = client.get("/registry/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jose"
    assert response.headers["cache-control"] == "max-age=60"
    did_document = client.get("/registry/did.json")
    assert did_document.headers["content-type"] == "application/did+json"
    assert did_document.json()["id"] == REGISTRY_DID
    resolver = StaticResolver({REGISTRY_DID: did_document.json()})
    now = datetime(2026, 3, 2, tzinfo=UTC)
    document, entries = read_export(
        response.content, registry_did=REGISTRY_DID, resolver=resolver, now=now, max_bytes=1_000_000
    )
    assert document["registry"]["id"] == REGISTRY_DID
    assert entries[0].dids == ("did:web:uni.example",)
    header = json.loads(b64url_decode(response.text.split(".")[0]))
    assert header["kid"] == f"{REGISTRY_DID}#key-1"
    # the same key signs the next export (it is made once and kept sealed)
    assert client.get("/registry/did.json").json() == did_document.json()
    query = TrustQuery(
        issuer="did:web:uni.example",
        issued=now,
        now=now,
        achievement_types=("MicroCredential",),
        eqf_levels=("6",),
        isced_fields=("0613",),
    )
    assert decide(entries, query, name="the registry").trusted is True


def test_dcc_export(client: TestClient, admin: dict[str, str], clock: Any) -> None:
    client.post(
        "/registry/entries",
        json=body(dids=["did:web:uni.example", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"]),
        headers=admin,
    )
    got = client.get("/registry/dcc.json").json()
    assert got["meta"] == {"created": "2026-03-01T00:00:00+0000", "updated": "2026-03-01T00:00:00+0000"}
    assert got["registry"]["did:web:uni.example"] == {
        "name": "University of Zed",
        "location": "IE-D, IE",
        "url": "https://uni.example",
    }
    assert len(got["registry"]) == 2


def test_an_institution_is_listed_from_its_microcred_record(
    client: TestClient, admin: dict[str, str], new_institution: Callable[..., dict[str, Any]], clock: Any
) -> None:
    made = new_institution("uni-b", region="IE-D")
    request = {"qualityAssurance": {"body": "QQI", "reference": "QQI/2026/7"}, "scope": {"eqfLevels": ["6"]}}
    first = client.post("/registry/institutions/uni-b", json=request, headers=admin)
    assert first.status_code == 201, first.text
    entry = first.json()
    assert entry["dids"] == [made["did"]]
    assert (entry["legalName"], entry["country"], entry["region"], entry["url"]) == (
        "University uni-b",
        "IE",
        "IE-D",
        "https://uni-b.example",
    )
    assert entry["institution"] == "uni-b"
    assert entry["history"][0]["reason"] == "listed from microcred institution uni-b"
    again = client.post("/registry/institutions/uni-b", json=request, headers=admin)
    assert again.status_code == 200
    assert again.json()["id"] == entry["id"]
    assert client.post("/registry/institutions/nobody", json=request, headers=admin).status_code == 404


def test_the_public_listing_comes_a_page_at_a_time(
    client: TestClient, admin: dict[str, str], clock: Any
) -> None:
    ids = [
        client.post(
            "/registry/entries",
            json=body(dids=[f"did:web:uni{n}.example"], legalName=f"University {n}"),
            headers=admin,
        ).json()["id"]
        for n in range(5)
    ]
    first = client.get("/registry/entries", params={"limit": 2}).json()
    assert [e["id"] for e in first["entries"]] == ids[:2]
    assert first["next"] == "http://testserver/registry/entries?limit=2&offset=2"
    second = client.get(first["next"].removeprefix("http://testserver")).json()
    assert [e["id"] for e in second["entries"]] == ids[2:4]
    last = client.get(second["next"].removeprefix("http://testserver")).json()
    assert [e["id"] for e in last["entries"]] == ids[4:]
    assert "next" not in last
    assert [e["id"] for e in client.get("/registry/entries").json()["entries"]] == ids  # default page: 100
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "many"}):
        refused = client.get("/registry/entries", params=bad)
        assert refused.status_code == 422
        assert refused.headers["content-type"] == PROBLEM
