"""Shared by the page tests: issuing a credential, reading a page's links, a verifier app wired to the issuer app,
and a registry that lists given issuers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from microcred.app import Settings
from microcred.app.main import create_verifier_app
from microcred.app.verification.service import build_verifier
from microcred.verifier.trust import TrustAnswer
from tests.issuer.factories import Issuing

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class Links(HTMLParser):
    """Every ``<a href>`` with its text, and every element id."""

    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links["".join(self._text).strip()] = self._href
            self._href = None


def links(html: str) -> dict[str, str]:
    parser = Links()
    parser.feed(html)
    return parser.links


def issue(it: Issuing) -> dict[str, Any]:
    subject = it.subject(
        identifier=[
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
        result=[{"type": ["Result"], "value": "Pass"}],
    )
    response = it.issue(subject)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass(frozen=True)
class Listed:
    """A trust registry that lists exactly ``issuers``."""

    issuers: frozenset[str]

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        listed = issuer in self.issuers
        return TrustAnswer(
            listed, "test", "The test registry lists the issuer." if listed else "The test registry does not."
        )


def verifier_app(
    settings: Settings, issuer_client: TestClient, tmp_path: Path, *, trusted: set[str]
) -> FastAPI:
    """The verifier app whose guarded client reaches the issuer app in process; ``trusted`` issuers are listed."""
    verifier_settings = settings.model_copy(update={"data_dir": tmp_path / "verifier"})
    app = create_verifier_app(verifier_settings)
    verifier = build_verifier(
        verifier_settings, client=issuer_client, resolve=lambda host, port: ["127.0.0.1"]
    )
    app.state.verifier = dataclasses.replace(verifier, trust=Listed(frozenset(trusted)))
    return app
