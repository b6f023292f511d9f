"""Every route of both apps, hit with what clients get wrong: hostile path values, broken or mistyped bodies, wrong
media types, no or the wrong credentials. Whatever the route, the answer is a client error with a readable body
(problem+json for the APIs, OAuth error JSON on the OpenID4VCI endpoints as that spec asks, an HTML page on the
pages), never a 5xx, never a stack trace.

The routes are read from the apps themselves, so a new route is swept without editing this file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from microcred.app import Settings
from microcred.app.main import create_verifier_app
from tests.issuer.factories import Issuing, issuing

HOSTILE_SEGMENTS = ["0", "-1", "99999999999999999999999", "x" * 3000, "%00", "%FF", "..", "ü", "urn:uuid:%20"]

_WRONG_TYPES = {
    name: value
    for name, value in [
        ("credential", []),
        ("verifiableCredential", "x"),
        ("verifiablePresentation", 7),
        ("options", []),
        ("credentialId", {}),
        ("credentialStatus", 5),
        ("status", "yes"),
        ("slug", 7),
        ("name", []),
        ("url", {}),
        ("country", 1.5),
        ("learner", 1),
        ("result", "A"),
        ("did", None),
        ("dids", "did:web:x"),
        ("scope", 3),
        ("state", []),
        ("grant_type", 1),
        ("proof", "x"),
        ("proofs", []),
        ("credential_configuration_id", {}),
        ("achievementId", []),
        ("rows", {}),
    ]
}

BODIES: list[tuple[str, bytes]] = [
    ("application/json", b""),
    ("application/json", b"{"),
    ("application/json", b"[]"),
    ("application/json", b"null"),
    ("application/json", b'"\\ud800"'),
    ("application/json", b"1e999999"),
    ("application/json", b"[" * 20_000),
    ("application/json", json.dumps({"unexpected": "field"}).encode()),
    ("application/json", json.dumps(_WRONG_TYPES).encode()),
    ("application/json", b"\xff\xfe\x00garbage"),
    ("text/plain", b"hello"),
    ("application/x-www-form-urlencoded", b"a=b&grant_type=%00&credential=%7B"),
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nbroken'),
    ("multipart/form-data", b"no boundary"),
]

QUERY = {"limit": "-1", "offset": "abc", "level": "99", "ects": "NaN", "title": "\x00", "version": "x"}


def routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path template) of every route, included routers too; HEAD and the docs pages aside."""

    def walk(found: list[Any]) -> Iterator[tuple[str, str]]:
        for route in found:
            if hasattr(route, "path") and hasattr(route, "methods"):
                for method in sorted(route.methods or ()):
                    if method != "HEAD" and not route.path.startswith(("/docs", "/redoc", "/openapi")):
                        yield method, route.path
            elif hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)

    return walk(app.routes)


def fill(template: str, values: dict[str, str], hostile: str | None = None) -> str:
    path = template
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        name = path[start + 1 : end]
        path = (
            path[:start] + (hostile if hostile is not None else values.get(name, "unknown")) + path[end + 1 :]
        )
    return path


def check(response: Any, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    assert "Traceback" not in response.text, where
    if response.status_code >= 400:
        kind = response.headers.get("content-type", "")
        assert kind.startswith(("application/problem+json", "text/html", "application/json")), (where, kind)
        if kind.startswith("application/json"):  # the OpenID4VCI and OAuth endpoints: {"error": code}
            assert "error" in response.json(), where


def sweep(client: TestClient, app: FastAPI, values: dict[str, str], auths: list[dict[str, str]]) -> int:
    sent = 0
    # DELETE last: the valid sweep revokes the API key it names
    for method, template in sorted(routes(app), key=lambda r: (r[0] == "DELETE", r[1], r[0])):
        # hostile values in each path parameter, with the institution's key and a broken body
        if "{" in template:
            for hostile in HOSTILE_SEGMENTS:
                path = fill(template, values, hostile)
                response = client.request(
                    method, path, headers={**auths[1], "content-type": "application/json"}, content=b"{"
                )
                check(response, f"{method} {path[:120]}")
                sent += 1
        path = fill(template, values)
        for auth in auths:
            if method == "GET":
                check(client.get(path, params=QUERY, headers=auth), f"GET {path}?{QUERY}")
                sent += 1
                continue
            for media_type, body in BODIES:
                response = client.request(
                    method, path, params=QUERY, headers={**auth, "content-type": media_type}, content=body
                )
                check(response, f"{method} {path} [{media_type}] {body[:40]!r}")
                sent += 1
    return sent


@pytest.fixture
def it(client: TestClient, new_institution: Any) -> Issuing:
    return issuing(client, new_institution("uni-a"))


def test_every_issuer_route_answers_bad_requests_with_a_client_error(
    client: TestClient, app: FastAPI, it: Issuing, admin: dict[str, str]
) -> None:
    issued = it.issue(it.subject(id="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"))
    assert issued.status_code == 201, issued.text
    credential = issued.json()["verifiableCredential"]
    keys = client.get(f"/admin/institutions/{it.slug}/api-keys", headers=admin).json()
    values = {
        "slug": it.slug,
        "prefix": keys["apiKeys"][0]["prefix"],
        "achievement_id": it.achievement_id,
        "version": "1",
        "credential_id": credential["id"].removeprefix("urn:uuid:"),
        "list_id": credential["credentialStatus"]["statusListCredential"].rsplit("/", 1)[1],
    }
    auths = [{}, it.headers, admin, {"Authorization": "Bearer mc_nothing_here"}]
    sent = sweep(client, app, values, auths)
    assert sent > 1500  # every route was reached (about 60 of them)


def test_every_verifier_route_answers_bad_requests_with_a_client_error(settings: Settings) -> None:
    verifier = create_verifier_app(settings)
    with TestClient(verifier, raise_server_exceptions=False) as client:
        sent = sweep(client, verifier, {}, [{}, {"Authorization": "Bearer anything"}])
    assert sent > 100
