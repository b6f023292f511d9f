"""Micro-credential definitions over the API (issue 5, points 1, 2 and 7): create, list, read, version, catalogue."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from microcred.contexts.loader import FILES_DIR
from tests.issuer.factories import DID_KEY, definition, issuing


def test_create_returns_the_ob3_achievement_with_eu_uris(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    body = client.get("/achievements", headers=it.headers).json()["achievements"][0]
    a = body["achievement"]
    assert body["version"] == 1
    assert a["id"] == f"{it.achievement_url}/versions/1"
    assert a["eqfLevel"] == "http://data.europa.eu/snb/eqf/6"
    assert a["participationForm"] == "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"
    assert a["creditsAvailable"] == 2


def test_unknown_codes_are_422_naming_each_field_and_the_allowed_values(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    headers = {"Authorization": f"Bearer {new_institution()['apiKey']['key']}"}
    response = client.post(
        "/achievements", json=definition(eqfLevel="9", participationForm="hybrid"), headers=headers
    )
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["pointer"]: e["detail"] for e in problem["errors"]}
    assert set(errors) == {"/eqfLevel", "/participationForm"}
    assert "1, 2, 3, 4, 5, 6, 7, 8" in errors["/eqfLevel"]
    assert "online, onsite, blended" in errors["/participationForm"]
    assert client.get("/achievements", headers=headers).json() == {"achievements": []}


def test_missing_mandatory_definition_element_is_422(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    headers = {"Authorization": f"Bearer {new_institution()['apiKey']['key']}"}
    body = definition()
    body.pop("qualityAssuranceTypes")
    response = client.post("/achievements", json=body, headers=headers)
    assert response.status_code == 422
    assert "/qualityAssuranceTypes" in json.dumps(response.json()["errors"])


def test_a_used_version_is_immutable_and_a_change_makes_a_new_version(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    # Unused: edited in place.
    first = client.put(
        f"/achievements/{it.achievement_id}", json=definition(ects=3), headers=it.headers
    ).json()
    assert first["version"] == 1
    assert first["achievement"]["creditsAvailable"] == 3
    # Used once...
    assert it.issue(it.subject(id=DID_KEY)).status_code == 201
    before = client.get(f"/achievements/{it.achievement_id}/versions/1").json()
    # ...so a change is version 2, and version 1 stays as it was.
    second = client.put(
        f"/achievements/{it.achievement_id}", json=definition(ects=4), headers=it.headers
    ).json()
    assert second["version"] == 2
    assert client.get(f"/achievements/{it.achievement_id}/versions/1").json() == before
    assert client.get(f"/achievements/{it.achievement_id}").json()["creditsAvailable"] == 4
    listed = client.get("/achievements", headers=it.headers).json()["achievements"][0]
    assert listed["versions"] == 2


def test_another_institution_cannot_change_it(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution("uni-a"))
    other = {"Authorization": f"Bearer {new_institution('uni-b')['apiKey']['key']}"}
    assert (
        client.put(f"/achievements/{it.achievement_id}", json=definition(), headers=other).status_code == 404
    )
    assert client.post("/achievements", json=definition()).status_code == 401


def test_public_read_as_json_ld_or_html(client: TestClient, new_institution: Callable[..., Any]) -> None:
    it = issuing(client, new_institution())
    as_json = client.get(f"/achievements/{it.achievement_id}")
    assert as_json.headers["content-type"] == "application/ld+json"
    document = as_json.json()
    assert document["@context"][2] == "https://microcred.eu/contexts/eu-microcredential/v1.jsonld"
    assert document["type"] == ["Achievement", "EUMicroCredential"]
    page = client.get(f"/achievements/{it.achievement_id}", headers={"Accept": "text/html,*/*"})
    assert page.headers["content-type"].startswith("text/html")
    assert "Digital credentials for educators" in page.text
    assert "Unsupervised, no identity verification" in page.text
    assert client.get("/achievements/nope").status_code == 404


def test_catalogue_filters_and_json(client: TestClient, new_institution: Callable[..., Any]) -> None:
    it = issuing(client, new_institution())
    issuing(
        client,
        new_institution("uni-b"),
        name="Data stewardship",
        eqfLevel="7",
        qfEheaCycle="second",
        ects=5,
        iscedF=["0612"],
    )
    listing = client.get("/catalogue", headers={"Accept": "application/json"}).json()["achievements"]
    assert [(a["name"], a["version"]) for a in listing] == [
        ("Data stewardship", 1),
        ("Digital credentials for educators", 1),
    ]
    assert listing[1]["id"] == it.achievement_url

    def names(**params: Any) -> list[str]:
        response = client.get("/catalogue", params=params, headers={"Accept": "application/json"})
        return [a["name"] for a in response.json()["achievements"]]

    assert names(level=7) == ["Data stewardship"]
    assert names(title="EDUCATORS") == ["Digital credentials for educators"]
    assert names(field="061") == ["Data stewardship"]
    assert names(ects_min=3) == ["Data stewardship"]
    assert names(ects_max=3) == ["Digital credentials for educators"]
    page = client.get("/catalogue", params={"level": 6})
    assert page.headers["content-type"].startswith("text/html")
    assert "Digital credentials for educators" in page.text
    assert "Data stewardship" not in page.text


def test_eu_context_is_served_byte_for_byte(client: TestClient) -> None:
    response = client.get("/contexts/eu-microcredential/v1.jsonld")
    assert response.status_code == 200
    assert response.content == (FILES_DIR / "microcred-eu-v1.jsonld").read_bytes()
    assert response.headers["content-type"] == "application/ld+json"
    assert "immutable" in response.headers["cache-control"]
