"""Every institution endpoint needs its own API key: missing/wrong/revoked → 401, another institution's → 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

NewInstitution = Callable[..., dict[str, Any]]
ENDPOINTS = ["/institutions/uni-a", "/institutions/uni-a/keys"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_own_key_is_accepted(client: TestClient, new_institution: NewInstitution, path: str) -> None:
    key = new_institution("uni-a")["apiKey"]["key"]
    response = client.get(path, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ENDPOINTS)
def test_missing_key_is_401(client: TestClient, new_institution: NewInstitution, path: str) -> None:
    new_institution("uni-a")
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "https://microcred.eu/problems/unauthorized"


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    "mangle",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda k: "mc_zzzzzzzz_" + k.split("_", 2)[2],  # unknown prefix
        lambda k: "not-an-api-key",
        lambda k: k.upper(),
    ],
    ids=["wrong-secret", "unknown-prefix", "garbage", "case-changed"],
)
def test_wrong_key_is_401(
    client: TestClient, new_institution: NewInstitution, path: str, mangle: Callable[[str], str]
) -> None:
    key = new_institution("uni-a")["apiKey"]["key"]
    response = client.get(path, headers={"Authorization": f"Bearer {mangle(key)}"})
    assert response.status_code == 401


@pytest.mark.parametrize("path", ENDPOINTS)
def test_revoked_key_is_401(
    client: TestClient, admin: dict[str, str], new_institution: NewInstitution, path: str
) -> None:
    api_key = new_institution("uni-a")["apiKey"]
    client.delete(f"/admin/institutions/uni-a/api-keys/{api_key['prefix']}", headers=admin)
    response = client.get(path, headers={"Authorization": f"Bearer {api_key['key']}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "the API key has been revoked"


@pytest.mark.parametrize("path", ENDPOINTS)
def test_other_institutions_key_is_404(
    client: TestClient, new_institution: NewInstitution, path: str
) -> None:
    new_institution("uni-a")
    b_key = new_institution("uni-b")["apiKey"]["key"]
    response = client.get(path, headers={"Authorization": f"Bearer {b_key}"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    # The same answer as for an institution that does not exist: a key cannot probe others.
    missing = client.get(path.replace("uni-a", "uni-nobody"), headers={"Authorization": f"Bearer {b_key}"})
    assert missing.status_code == 404


def test_keys_endpoint_lists_public_parts_only(client: TestClient, new_institution: NewInstitution) -> None:
    created = new_institution("uni-a")
    keys = client.get(
        "/institutions/uni-a/keys", headers={"Authorization": f"Bearer {created['apiKey']['key']}"}
    ).json()["keys"]
    assert len(keys) == 1
    assert set(keys[0]) == {
        "kid",
        "state",
        "verificationMethod",
        "publicKeyMultibase",
        "didKey",
        "createdAt",
        "deactivatedAt",
        "retiredAt",
    }
    assert keys[0]["verificationMethod"] == "did:web:testserver:issuers:uni-a#key-1"
    assert keys[0]["didKey"] == "did:key:" + keys[0]["publicKeyMultibase"]
