"""The learner's capability is a secret: sending an issued credential to a wallet (a DID-bound re-issue) needs the
learner key from the private ``learnerLink``, not the public credential id. The key is 256 random bits, stored
hashed, never in the credential, the baked badges, the verification QR code, the LinkedIn link or the access log;
a wrong key is the same 404 problem as an unknown credential; the institution renews or revokes it; strangers
cannot create offers, so they cannot use up the learner's copies.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from microcred.app import Settings, create_app
from microcred.app.db.migrate import upgrade
from microcred.app.db.tables import IssuedCredential, LearnerKey, WalletOffer
from microcred.app.issuance import data as issuance_data
from tests.app.factories import (  # noqa: F401
    ADMIN_TOKEN,
    KEK,
    admin,
    app,
    client,
    new_institution,
    settings,
)
from tests.app.pages.factories import HTML, issue
from tests.app.wallets.factories import BASE, Clock, Wallet, page_links, press_button, wallet_forms
from tests.issuer.factories import Issuing, issuing


@pytest.fixture
def clock(app: FastAPI) -> Clock:  # noqa: F811
    clock = Clock()
    app.state.services.clock = clock
    return clock


@pytest.fixture
def it(client: TestClient, new_institution: Callable[..., Any], clock: Clock) -> Issuing:  # noqa: F811
    # defined on the test's clock: an award may not be dated before its achievement existed
    return issuing(client, new_institution())


def key_of(body: dict[str, Any]) -> str:
    link: str = body["learnerLink"]
    return link.rsplit("/learner/", 1)[1]


def path(url: str) -> str:
    return url.removeprefix(BASE)


def offers(app: FastAPI) -> list[WalletOffer]:  # noqa: F811
    with app.state.services.sessions() as session:
        return list(session.scalars(select(WalletOffer)))


def not_found(response: Any) -> dict[str, Any]:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def post_wallet(client: TestClient, body: dict[str, Any], key: str | None) -> Any:  # noqa: F811
    data = {"key": key} if key is not None else None
    return client.post(path(body["learnerPage"]) + "/wallet", data=data, follow_redirects=False)


def test_issuing_gives_a_private_learner_link_with_a_random_key_kept_only_hashed(
    client: TestClient,  # noqa: F811
    app: FastAPI,  # noqa: F811
    it: Issuing,
) -> None:
    first, second = issue(it), issue(it)
    for body in (first, second):
        public_id = body["verifiableCredential"]["id"].removeprefix("urn:uuid:")
        assert body["learnerPage"] == f"{BASE}/credentials/{public_id}"
        key = key_of(body)
        assert body["learnerLink"] == f"{BASE}/credentials/{public_id}/learner/{key}"
        assert len(base64.urlsafe_b64decode(key + "=")) * 8 >= 128
    assert key_of(first) != key_of(second)
    with app.state.services.sessions() as session:
        stored = {row.key_hash for row in session.scalars(select(LearnerKey))}
    assert stored == {hashlib.sha256(key_of(b).encode()).hexdigest() for b in (first, second)}
    award = client.post(
        f"/achievements/{it.achievement_id}/awards",
        json={"learner": {"email": "bo@example.org", "name": "Bo"}},
        headers=it.headers,
    )
    assert award.status_code == 201, award.text
    assert "/learner/" in award.json()["learnerLink"]
    assert award.headers["cache-control"] == "no-store"


def test_the_key_is_nowhere_public(client: TestClient, it: Issuing) -> None:  # noqa: F811
    body = issue(it)
    key = key_of(body)
    page = path(body["learnerPage"])
    public = [
        client.get(page, headers=HTML).text,
        client.get(page, headers={"Accept": "application/json"}).text,
        client.get(f"{page}/credential.json").text,
        client.get(f"{page}/badge.png").content.decode("latin-1"),
        client.get(f"{page}/badge.svg").text,
        client.get(f"{page}/qr.svg").text,
    ]
    assert all(key not in text for text in public)
    assert key not in str(body["verifiableCredential"])
    private = client.get(path(body["learnerLink"]), headers=HTML).text
    links = re.findall(r'href="([^"]+)"', private)
    assert links
    assert all(key not in link for link in links)  # LinkedIn, verify, downloads: public links only
    assert any(link.startswith("https://www.linkedin.com/") for link in links)


def test_the_public_page_cannot_send_to_a_wallet_and_a_wrong_key_looks_like_no_credential(
    client: TestClient,  # noqa: F811
    app: FastAPI,  # noqa: F811
    it: Issuing,
    clock: Clock,
) -> None:
    body = issue(it)
    assert wallet_forms(client.get(path(body["learnerPage"]), headers=HTML).text) == []
    unknown = {"learnerPage": f"{BASE}/credentials/00000000-0000-4000-8000-000000000000"}
    answers = [
        not_found(post_wallet(client, body, None)),
        not_found(post_wallet(client, body, "")),
        not_found(post_wallet(client, body, key_of(body)[:-1] + ("A" if key_of(body)[-1] != "A" else "B"))),
        not_found(post_wallet(client, unknown, key_of(body))),
        not_found(client.get(path(body["learnerPage"]) + "/learner/not-the-key")),
    ]
    details = {answer["detail"] for answer in answers if "detail" in answer}
    assert len(details) == 1  # nothing tells a wrong key from an unknown credential
    assert offers(app) == []
    # Strangers who know the public id cannot mint copies: however often they try, no offer is ever made...
    for _ in range(12):
        not_found(post_wallet(client, body, "guess"))
    assert offers(app) == []
    # ...and the learner, with the key, still can.
    wallet = Wallet(client)
    credential = wallet.accept(
        page_links(client, press_button(client, body["learnerLink"]))[0], None, clock.now
    )
    assert credential["credentialSubject"]["id"] == wallet.did


def test_the_institution_renews_and_revokes_the_learner_link(
    client: TestClient,  # noqa: F811
    app: FastAPI,  # noqa: F811
    it: Issuing,
    new_institution: Callable[..., Any],  # noqa: F811
    clock: Clock,
) -> None:
    body = issue(it)
    public_id = body["verifiableCredential"]["id"].removeprefix("urn:uuid:")
    old_key = key_of(body)
    started = press_button(client, body["learnerLink"])  # an offer made with the old key
    renewed = client.post(f"/credentials/{public_id}/learner-link", headers=it.headers)
    assert renewed.status_code == 201, renewed.text
    assert renewed.headers["cache-control"] == "no-store"
    new_key = key_of(renewed.json())
    assert new_key != old_key
    assert renewed.json()["learnerPage"] == body["learnerPage"]
    not_found(post_wallet(client, body, old_key))
    not_found(client.get(path(body["learnerLink"])))
    not_found(client.get(started))  # the offer started with the old key is withdrawn
    assert post_wallet(client, body, new_key).status_code == 303
    # Only the issuing institution, with its API key.
    other = issuing(client, new_institution("uni-b"))
    not_found(client.post(f"/credentials/{public_id}/learner-link", headers=other.headers))
    not_found(client.delete(f"/credentials/{public_id}/learner-link", headers=other.headers))
    assert client.post(f"/credentials/{public_id}/learner-link").status_code == 401
    assert client.delete(f"/credentials/{public_id}/learner-link").status_code == 401
    revoked = client.delete(f"/credentials/{public_id}/learner-link", headers=it.headers)
    assert revoked.status_code == 204
    not_found(post_wallet(client, body, new_key))
    assert [row.state for row in offers(app)] == []  # the open offer made with the new key went too


def test_a_replayed_issue_request_gets_a_new_key_and_the_old_one_stops_working(
    client: TestClient,  # noqa: F811
    it: Issuing,
) -> None:
    credential = it.subject(
        identifier=[
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": False,
                "identityHash": "ana@example.org",
            }
        ]
    )
    headers = {**it.headers, "Idempotency-Key": "retry-1"}
    first = client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    again = client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["verifiableCredential"] == again.json()["verifiableCredential"]
    assert key_of(first.json()) != key_of(again.json())
    not_found(post_wallet(client, first.json(), key_of(first.json())))
    assert post_wallet(client, again.json(), key_of(again.json())).status_code == 303


def test_a_request_that_loses_the_idempotency_race_still_answers_a_working_learner_link(
    client: TestClient,  # noqa: F811
    it: Issuing,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    credential = it.subject(
        identifier=[
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": False,
                "identityHash": "ana@example.org",
            }
        ]
    )
    headers = {**it.headers, "Idempotency-Key": "race-1"}
    first = client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert first.status_code == 201, first.text
    # The retry does not see the first credential at its check (as when both run at once) and fails to insert:
    # its savepoint is rolled back and it answers the winner's credential, with a key made in its own transaction.
    calls: list[int] = []

    def miss_once(session: Any, *, institution: Any, key: str) -> Any:
        calls.append(1)
        if len(calls) == 1:
            return None
        return session.scalar(select(IssuedCredential).where(IssuedCredential.idempotency_key == key))

    monkeypatch.setattr(issuance_data, "credential_by_idempotency_key", miss_once)
    again = client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert again.status_code == 200, again.text
    assert len(calls) == 2
    assert again.json()["verifiableCredential"] == first.json()["verifiableCredential"]
    assert post_wallet(client, again.json(), key_of(again.json())).status_code == 303
    not_found(post_wallet(client, first.json(), key_of(first.json())))


def test_the_access_log_never_shows_the_key(
    client: TestClient,  # noqa: F811
    it: Issuing,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = issue(it)
    key = key_of(body)
    with caplog.at_level(logging.INFO, logger="microcred.app"):
        assert client.get(path(body["learnerLink"]), headers=HTML).status_code == 200
        assert post_wallet(client, body, key).status_code == 303
        not_found(client.get(path(body["learnerPage"]) + "/learner/" + key[::-1]))
    requests = [record for record in caplog.records if record.getMessage() == "request"]
    assert len(requests) == 3
    assert requests[0].path == "/credentials/[redacted]/[redacted]/[redacted]"  # type: ignore[attr-defined]
    assert all(
        key not in repr(vars(record)) and key[::-1] not in repr(vars(record)) for record in caplog.records
    )


def test_the_command_line_renews_and_revokes_the_learner_link(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from microcred.app.cli import cli

    for name, value in {
        "MICROCRED_DATABASE_URL": database_url,
        "MICROCRED_DATA_DIR": str(tmp_path / "var"),
        "MICROCRED_KEY_ENCRYPTION_KEY": KEK,
        "MICROCRED_ADMIN_TOKEN": ADMIN_TOKEN,
        "MICROCRED_PUBLIC_BASE_URL": BASE,
    }.items():
        monkeypatch.setenv(name, value)
    upgrade(database_url)
    runner = CliRunner()
    issuer_app = create_app(Settings())
    try:
        with TestClient(issuer_app, raise_server_exceptions=False) as http:
            made = http.post(
                "/admin/institutions",
                json={
                    "slug": "uni-c",
                    "name": "University C",
                    "url": "https://uni-c.example",
                    "country": "IE",
                },
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
            assert made.status_code == 201, made.text
            body = issue(issuing(http, made.json()))
            public_id = body["verifiableCredential"]["id"]
            result = runner.invoke(cli, ["learner-link", public_id, "--json"])
            assert result.exit_code == 0, result.output
            renewed = json.loads(result.output)
            assert renewed["learnerPage"] == body["learnerPage"]
            not_found(post_wallet(http, body, key_of(body)))
            assert post_wallet(http, body, key_of(renewed)).status_code == 303
            result = runner.invoke(cli, ["learner-link", public_id, "--revoke"])
            assert result.exit_code == 0, result.output
            not_found(post_wallet(http, body, key_of(renewed)))
            unknown = runner.invoke(cli, ["learner-link", "00000000-0000-4000-8000-000000000000"])
            assert unknown.exit_code != 0
    finally:
        issuer_app.state.services.engine.dispose()
