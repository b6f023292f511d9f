"""Through HTTP: a credential issued and then revoked (or expired) by the issuer app, rewritten by its holder into
JSON-LD that signs alike, is never verified by the verifier app (``POST /credentials/verify`` and ``/verify``).

Before the plain-form check, renaming ``credentialStatus`` to its IRI (or moving it under ``@nest``) kept the
signature valid while the status check read nothing, so the verifier answered verified; the same with
``validUntil`` on an expired credential.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from microcred.app import Settings
from microcred.app.db.migrate import upgrade
from microcred.app.main import create_verifier_app
from microcred.app.verification.service import build_verifier
from tests.app.factories import ADMIN_TOKEN, KEK
from tests.app.status.factories import T0, new_institution, set_status, status_app
from tests.issuer.factories import DID_KEY

from .signed_rewrites import (
    PROOF_TRANSFORMATION_ERROR,
    aliased_nest,
    compact_iri,
    full_iri,
    keyword_id_type,
    nest,
    value_object,
    wrapped,
)

Rewrite = Callable[[dict[str, Any]], dict[str, Any]]

STATUS_REWRITES: dict[str, Rewrite] = {
    "credentialStatus as its full IRI": lambda c: full_iri(c, (), "credentialStatus"),
    "credentialStatus under @nest": lambda c: nest(c, (), "credentialStatus"),
    "credentialStatus under an alias of @nest": lambda c: aliased_nest(c, (), "credentialStatus"),
    "credentialStatus as a compact IRI": lambda c: compact_iri(c, (), "credentialStatus"),
    "statusListIndex as its full IRI": lambda c: full_iri(c, ("credentialStatus",), "statusListIndex"),
    "statusListIndex as a value object": lambda c: value_object(c, ("credentialStatus",), "statusListIndex"),
    "the status entry's id and type as @id and @type": lambda c: keyword_id_type(c, ("credentialStatus",)),
}
EXPIRY_REWRITES: dict[str, Rewrite] = {
    "validUntil as its full IRI": lambda c: full_iri(c, (), "validUntil"),
    "validUntil under @nest": lambda c: nest(c, (), "validUntil"),
    "validUntil as a compact IRI": lambda c: compact_iri(c, (), "validUntil"),
    "validUntil as a value object": lambda c: value_object(c, (), "validUntil"),
    "validUntil in an array": lambda c: wrapped(c, (), "validUntil"),
}


@dataclass
class Issued:
    """A live credential, a revoked one and an expired one from the issuer app, and a verifier app reading it."""

    live: dict[str, Any]
    revoked: dict[str, Any]
    expired: dict[str, Any]
    verifier: TestClient


@pytest.fixture
def issued(tmp_path: Path, database_url: str) -> Iterator[Issued]:
    upgrade(database_url)
    settings = Settings(
        mode="dev",
        data_dir=tmp_path / "var",
        database_url=database_url,
        key_encryption_key=SecretStr(KEK),
        admin_token=SecretStr(ADMIN_TOKEN),
        public_base_url="http://testserver",
    )
    with status_app(settings) as (_app, client, _clock):
        it = new_institution(client, {"Authorization": f"Bearer {ADMIN_TOKEN}"}, "uni-h")
        credentials = []
        for valid_until in (None, None, T0 + timedelta(minutes=10)):
            body = it.subject(id=DID_KEY)
            if valid_until is not None:
                body["validUntil"] = valid_until.isoformat().replace("+00:00", "Z")
            response = it.issue(body)
            assert response.status_code == 201, response.text
            credentials.append(response.json()["verifiableCredential"])
        live, revoked, expired = credentials
        assert set_status(it, revoked["id"], "revocation", True, reason="issued in error").status_code == 200
        verifier_settings = settings.model_copy(update={"data_dir": tmp_path / "verifier"})
        verifier_app = create_verifier_app(verifier_settings)
        verifier_app.state.verifier = build_verifier(
            verifier_settings, client=client, resolve=lambda host, port: ["127.0.0.1"]
        )
        # an hour after issuance: the expired credential's validUntil (plus the 300 s skew) has passed,
        # the status lists are still current
        verifier_app.state.verifier_clock = lambda: T0 + timedelta(hours=1)
        with TestClient(verifier_app, raise_server_exceptions=False) as verifier:
            yield Issued(live, revoked, expired, verifier)


def _both_routes(verifier: TestClient, credential: dict[str, Any]) -> list[dict[str, Any]]:
    vc_api = verifier.post("/credentials/verify", json={"verifiableCredential": credential})
    upload = verifier.post(
        "/verify", content=json.dumps(credential).encode(), headers={"content-type": "application/json"}
    )
    assert vc_api.status_code == 200, vc_api.text
    assert upload.status_code == 200, upload.text
    return [vc_api.json(), upload.json()]


def _checks(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in body["report"]["checks"]}


def test_the_genuine_credentials_verify_as_their_state_says(issued: Issued) -> None:
    """The baseline the rewrites are measured against: live verifies, revoked and expired do not."""
    for body in _both_routes(issued.verifier, issued.live):
        assert body["verified"] is True, body["errors"]
    for body in _both_routes(issued.verifier, issued.revoked):
        assert body["verified"] is False
        assert _checks(body)["status"]["status"] == "failed"
        assert "revoked" in _checks(body)["status"]["sentence"]
    for body in _both_routes(issued.verifier, issued.expired):
        assert body["verified"] is False
        assert _checks(body)["validity"]["status"] == "failed"


def _assert_refused(body: dict[str, Any]) -> None:
    assert body["verified"] is False
    assert body["verdict"] == "not valid"
    proof = _checks(body)["proof"]
    assert proof["status"] == "failed"
    assert proof["problemType"] == PROOF_TRANSFORMATION_ERROR
    assert "not in the plain form" in proof["sentence"]
    assert PROOF_TRANSFORMATION_ERROR in [e.get("type") for e in body["errors"]]


@pytest.mark.parametrize("name", sorted(STATUS_REWRITES))
def test_a_revoked_credential_rewritten_to_hide_its_status_is_refused(issued: Issued, name: str) -> None:
    rewritten = STATUS_REWRITES[name](issued.revoked)
    for body in _both_routes(issued.verifier, rewritten):
        _assert_refused(body)


@pytest.mark.parametrize("name", sorted(EXPIRY_REWRITES))
def test_an_expired_credential_rewritten_to_hide_its_end_is_refused(issued: Issued, name: str) -> None:
    rewritten = EXPIRY_REWRITES[name](issued.expired)
    for body in _both_routes(issued.verifier, rewritten):
        _assert_refused(body)


@pytest.mark.parametrize("name", sorted(STATUS_REWRITES))
def test_the_same_rewrites_of_a_live_credential_are_refused_too(issued: Issued, name: str) -> None:
    """Refused for its form, not for its state: the rule does not depend on what the rewrite hides."""
    for body in _both_routes(issued.verifier, STATUS_REWRITES[name](issued.live)):
        _assert_refused(body)


def test_the_result_page_shows_the_refusal(issued: Issued) -> None:
    rewritten = full_iri(issued.revoked, (), "credentialStatus")
    page = issued.verifier.post(
        "/check",
        files={"file": ("credential.json", json.dumps(rewritten).encode(), "application/json")},
    )
    assert page.status_code == 200, page.text
    assert 'class="verdict verdict-invalid"' in page.text
    assert "✔" not in page.text.split('class="verdict-word"', 1)[1].split("</h1>", 1)[0]
    assert "not in the plain form" in page.text
