"""Concurrent requests with one Idempotency-Key: exactly one 201, the others a 200 replay of the same body or a 409
problem+json with Retry-After while the first is in flight; never a 500, never a second credential."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from microcred.app.db.tables import IssuedCredential
from tests.issuer.factories import DID_KEY, issuing

CLIENTS = 16


def _count(app: FastAPI) -> int:
    with app.state.services.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(IssuedCredential)) or 0)


def _race(
    client: TestClient, url: str, body: dict[str, Any], headers: dict[str, str]
) -> list[httpx.Response]:
    """``CLIENTS`` threads send the same request at once (released together by a barrier)."""
    barrier = threading.Barrier(CLIENTS)
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def send() -> None:
        barrier.wait()
        response = client.post(url, json=body, headers=headers)
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=send) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(responses) == CLIENTS
    return responses


def _same_credential(a: httpx.Response, b: httpx.Response) -> bool:
    """The same credential and page (a replay mints a fresh private learner link: only its hash is kept)."""
    return all(a.json()[k] == b.json()[k] for k in ("verifiableCredential", "learnerPage"))


def _check(responses: list[httpx.Response]) -> None:
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1, codes
    assert set(codes) <= {200, 201, 409}, [(r.status_code, r.text[:200]) for r in responses]
    created = next(r for r in responses if r.status_code == 201)
    for response in responses:
        if response.status_code == 200:
            assert _same_credential(response, created)
        elif response.status_code == 409:
            assert response.headers["content-type"] == "application/problem+json"
            assert int(response.headers["retry-after"]) >= 1
            assert response.json()["status"] == 409


def test_same_key_at_once_on_the_vc_api_route(
    app: FastAPI, client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    headers = {**it.headers, "Idempotency-Key": "race-1"}
    body = {"credential": it.subject(id=DID_KEY)}
    first = _race(client, "/credentials/issue", body, headers)
    _check(first)
    assert _count(app) == 1
    # Once the first has committed, every one is a replay of it.
    again = _race(client, "/credentials/issue", body, headers)
    assert {r.status_code for r in again} == {200}
    created = next(r for r in first if r.status_code == 201)
    assert all(_same_credential(r, created) for r in again)
    assert _count(app) == 1


def test_same_key_at_once_on_the_awards_route(
    app: FastAPI, client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    body = {"learner": {"name": "Ana", "email": "ana@example.org"}, "result": {"grade": "Pass"}}
    responses = _race(
        client, f"/achievements/{it.achievement_id}/awards", body, {**it.headers, "Idempotency-Key": "race-2"}
    )
    _check(responses)
    assert _count(app) == 1


def test_same_key_different_request_is_still_409_under_concurrency(
    app: FastAPI, client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    headers = {**it.headers, "Idempotency-Key": "race-3"}
    first = client.post("/credentials/issue", json={"credential": it.subject(id=DID_KEY)}, headers=headers)
    assert first.status_code == 201
    responses = _race(client, "/credentials/issue", {"credential": it.subject(id=DID_KEY + "x")}, headers)
    assert {r.status_code for r in responses} == {409}
    assert _count(app) == 1
