"""End to end on one machine: a credential issued by the issuer app verifies in the verifier app (dev settings).

The verifier's guarded client talks to the issuer app in process (its TestClient is the injected httpx.Client), so
the did:web document is really fetched from ``/issuers/{slug}/did.json`` over the development http allowance.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from microcred.app import Settings
from microcred.app.main import create_verifier_app
from microcred.app.verification.service import build_verifier
from tests.issuer.factories import DID_KEY, issuing


def verifier_client(settings: Settings, issuer_client: TestClient, tmp_path: Path) -> TestClient:
    verifier_settings = settings.model_copy(update={"data_dir": tmp_path / "verifier"})
    app: FastAPI = create_verifier_app(verifier_settings)
    # "testserver" (the issuer's public host in these tests) resolves to loopback, which dev settings allow
    app.state.verifier = build_verifier(
        verifier_settings, client=issuer_client, resolve=lambda host, port: ["127.0.0.1"]
    )
    return TestClient(app, raise_server_exceptions=False)


def test_issued_credential_verifies_in_the_verifier_app(
    client: TestClient, new_institution: Callable[..., Any], settings: Settings, tmp_path: Path
) -> None:
    it = issuing(client, new_institution())
    issued = it.issue(it.subject(id=DID_KEY)).json()["verifiableCredential"]
    assert issued["issuer"]["id"].startswith("did:web:testserver")
    with verifier_client(settings, client, tmp_path) as verifier:
        body = verifier.post("/credentials/verify", json={"verifiableCredential": issued}).json()
        assert body["verified"] is True, body["errors"]
        checks = {c["id"]: c for c in body["report"]["checks"]}
        assert checks["issuer"]["status"] == "passed"
        assert "did:web" in checks["issuer"]["sentence"]
        assert body["euComplete"] is True, [
            c for c in checks.values() if c["id"].startswith("eu:") and c["status"] != "passed"
        ]
        # dev consults the demo registry (issue 8), which does not list this institution
        assert body["trusted"] is False
        assert body["verdict"] == "could not fully check"

        tampered = copy.deepcopy(issued)
        tampered["credentialSubject"]["achievement"]["creditsAvailable"] = 60
        bad = verifier.post("/credentials/verify", json={"verifiableCredential": tampered}).json()
        assert bad["verified"] is False
        assert bad["verdict"] == "not valid"
