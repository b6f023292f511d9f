"""Builders for the issuance tests: an institution with an API key and a published demo achievement (through the
app), and an institution issuing through the library front door."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from microcred.issuer import DEMO_ACHIEVEMENT, Issuer, IssuerProfile
from microcred.keys import LocalKeyStore, did_key, did_key_verification_method

DID_KEY = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
ACHIEVEMENT_URL = "https://demo.example/achievements/digital-credentials"


@dataclass
class Issuing:
    """An institution's API key headers and one published achievement."""

    client: TestClient
    headers: dict[str, str]
    did: str
    slug: str
    achievement_id: str
    achievement_url: str

    def issue(self, credential: dict[str, Any], **options: Any) -> Any:
        body: dict[str, Any] = {"credential": credential}
        if options:
            body["options"] = options
        return self.client.post("/credentials/issue", json=body, headers=self.headers)

    def subject(self, **fields: Any) -> dict[str, Any]:
        return {"credentialSubject": {"achievement": {"id": self.achievement_url}, **fields}}


def definition(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(DEMO_ACHIEVEMENT)
    body.update(changes)
    return body


def issuing(client: TestClient, institution: dict[str, Any], **achievement: Any) -> Issuing:
    headers = {"Authorization": f"Bearer {institution['apiKey']['key']}"}
    response = client.post("/achievements", json=definition(**achievement), headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    return Issuing(
        client=client,
        headers=headers,
        did=institution["did"],
        slug=institution["institution"]["slug"] if "institution" in institution else institution["slug"],
        achievement_id=body["achievementId"],
        achievement_url=body["id"],
    )


def institution(*, kek: bytes = bytes(range(32)), name: str = "Demo University") -> Issuer:
    """The library front door for a new institution: an Ed25519 key sealed by a LocalKeyStore, a did:key identity."""
    store = LocalKeyStore(kek)
    key = store.generate(key_id="key-1")
    signer = store.signer(
        key_id="key-1",
        sealed_secret=key.sealed_secret,
        verification_method=did_key_verification_method(key.public_key_multibase),
    )
    profile = IssuerProfile(
        did=did_key(key.public_key_multibase), name=name, url="https://demo.example", country="IE"
    )
    return Issuer(profile, signer)
