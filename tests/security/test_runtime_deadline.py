"""A verification request has one total deadline: past it the answer is a 503 problem+json, never a hang."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from microcred.app import Settings
from microcred.app.main import create_verifier_app
from microcred.app.verification.service import build_verifier


def test_a_verification_past_its_total_deadline_is_a_503_problem(tmp_path: Path) -> None:
    release = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        release.wait(10)  # a host that takes far longer than the request may
        return httpx.Response(404)

    settings = Settings(data_dir=tmp_path, mode="dev", verifier_deadline_seconds=0.5)
    app = create_verifier_app(settings)
    app.state.verifier = build_verifier(
        settings,
        client=httpx.Client(transport=httpx.MockTransport(slow)),
        resolve=lambda host, port: ["93.184.215.14"],
    )
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            started = time.monotonic()
            response = client.post("/verify", json={"url": "https://credentials.example/c/1"})
            elapsed = time.monotonic() - started
    finally:
        release.set()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    problem = response.json()
    assert problem["type"] == "https://microcred.eu/problems/deadline-exceeded"
    assert "did not finish within 0.5 s" in problem["detail"]
    assert elapsed < 1.5


def test_the_verify_page_past_the_deadline_says_so(tmp_path: Path) -> None:
    release = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        release.wait(10)
        return httpx.Response(404)

    settings = Settings(data_dir=tmp_path, mode="dev", verifier_deadline_seconds=0.5)
    app = create_verifier_app(settings)
    app.state.verifier = build_verifier(
        settings,
        client=httpx.Client(transport=httpx.MockTransport(slow)),
        resolve=lambda host, port: ["93.184.215.14"],
    )
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/", params={"url": "https://credentials.example/c/1"})
    finally:
        release.set()
    assert response.status_code == 503
    assert "did not finish within 0.5 s" in response.text
    assert "misconfigured" not in response.text
