"""Public issuer documents: did:web DID document (Multikey, assertionMethod) and the OB3 issuer Profile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from pyld import jsonld

from microcred.app import Settings, create_app
from microcred.contexts import offline_loader
from microcred.keys import did_key_document, did_web_url

NewInstitution = Callable[..., dict[str, Any]]


def test_did_document_lists_the_key_as_multikey_for_assertion(
    client: TestClient, new_institution: NewInstitution
) -> None:
    created = new_institution("uni-a")
    response = client.get("/issuers/uni-a/did.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/did+json"
    doc = response.json()
    did = "did:web:testserver:issuers:uni-a"
    multibase = created["signingKey"]["publicKeyMultibase"]
    assert doc["id"] == did
    assert doc["@context"][:2] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    assert doc["verificationMethod"][0] == {
        "id": f"{did}#key-1",
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": multibase,
    }
    assert f"{did}#key-1" in doc["assertionMethod"]
    # The did:web resolves to exactly the URL this document is served at.
    assert did_web_url(did, scheme="http") == "http://testserver/issuers/uni-a/did.json"


def test_did_web_encodes_the_port(settings: Settings, admin: dict[str, str]) -> None:
    ported = settings.model_copy(update={"public_base_url": "http://127.0.0.1:8000"})
    app = create_app(ported)
    try:
        with TestClient(app) as client:
            response = client.post(
                "/admin/institutions",
                json={"slug": "demo", "name": "Demo", "url": "https://demo.example", "country": "IE"},
                headers=admin,
            )
            assert response.json()["did"] == "did:web:127.0.0.1%3A8000:issuers:demo"
            assert response.json()["didDocument"] == "http://127.0.0.1:8000/issuers/demo/did.json"
            assert did_web_url("did:web:127.0.0.1%3A8000:issuers:demo", scheme="http") == (
                "http://127.0.0.1:8000/issuers/demo/did.json"
            )
    finally:
        app.state.services.engine.dispose()


def test_default_base_url_gives_the_readme_did(settings: Settings) -> None:
    plain = settings.model_copy(update={"public_base_url": None})
    assert plain.base_url == "http://127.0.0.1:8000"


def test_profile_is_an_ob3_profile(client: TestClient, new_institution: NewInstitution) -> None:
    created = new_institution("uni-a", name="University A", region="IE061")
    response = client.get("/issuers/uni-a")
    assert response.headers["content-type"] == "application/ld+json"
    profile = response.json()
    assert profile == {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "did:web:testserver:issuers:uni-a",
        "type": ["Profile"],
        "name": "University A",
        "url": "https://uni-a.example",
        "address": {"type": ["Address"], "addressCountryCode": "IE", "addressRegion": "IE061"},
        "otherIdentifier": [
            {
                "type": "IdentifierEntry",
                "identifier": created["signingKey"]["didKey"],
                "identifierType": "identifier",
            }
        ],
    }


def test_profile_expands_without_dropping_terms(client: TestClient, new_institution: NewInstitution) -> None:
    new_institution("uni-a", region="IE-D")
    profile = client.get("/issuers/uni-a").json()
    node = jsonld.expand(profile, {"documentLoader": offline_loader()})[0]
    ob = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
    assert set(node) == {
        "@id",
        "@type",
        "https://schema.org/name",
        "https://schema.org/url",
        ob + "address",
        ob + "otherIdentifier",
    }
    assert node["@type"] == [ob + "Profile"]
    address = node[ob + "address"][0]
    assert set(address) == {"@type", ob + "CountryCode", "https://schema.org/addressRegion"}
    assert address[ob + "CountryCode"] == [{"@value": "IE"}]
    entry = node[ob + "otherIdentifier"][0]
    assert set(entry) == {"@type", ob + "identifier", ob + "identifierType"}


def test_did_key_of_each_key_resolves_offline(client: TestClient, new_institution: NewInstitution) -> None:
    created = new_institution("uni-a")
    did = created["signingKey"]["didKey"]
    doc = did_key_document(did)
    assert doc["verificationMethod"][0]["publicKeyMultibase"] == created["signingKey"]["publicKeyMultibase"]
