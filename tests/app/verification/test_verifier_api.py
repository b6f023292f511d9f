"""The verifier app: VC-API verify endpoints, uploads (JSON, VC-JWT, PNG, SVG) and URLs; hostile input → 4xx problem."""

from __future__ import annotations

import json
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcred.app import Settings
from microcred.app.main import create_verifier_app
from microcred.app.verification.service import fetch_policy
from tests.app.verification.factories import jwt_for
from tests.verifier.factories import NOW, World, controller, key_signer
from tests.verifier.factories import loader as loader
from tests.verifier.factories import world as world

PROBLEM = "application/problem+json"


@pytest.fixture
def client(tmp_path: Path, world: World) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, mode="dev", max_body_bytes=200_000)
    app = create_verifier_app(settings)
    app.state.verifier = world.verifier()
    app.state.verifier_clock = lambda: NOW
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def baked_png(text: bytes, *, compressed: bool = False) -> bytes:
    body = zlib.compress(text) if compressed else text
    itxt = chunk(b"iTXt", b"openbadgecredential\0" + (b"\1\0" if compressed else b"\0\0") + b"\0\0" + body)
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + itxt + chunk(b"IDAT", zlib.compress(b"\0" * 5)) + chunk(b"IEND", b"")


def baked_svg(credential: dict[str, Any]) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        f"<openbadges:credential><![CDATA[{json.dumps(credential)}]]></openbadges:credential></svg>"
    ).encode()


def test_credentials_verify_answers_200_with_vc_api_fields_and_the_report(
    client: TestClient, world: World
) -> None:
    signed = world.sign(world.credential())
    response = client.post("/credentials/verify", json={"verifiableCredential": signed, "options": {}})
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True
    assert "proof" in body["checks"]
    assert body["errors"] == []
    assert isinstance(body["warnings"], list)
    assert body["verdict"] == "could not fully check"
    assert {c["id"] for c in body["report"]["checks"]} >= {
        "structure",
        "contexts",
        "proof",
        "issuer",
        "status",
    }
    assert body["euComplete"] is False
    assert body["trusted"] is None


def test_a_bad_credential_is_still_200_with_verified_false(client: TestClient, world: World) -> None:
    signed = world.sign(world.credential())
    signed["credentialSubject"]["achievement"]["name"] = "Forged"
    response = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is False
    assert body["verdict"] == "not valid"
    assert any(e["check"] == "proof" for e in body["errors"])


def test_enveloped_vc_jwt(client: TestClient, world: World) -> None:
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+jwt," + jwt_for(world),
    }
    response = client.post("/credentials/verify", json={"verifiableCredential": enveloped})
    assert response.status_code == 200
    assert response.json()["verified"] is True
    assert response.json()["format"] == "jwt"


def test_presentations_verify(client: TestClient, world: World) -> None:
    holder_signer = key_signer(bytes(range(100, 132)))
    holder = controller(holder_signer)
    credential = world.credential()
    credential["credentialSubject"]["id"] = holder
    vp = world.sign(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": holder,
            "verifiableCredential": [world.sign(credential)],
        },
        holder_signer,
        purpose="authentication",
        challenge="abc",
        domain="verifier.example",
    )
    options = {"challenge": "abc", "domain": "verifier.example"}
    body = client.post(
        "/presentations/verify", json={"verifiablePresentation": vp, "options": options}
    ).json()
    assert body["verified"] is True
    assert body["holderIsSubject"] is True
    assert body["credentials"][0]["verified"] is True
    wrong = client.post(
        "/presentations/verify", json={"verifiablePresentation": vp, "options": {**options, "challenge": "x"}}
    )
    assert wrong.status_code == 200
    assert wrong.json()["verified"] is False


@pytest.mark.parametrize("kind", ["json", "png", "svg", "jwt"])
def test_verify_upload_of_each_format(client: TestClient, world: World, kind: str) -> None:
    signed = world.sign(world.credential())
    files = {
        "json": ("badge.json", json.dumps(signed).encode(), "application/json"),
        "png": ("badge.png", baked_png(json.dumps(signed).encode()), "image/png"),
        "svg": ("badge.svg", baked_svg(signed), "image/svg+xml"),
        "jwt": ("badge.jwt", jwt_for(world).encode(), "text/plain"),
    }[kind]
    response = client.post("/verify", files={"file": files})
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True
    assert response.json()["input"]["source"] == kind


def test_verify_raw_body_upload(client: TestClient, world: World) -> None:
    png = baked_png(json.dumps(world.sign(world.credential())).encode())
    response = client.post("/verify", content=png, headers={"content-type": "image/png"})
    assert response.json()["verified"] is True


def test_verify_by_url(client: TestClient, world: World) -> None:
    world.web.put_json("https://issuer.example/credentials/1", world.sign(world.credential()))
    for response in (
        client.post("/verify", json={"url": "https://issuer.example/credentials/1"}),
        client.post("/verify", data={"url": "https://issuer.example/credentials/1"}),
    ):
        assert response.status_code == 200, response.text
        assert response.json()["verified"] is True
        assert response.json()["input"]["url"] == "https://issuer.example/credentials/1"


def test_dev_settings_let_the_verifier_reach_the_local_issuer(tmp_path: Path) -> None:
    dev = fetch_policy(Settings(data_dir=tmp_path, mode="dev"))
    assert "127.0.0.1:8000" in dev.http_hosts
    assert "127.0.0.1" in dev.allow_private
    production = fetch_policy(Settings(data_dir=tmp_path, mode="production"))
    assert production.http_hosts == frozenset()
    assert production.allow_private == frozenset()


def bomb_png() -> bytes:
    return baked_png(b" " * 30_000_000, compressed=True)


def entity_bomb_svg() -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        b"<openbadges:credential>&d;&d;&d;&d;</openbadges:credential></svg>"
    )


PLAIN_PNG = (
    b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)) + chunk(b"IEND", b"")
)

BAD_INPUTS: list[tuple[str, str, dict[str, Any], int]] = [
    (
        "non-JSON to VC-API",
        "/credentials/verify",
        {"content": b"hello", "headers": {"content-type": "application/json"}},
        422,
    ),
    (
        "truncated JSON",
        "/credentials/verify",
        {"content": b'{"verifiableCredential": {', "headers": {"content-type": "application/json"}},
        422,
    ),
    ("JSON array", "/credentials/verify", {"json": [1, 2, 3]}, 422),
    ("missing verifiableCredential", "/credentials/verify", {"json": {"credential": {}}}, 422),
    ("credential not an object", "/credentials/verify", {"json": {"verifiableCredential": 42}}, 422),
    (
        "options not an object",
        "/credentials/verify",
        {"json": {"verifiableCredential": {}, "options": "x"}},
        422,
    ),
    (
        "huge body",
        "/credentials/verify",
        {"content": b'{"a":"' + b"x" * 300_000 + b'"}', "headers": {"content-type": "application/json"}},
        413,
    ),
    (
        "deeply nested JSON",
        "/credentials/verify",
        {
            "content": b'{"verifiableCredential":' + b"[" * 50_000 + b"]" * 50_000 + b"}",
            "headers": {"content-type": "application/json"},
        },
        422,
    ),
    (
        "wrong media type to VC-API",
        "/credentials/verify",
        {"content": b"<x/>", "headers": {"content-type": "application/xml"}},
        415,
    ),
    (
        "wrong media type upload",
        "/verify",
        {"content": b"GIF89a", "headers": {"content-type": "image/gif"}},
        415,
    ),
    (
        "unknown bytes upload",
        "/verify",
        {"files": {"file": ("x.bin", b"\x00\x01\x02garbage", "application/octet-stream")}},
        415,
    ),
    (
        "PNG without a credential",
        "/verify",
        {"content": PLAIN_PNG, "headers": {"content-type": "image/png"}},
        422,
    ),
    (
        "SVG without a credential",
        "/verify",
        {
            "content": b'<svg xmlns="http://www.w3.org/2000/svg"/>',
            "headers": {"content-type": "image/svg+xml"},
        },
        422,
    ),
    (
        "PNG decompression bomb",
        "/verify",
        {"content": bomb_png(), "headers": {"content-type": "image/png"}},
        413,
    ),
    (
        "SVG entity bomb",
        "/verify",
        {"content": entity_bomb_svg(), "headers": {"content-type": "image/svg+xml"}},
        422,
    ),
    ("URL to a private address", "/verify", {"json": {"url": "https://10.0.0.1/badge.json"}}, 422),
    ("URL over plain http", "/verify", {"json": {"url": "http://issuer.example/badge.json"}}, 422),
    ("URL that is not found", "/verify", {"json": {"url": "https://issuer.example/missing"}}, 422),
    ("empty multipart", "/verify", {"files": {"other": ("a", b"b", "text/plain")}}, 422),
    ("presentation not an object", "/presentations/verify", {"json": {"verifiablePresentation": "x"}}, 422),
    (
        "challenge not a string",
        "/presentations/verify",
        {"json": {"verifiablePresentation": {}, "options": {"challenge": 1}}},
        422,
    ),
]


@pytest.mark.parametrize(("name", "path", "kwargs", "status"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_a_problem_never_a_500_never_a_hang(
    client: TestClient,
    world: World,
    name: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
) -> None:
    start = time.monotonic()
    response = client.post(path, **kwargs)
    elapsed = time.monotonic() - start
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    assert elapsed < 2, f"{name} took {elapsed:.2f} s"
    assert world.web.hits.get("https://www.w3.org/ns/credentials/v2") is None  # no context is ever fetched


def test_unknown_context_is_reported_without_any_fetch(client: TestClient, world: World) -> None:
    signed = world.sign(world.credential())
    signed["@context"].append("https://contexts.example/poison.jsonld")
    response = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert response.status_code == 200
    assert response.json()["verified"] is False
    assert world.web.hits == {}


def test_json_ld_that_pyld_cannot_process_is_a_report_not_a_500(client: TestClient, world: World) -> None:
    signed = world.sign(world.credential())
    signed["@context"][0] = ""  # pyld raises a bare ValueError on this; found by the hypothesis property test
    response = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert response.status_code == 200
    assert response.json()["verified"] is False


def test_did_web_and_status_list_fetched_once_then_verified_from_cache(
    client: TestClient, world: World
) -> None:
    from tests.verifier.factories import STATUS_URL, WEB_DID, ob3_credential, status_entry, status_list

    world.web.put_json(
        STATUS_URL,
        world.sign(status_list(WEB_DID), world.web_issuer),
        headers={"cache-control": "max-age=600"},
    )
    credential = ob3_credential(WEB_DID)
    credential["credentialStatus"] = status_entry()
    signed = world.sign(credential, world.web_issuer)
    for _ in range(3):
        body = client.post("/credentials/verify", json={"verifiableCredential": signed}).json()
        assert body["verified"] is True, body["errors"]
        assert "status" in body["checks"]
    assert world.web.hits == {"https://issuer.example/.well-known/did.json": 1, STATUS_URL: 1}


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=15,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["/credentials/verify", "/presentations/verify", "/verify"]),
    field=st.sampled_from(["verifiableCredential", "verifiablePresentation", "url", "options", "x"]),
    value=JSON_VALUES,
    raw=st.binary(max_size=64),
    use_raw=st.booleans(),
)
def test_arbitrary_bodies_never_give_a_500(
    client: TestClient, path: str, field: str, value: Any, raw: bytes, use_raw: bool
) -> None:
    if use_raw:
        response = client.post(path, content=raw, headers={"content-type": "application/json"})
    else:
        response = client.post(path, json={field: value})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith(PROBLEM)
