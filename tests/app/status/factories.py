"""Helpers for the status-list app tests: an app with chosen status settings, issuing, status requests, lists."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from microcred.app import Settings, create_app
from microcred.vc.encodings import decode_bitstring
from tests.issuer.factories import DID_KEY, Issuing, issuing

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Clock:
    """A settable clock for the app's services."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@contextmanager
def status_app(settings: Settings, **changes: Any) -> Iterator[tuple[FastAPI, TestClient, Clock]]:
    """The issuer app with ``changes`` to its settings and a settable clock."""
    app = create_app(settings.model_copy(update=changes))
    clock = Clock()
    app.state.services.clock = clock
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield app, client, clock
    finally:
        app.state.services.engine.dispose()


def new_institution(client: TestClient, admin: dict[str, str], slug: str) -> Issuing:
    """An institution with an API key and a published achievement."""
    body = {"slug": slug, "name": f"University {slug}", "url": f"https://{slug}.example", "country": "IE"}
    response = client.post("/admin/institutions", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return issuing(client, response.json())


def issue(it: Issuing, subject: str = DID_KEY) -> dict[str, Any]:
    """One issued credential."""
    response = it.issue(it.subject(id=subject))
    assert response.status_code == 201, response.text
    credential: dict[str, Any] = response.json()["verifiableCredential"]
    return credential


def entries(credential: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The credential's status entries by purpose."""
    raw = credential["credentialStatus"]
    return {e["statusPurpose"]: e for e in (raw if isinstance(raw, list) else [raw])}


def set_status(it: Issuing, credential_id: str, purpose: str, status: bool, reason: str | None = None) -> Any:
    """POST /credentials/status in the VC-API shape."""
    body: dict[str, Any] = {
        "credentialId": credential_id,
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
        "status": status,
    }
    if reason is not None:
        body["reason"] = reason
    return it.client.post("/credentials/status", json=body, headers=it.headers)


@dataclass
class Fetched:
    """A fetched list: the credential, its bits, the response headers."""

    document: dict[str, Any]
    bits: bytes
    headers: Any

    def bit(self, index: int | str) -> int:
        i = int(index)
        return (self.bits[i // 8] >> (7 - i % 8)) & 1


def fetch_list(client: TestClient, url: str, **params: Any) -> Fetched:
    """GET a status list (by its full URL) and expand it."""
    response = client.get(url.removeprefix("http://testserver"), params=params)
    assert response.status_code == 200, response.text
    document = response.json()
    return Fetched(document, decode_bitstring(document["credentialSubject"]["encodedList"]), response.headers)


def bit_of(client: TestClient, entry: dict[str, Any]) -> int:
    """The published bit of one status entry."""
    return fetch_list(client, entry["statusListCredential"]).bit(entry["statusListIndex"])
