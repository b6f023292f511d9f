"""The real-browser suite (issue 9, point 4): both apps served by uvicorn on loopback, driven by Debian's Chromium
through the Python ``playwright`` package (``executable_path``; no browser download, never ``playwright install``).

It is its own suite: ``make test-browser`` (which installs ``chromium`` with apt-get when missing) sets
``MICROCRED_BROWSER_TESTS=1``; the default ``pytest`` run does not collect it, so ``make test`` needs no browser.
Screenshots go to ``tests/output/`` (ignored by git).
"""

from __future__ import annotations

import dataclasses
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from microcred.app import Settings, create_app
from microcred.app.db.migrate import upgrade
from microcred.app.main import create_verifier_app
from microcred.app.verification.service import build_verifier
from microcred.issuer import DEMO_ACHIEVEMENT
from microcred.verifier.trust import TrustAnswer

collect_ignore_glob = [] if os.environ.get("MICROCRED_BROWSER_TESTS") == "1" else ["test_*.py"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parent.parent / "output"
KEK = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  # bytes 0..31, base64url: a test KEK, never a real one
ADMIN = "browser-admin-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Listed:
    """A trust registry listing the test institution (the real registries are issue 8's)."""

    issuers: set[str] = field(default_factory=set)

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        listed = issuer in self.issuers
        return TrustAnswer(listed, "test", "The test registry lists the issuer." if listed else "Not listed.")


class Served:
    """One app under uvicorn in a thread on a loopback port."""

    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Stack:
    """The running issuer and verifier, an institution with an API key and a published achievement."""

    issuer: str
    verifier: str
    api: httpx.Client
    headers: dict[str, str]
    did: str
    achievement_url: str

    def issue(self) -> dict[str, Any]:
        subject = {
            "achievement": {"id": self.achievement_url},
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": False,
                    "identityHash": "ana@example.org",
                },
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": "Ana Andromeda",
                },
            ],
            "result": [{"type": ["Result"], "value": "Pass"}],
        }
        response = self.api.post(
            "/credentials/issue", json={"credential": {"credentialSubject": subject}}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("browser")
    issuer_port, verifier_port = free_port(), free_port()
    database = f"sqlite:///{tmp / 'microcred.db'}"
    upgrade(database)
    settings = Settings(
        mode="dev",
        data_dir=tmp / "var",
        database_url=database,
        key_encryption_key=SecretStr(KEK),
        admin_token=SecretStr(ADMIN),
        host="127.0.0.1",
        issuer_port=issuer_port,
        verifier_port=verifier_port,
        log_level="WARNING",
        # lists served with max-age=0: a revocation shows at the next check, not after the default 1 s ttl
        # during which the verifier may reuse the copy an earlier test fetched
        status_list_ttl_seconds=0,
    )
    registry = Listed()
    verifier_app = create_verifier_app(settings)
    # the verifier's guarded client, closed at the end
    outbound = httpx.Client(follow_redirects=False, trust_env=False)
    verifier_app.state.verifier = dataclasses.replace(
        build_verifier(settings, client=outbound), trust=registry
    )
    issuer_app = create_app(settings)
    with (
        Served(issuer_app, issuer_port) as issuer,
        Served(verifier_app, verifier_port) as verifier,
        outbound,
        httpx.Client(base_url=issuer.url, timeout=30) as api,
    ):
        created = api.post(
            "/admin/institutions",
            json={
                "slug": "demo",
                "name": "Demo University",
                "url": "https://demo.example",
                "country": "IE",
            },
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
        assert created.status_code == 201, created.text
        headers = {"Authorization": f"Bearer {created.json()['apiKey']['key']}"}
        achievement = api.post("/achievements", json=DEMO_ACHIEVEMENT, headers=headers)
        assert achievement.status_code == 201, achievement.text
        registry.issuers.add(created.json()["did"])
        yield Stack(
            issuer=issuer.url,
            verifier=verifier.url,
            api=api,
            headers=headers,
            did=created.json()["did"],
            achievement_url=achievement.json()["id"],
        )
    issuer_app.state.services.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} is missing: run `make test-browser` (it installs Debian's chromium)"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    context = browser.new_context(
        accept_downloads=True, viewport={"width": 1100, "height": 900}, locale="en-GB"
    )
    page = context.new_page()
    refused: list[str] = []  # what the pages' Content-Security-Policy blocked: must stay empty
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert refused == [], f"the Content-Security-Policy blocked part of a page: {refused}"


@pytest.fixture(scope="session")
def output() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
