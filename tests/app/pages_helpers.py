"""Shared by the page tests: a verifier app wired to the issuer app, and a registry that lists given issuers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from microcred.app import Settings
from microcred.app.main import create_verifier_app
from microcred.app.verification.service import build_verifier
from microcred.verifier.trust import TrustAnswer


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
