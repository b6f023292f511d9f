"""Offer references, learner credential links, pre-authorized codes, transaction codes and access tokens never
reach the request log: the JSON log lines of a whole wallet flow are captured and searched for each secret."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microcred.app.core.logs import JsonFormatter, configure_logging, redact
from tests.app.factories import admin as admin
from tests.app.factories import app as app
from tests.app.factories import client as client
from tests.app.factories import new_institution as new_institution
from tests.app.factories import settings as settings
from tests.app.pages.factories import issue
from tests.app.wallets.factories import Wallet, make_offer, query_value
from tests.issuer.factories import issuing


@pytest.fixture
def log_output(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The JSON log lines the service writes to stderr (configured as ``microcred serve`` does)."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("uvicorn.access").disabled)
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("INFO")
    yield stream
    root.handlers[:], root.level = saved[0], saved[1]
    logging.getLogger("uvicorn.access").disabled = saved[2]


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_wallet_flow_leaves_no_secret_in_the_log(
    client: TestClient, new_institution: Callable[..., Any], log_output: io.StringIO
) -> None:
    it = issuing(client, new_institution())
    answer = make_offer(it)
    by_reference = answer["links"]["openid4vci"]["byReference"]
    reference = query_value(by_reference, "credential_offer_uri").rsplit("/", 1)[1]
    wallet = Wallet(client)
    offer = wallet.offer(by_reference)
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
    # A client that puts the codes in a query string: never logged either.
    client.get(f"/oid4vci/offers/{reference}?pre-authorized_code={code}&tx_code={answer['txCode']}")
    assert client.get(f"/wallet/{reference}").status_code == 200
    assert client.get(f"/exchanges/{reference}/protocols").status_code == 200
    token_answer = wallet.token(code, answer["txCode"])
    assert token_answer.status_code == 200
    access_token = token_answer.json()["access_token"]
    proof = wallet.proof(nonce=wallet.nonce(), iat=datetime.now(UTC).timestamp())
    issued = wallet.credential(access_token, {"jwt": [proof]})
    assert issued.status_code == 200, issued.text
    credential_id = issued.json()["credentials"][0]["credential"]["id"].removeprefix("urn:uuid:")
    assert client.get(f"/credentials/offers/{answer['id']}", headers=it.headers).status_code == 200
    assert client.get(f"/credentials/{credential_id}", headers={"Accept": "text/html"}).status_code == 200
    for download in ("credential.json", "badge.png", "badge.svg", "qr.svg"):
        assert client.get(f"/credentials/{credential_id}/{download}").status_code == 200
    learner = issue(it)
    learner_key = learner["learnerLink"].rsplit("/learner/", 1)[1]
    learner_id = learner["verifiableCredential"]["id"].removeprefix("urn:uuid:")
    assert client.get(f"/credentials/{learner_id}/learner/{learner_key}").status_code == 200
    again = client.post(
        f"/credentials/{learner_id}/wallet", data={"key": learner_key}, follow_redirects=False
    )
    assert again.status_code == 303
    new_reference = again.headers["location"].rsplit("/", 1)[1]
    assert client.get(f"/wallet/{new_reference}").status_code == 200
    assert client.get("/wallet/not-a-real-reference").status_code == 404

    text = log_output.getvalue()
    secrets = {
        "offer reference": reference,
        "second offer reference": new_reference,
        "offer id": answer["id"],
        "pre-authorized code": code,
        "tx code": answer["txCode"],
        "access token": access_token,
        "learner link": credential_id,
        "learner key": learner_key,
        "unknown reference": "not-a-real-reference",
    }
    leaked = [name for name, secret in secrets.items() if secret in text]
    assert leaked == []
    paths = {line["path"] for line in _lines(log_output) if line.get("message") == "request"}
    assert {
        "/oid4vci/offers/[redacted]",
        "/wallet/[redacted]",
        "/exchanges/[redacted]/protocols",
        "/credentials/offers/[redacted]",
        "/credentials/[redacted]",
        "/credentials/[redacted]/badge.png",
        "/credentials/[redacted]/wallet",
        "/credentials/offers",
        "/oid4vci/token",
    } <= paths


def test_lines_of_other_loggers_are_redacted_too(log_output: io.StringIO) -> None:
    """The verifier's HTTP client logs the URLs it fetches; a learner's credential link is one of them."""
    link = "http://issuer.example/credentials/3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b/credential.json"
    logging.getLogger("httpx").info('HTTP Request: GET %s "HTTP/1.1 200 OK"', link)
    logging.getLogger("uvicorn.error").warning("bad request to /wallet/abcdefSECRET?tx_code=123456")
    text = log_output.getvalue()
    assert "3f1c2b4a" not in text
    assert "abcdefSECRET" not in text
    assert "123456" not in text
    assert "/credentials/[redacted]/credential.json" in text


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/credentials/offers", "/credentials/offers"),
        ("/credentials/issue", "/credentials/issue"),
        ("/credentials/status", "/credentials/status"),
        ("/credentials/verify", "/credentials/verify"),
        ("/achievements/a1/versions/2", "/achievements/a1/versions/2"),
        ("/status/7", "/status/7"),
        ("/oid4vci/nonce", "/oid4vci/nonce"),
        ("/credentials/urn:uuid:abc", "/credentials/[redacted]"),
        ("/credentials/abc/extra-secret/badge.png", "/credentials/[redacted]/[redacted]/badge.png"),
        ("/exchanges/abc", "/exchanges/[redacted]"),
        ("/x?code=abc&grant_type=y&tx_code=1", "/x?code=[redacted]&grant_type=y&tx_code=[redacted]"),
    ],
)
def test_what_is_redacted(path: str, logged: str) -> None:
    assert redact(path) == logged
    record = logging.makeLogRecord({"msg": "request", "path": path})
    assert json.loads(JsonFormatter().format(record))["path"] == logged
