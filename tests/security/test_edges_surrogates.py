"""A lone UTF-16 surrogate escape (``\\ud800``) in a JSON body is a 422 problem+json on both apps, never a 500,
and nothing is stored; a valid surrogate pair and an escaped backslash stay accepted."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from microcred.app import Settings
from microcred.app.main import create_verifier_app
from microcred.vc.json_text import lone_surrogate_escape
from tests.app.factories import admin as admin
from tests.app.factories import app as app
from tests.app.factories import client as client
from tests.app.factories import new_institution as new_institution
from tests.app.factories import settings as settings
from tests.issuer.factories import DID_KEY, issuing

JSON = {"content-type": "application/json"}
# Raw JSON escapes as a client would write them (bytes, so no Python escape is resolved on the way).
LONE = [rb"\ud800", rb"\udc00", rb"\uDBFF", rb"\udc00\ud800", rb"\ud83dx", rb"\\\ud800"]


def _problem_422(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "surrogate" in response.json()["detail"]


@pytest.fixture
def verifier(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_verifier_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("escape", LONE)
def test_issuer_refuses_a_lone_surrogate_and_stores_nothing(
    client: TestClient, admin: dict[str, str], new_institution: Callable[..., Any], escape: bytes
) -> None:
    body = b'{"slug": "uni-s", "name": "Uni' + escape + b'", "url": "https://s.example", "country": "IE"}'
    _problem_422(client.post("/admin/institutions", content=body, headers={**admin, **JSON}))
    assert client.get("/admin/institutions", headers=admin).json()["institutions"] == []

    it = issuing(client, new_institution())
    subject = {"id": DID_KEY, "achievement": {"id": it.achievement_url}, "name": "LEARNER"}
    credential = json.dumps({"credential": {"credentialSubject": subject}}).encode()
    credential = credential.replace(b"LEARNER", b"Ada " + escape)
    _problem_422(client.post("/credentials/issue", content=credential, headers={**it.headers, **JSON}))
    assert client.get("/credentials", headers=it.headers).json()["credentials"] == []

    for path in ("/registry/authorization", "/exchanges/some-reference", "/oid4vci/credential"):
        _problem_422(client.post(path, content=b'{"entity_id": "' + escape + b'"}', headers=JSON))


@pytest.mark.parametrize("escape", LONE)
def test_verifier_refuses_a_lone_surrogate(verifier: TestClient, escape: bytes) -> None:
    value = b'"' + escape + b'"'
    credential = b'{"@context": [' + value + b'], "type": ["VerifiableCredential"]}'
    for path, body in (
        ("/credentials/verify", b'{"verifiableCredential": ' + credential + b"}"),
        ("/presentations/verify", b'{"verifiablePresentation": {"@context": [' + value + b"]}}"),
        ("/verify", credential),
        ("/verify", b'{"url": ' + value + b"}"),
    ):
        _problem_422(verifier.post(path, content=body, headers=JSON))
    # Inside an upload or the page's pasted text the JSON is refused by the verifier's parser, still a 422.
    upload = verifier.post("/verify", files={"file": ("credential.json", credential, "application/json")})
    assert upload.status_code == 422, upload.text
    assert upload.headers["content-type"] == "application/problem+json"
    page = verifier.post("/check", data={"text": credential.decode()})
    assert page.status_code == 422
    assert "surrogate" in page.text


def test_a_valid_pair_and_an_escaped_backslash_are_accepted(
    client: TestClient, admin: dict[str, str], verifier: TestClient
) -> None:
    for slug, name in (("uni-p", rb"Uni \ud83c\udf93"), ("uni-b", rb"Uni \\ud800")):
        body = (
            b'{"slug": "'
            + slug.encode()
            + b'", "name": "'
            + name
            + b'", "url": "https://p.example", "country": "IE"}'
        )
        response = client.post("/admin/institutions", content=body, headers={**admin, **JSON})
        assert response.status_code == 201, response.text
    names = {i["name"] for i in client.get("/admin/institutions", headers=admin).json()["institutions"]}
    assert names == {"Uni \N{GRADUATION CAP}", "Uni \\ud800"}
    report = verifier.post(
        "/credentials/verify", content=rb'{"verifiableCredential": {"name": "\ud83c\udf93"}}', headers=JSON
    )
    assert report.status_code == 200
    assert report.json()["verified"] is False


# Any code points, lone surrogates and astral characters (which JSON writes as a pair) well represented.
_CODE_POINTS = st.one_of(
    st.integers(0xD800, 0xDBFF),
    st.integers(0xDC00, 0xDFFF),
    st.integers(0x10000, 0x10FFFF),
    st.integers(0, 0x10FFFF),
    st.just(ord("\\")),
)


@given(st.lists(_CODE_POINTS, max_size=12).map(lambda points: "".join(map(chr, points))))
def test_the_check_agrees_with_what_python_decodes(text: str) -> None:
    """Whatever a JSON encoder writes, the check fires exactly when the decoded text has a lone surrogate."""
    for encoded in (json.dumps(text), json.dumps({"k": [text, "x"]})):
        # Decoded, not the input: a high then a low surrogate written one after the other become one character.
        decoded = json.dumps(json.loads(encoded), ensure_ascii=False)
        lone = any(0xD800 <= ord(ch) <= 0xDFFF for ch in decoded)
        assert lone_surrogate_escape(encoded.encode("ascii")) is lone


@pytest.mark.parametrize("media", [None, "text/plain", "application/octet-stream"])
def test_a_body_without_a_json_media_type_is_checked_too(
    client: TestClient, verifier: TestClient, media: str | None
) -> None:
    """FastAPI reads a body without a media type as JSON, and some handlers parse text/plain themselves."""
    headers = {"content-type": media} if media else {}
    query = rb'{"entity_id": "did:web:x\ud800", "authority_id": "did:web:y", "action": "a", "resource": "r"}'
    _problem_422(client.post("/registry/authorization", content=query, headers=headers))
    _problem_422(verifier.post("/verify", content=rb'{"@context": ["\ud800"]}', headers=headers))
