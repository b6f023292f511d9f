"""The real-browser suite (issue 9, point 4): both apps served by uvicorn on loopback, driven by Debian's Chromium
through the Python ``playwright`` package (``executable_path``; no browser download, never ``playwright install``).

It is its own suite: ``make test-browser`` (which installs ``chromium`` with apt-get when missing) sets
``MICROCRED_BROWSER_TESTS=1``; the default ``pytest`` run does not collect it, so ``make test`` needs no browser.
Screenshots go to ``tests/output/`` (ignored by git).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from microcred.app import Settings, create_app
from microcred.app.db.migrate import upgrade
from microcred.app.main import create_verifier_app
from microcred.app.verification.service import build_verifier
from microcred.issuer import DEMO_ACHIEVEMENT
from tests.browser.factories import (
    ADMIN,
    CHROMIUM,
    CHROMIUM_ARGS,
    KEK,
    OUTPUT,
    Listed,
    Served,
    Stack,
    free_port,
)

collect_ignore_glob = [] if os.environ.get("MICROCRED_BROWSER_TESTS") == "1" else ["test_*.py"]


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
