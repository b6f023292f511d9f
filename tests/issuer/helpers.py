"""Helpers for the issuance app tests: an institution with an API key, a published demo achievement."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from microcred.issuer import DEMO_ACHIEVEMENT

DID_KEY = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


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
