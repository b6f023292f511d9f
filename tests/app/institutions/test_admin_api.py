"""Admin API: create/list institutions, issue/revoke API keys; the admin token guards it all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microcred.app.institutions.apikeys import parse_api_key

NewInstitution = Callable[..., dict[str, Any]]


def test_create_institution_returns_did_key_and_one_time_api_key(new_institution: NewInstitution) -> None:
    created = new_institution("uni-zed", name="University of Zed", region="IE-D")
    assert created["institution"] == {
        "slug": "uni-zed",
        "name": "University of Zed",
        "url": "https://uni-zed.example",
        "country": "IE",
        "region": "IE-D",
        "did": "did:web:testserver:issuers:uni-zed",
        "createdAt": created["institution"]["createdAt"],
    }
    assert created["didDocument"] == "http://testserver/issuers/uni-zed/did.json"
    assert created["signingKey"]["kid"] == "key-1"
    assert created["signingKey"]["state"] == "active"
    assert created["signingKey"]["publicKeyMultibase"].startswith("z6Mk")
    key = created["apiKey"]["key"]
    assert parse_api_key(key) == created["apiKey"]["prefix"]
    assert len(key.split("_", 2)[2]) == 43  # 32 random bytes, base64url


def test_list_institutions(
    client: TestClient, admin: dict[str, str], new_institution: NewInstitution
) -> None:
    new_institution("uni-a")
    new_institution("uni-b", country="FR", region="FR-IDF")
    listed = client.get("/admin/institutions", headers=admin).json()["institutions"]
    assert [(i["slug"], i["country"], i["region"]) for i in listed] == [
        ("uni-a", "IE", None),
        ("uni-b", "FR", "FR-IDF"),
    ]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["missing", "wrong", "not-bearer"],
)
def test_admin_routes_need_the_admin_token(client: TestClient, headers: dict[str, str]) -> None:
    for method, path in [
        ("GET", "/admin/institutions"),
        ("POST", "/admin/institutions"),
        ("POST", "/admin/institutions/x/api-keys"),
        ("DELETE", "/admin/institutions/x/api-keys/abcdefgh"),
    ]:
        response = client.request(method, path, headers=headers, json={})
        assert response.status_code == 401, (method, path)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"


def test_an_institution_api_key_is_not_an_admin_token(
    client: TestClient, new_institution: NewInstitution
) -> None:
    key = new_institution()["apiKey"]["key"]
    assert client.get("/admin/institutions", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_admin_api_is_closed_when_no_token_is_configured(client: TestClient, admin: dict[str, str]) -> None:
    client.app.state.services.admin_token = None
    response = client.get("/admin/institutions", headers=admin)
    assert response.status_code == 401
    assert "disabled" in response.json()["detail"]


def test_duplicate_slug_is_409(
    client: TestClient, admin: dict[str, str], new_institution: NewInstitution
) -> None:
    new_institution("uni-a")
    response = client.post(
        "/admin/institutions",
        json={"slug": "uni-a", "name": "Other", "url": "https://other.example", "country": "DE"},
        headers=admin,
    )
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "https://microcred.eu/problems/conflict"
    assert body["errors"] == [
        {"pointer": "#/slug", "detail": 'an institution with slug "uni-a" already exists'}
    ]
    assert len(client.get("/admin/institutions", headers=admin).json()["institutions"]) == 1


@pytest.mark.parametrize(
    ("fields", "pointer"),
    [
        ({"country": "XX"}, "#/country"),
        ({"country": "ie"}, "#/country"),
        ({"country": "IRL"}, "#/country"),
        ({"region": "FR-IDF"}, "#/region"),  # a French subdivision for an Irish institution
        ({"region": "DE21"}, "#/region"),  # a German NUTS code
        ({"region": "IE-TOOLONG"}, "#/region"),
        ({"slug": "Not A Slug"}, "#/slug"),
        ({"slug": "-edge"}, "#/slug"),
        ({"url": "ftp://files.example"}, "#/url"),
        ({"name": "   "}, "#/name"),
    ],
)
def test_bad_fields_are_422_naming_the_field(
    client: TestClient, admin: dict[str, str], fields: dict[str, str], pointer: str
) -> None:
    body = {"slug": "uni-a", "name": "Uni", "url": "https://uni.example", "country": "IE", **fields}
    response = client.post("/admin/institutions", json=body, headers=admin)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in problem["errors"]] == [pointer]
    assert problem["status"] == 422
    assert client.get("/admin/institutions", headers=admin).json()["institutions"] == []


def test_missing_and_unknown_fields_are_422_with_pointers(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/admin/institutions", json={"slug": "uni-a", "name": "Uni", "colour": "red"}, headers=admin
    )
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert pointers == {"#/url", "#/country", "#/colour"}


def test_issue_list_and_revoke_api_keys(
    client: TestClient, admin: dict[str, str], new_institution: NewInstitution
) -> None:
    first = new_institution("uni-a")["apiKey"]
    response = client.post("/admin/institutions/uni-a/api-keys", json={"label": "registrar"}, headers=admin)
    assert response.status_code == 201
    second = response.json()
    assert second["prefix"] != first["prefix"]
    listed = client.get("/admin/institutions/uni-a/api-keys", headers=admin).json()["apiKeys"]
    assert [(k["prefix"], k["label"], k["revokedAt"]) for k in listed] == [
        (first["prefix"], "initial", None),
        (second["prefix"], "registrar", None),
    ]
    assert "key" not in listed[0]
    assert "secret_hash" not in listed[0]

    assert (
        client.delete(f"/admin/institutions/uni-a/api-keys/{first['prefix']}", headers=admin).status_code
        == 204
    )
    assert (
        client.get("/institutions/uni-a", headers={"Authorization": f"Bearer {first['key']}"}).status_code
        == 401
    )
    assert (
        client.get("/institutions/uni-a", headers={"Authorization": f"Bearer {second['key']}"}).status_code
        == 200
    )


def test_revoking_another_institutions_key_is_404(
    client: TestClient, admin: dict[str, str], new_institution: NewInstitution
) -> None:
    new_institution("uni-a")
    b_key = new_institution("uni-b")["apiKey"]
    response = client.delete(f"/admin/institutions/uni-a/api-keys/{b_key['prefix']}", headers=admin)
    assert response.status_code == 404
    assert (
        client.get("/institutions/uni-b", headers={"Authorization": f"Bearer {b_key['key']}"}).status_code
        == 200
    )


def test_api_keys_for_unknown_institution_are_404(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/admin/institutions/nobody/api-keys", headers=admin)
    assert response.status_code == 404
    assert response.json()["type"] == "https://microcred.eu/problems/not-found"
