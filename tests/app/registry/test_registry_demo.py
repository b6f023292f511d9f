"""Out of the box (issue 8, point 4): the demo registry inside the issuer app lists the demo institution, and the
dev verifier consults it by default: the demo credential is ``"trusted": true``, an unlisted issuer's ``false``,
and ``null`` only when no registry could be asked. Both apps are real; the verifier's guarded client reaches the
issuer app in process (its TestClient is the injected httpx.Client).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from microcred.app import Settings
from microcred.app.cli.institutions import ensure_demo
from microcred.app.cli.registry import DEMO_QA_BODY, ensure_demo_listing
from microcred.app.main import create_verifier_app
from microcred.app.verification.service import build_verifier, trust_sources
from tests.issuer.factories import DID_KEY, issuing


def verifier_client(settings: Settings, client: httpx.Client, tmp_path: Path) -> TestClient:
    verifier_settings = settings.model_copy(update={"data_dir": tmp_path / "verifier"})
    app = create_verifier_app(verifier_settings)
    app.state.verifier = build_verifier(
        verifier_settings, client=client, resolve=lambda host, port: ["127.0.0.1"]
    )
    return TestClient(app, raise_server_exceptions=False)


def test_demo_credential_is_trusted_and_an_unlisted_issuer_is_not(
    client: TestClient, new_institution: Callable[..., Any], settings: Settings, tmp_path: Path
) -> None:
    did, key, _how = ensure_demo(settings)  # what `serve --dev` does, then:
    banner = ensure_demo_listing(settings)
    assert "lists Demo University" in banner
    assert "did:web:testserver:registry" in banner
    assert ensure_demo_listing(settings) == banner  # idempotent: a restart lists nothing twice
    assert len(client.get("/registry/entries").json()["entries"]) == 1

    demo = issuing(client, {"apiKey": {"key": key}, "did": did, "slug": settings.demo_slug})
    demo_credential = demo.issue(demo.subject(id=DID_KEY)).json()["verifiableCredential"]
    other = issuing(client, new_institution("unlisted-college"))
    other_credential = other.issue(other.subject(id=DID_KEY)).json()["verifiableCredential"]

    assert [s.url for s in trust_sources(settings)] == ["http://testserver/registry/export"]
    with verifier_client(settings, client, tmp_path) as verifier:
        trusted = verifier.post("/credentials/verify", json={"verifiableCredential": demo_credential}).json()
        assert trusted["verified"] is True, trusted["errors"]
        assert trusted["trusted"] is True, [c for c in trusted["report"]["checks"] if c["id"] == "trust"]
        check = next(c for c in trusted["report"]["checks"] if c["id"] == "trust")
        assert check["status"] == "passed"
        assert "the demo trust registry at http://testserver/registry" in check["sentence"]
        assert DEMO_QA_BODY in check["sentence"]
        assert trusted["verdict"] == "valid"

        untrusted = verifier.post(
            "/credentials/verify", json={"verifiableCredential": other_credential}
        ).json()
        assert untrusted["verified"] is True
        assert untrusted["trusted"] is False
        sentence = next(c for c in untrusted["report"]["checks"] if c["id"] == "trust")["sentence"]
        assert (
            sentence
            == f"The issuer {other.did} is not listed in the demo trust registry at http://testserver/registry."
        )

    # the operator withdraws the demo institution: issued while accredited, withdrawal shown (a verifier that
    # fetches the export afresh; one holding a cached copy sees it once its max-age has passed)
    entry = client.get("/registry/entries").json()["entries"][0]
    admin = {"Authorization": f"Bearer {settings.resolved_admin_token()}"}
    withdrawn = client.post(
        f"/registry/entries/{entry['id']}/state",
        json={"state": "withdrawn", "reason": "demo over"},
        headers=admin,
    )
    assert withdrawn.status_code == 200
    with verifier_client(settings, client, tmp_path) as verifier:
        later = verifier.post("/credentials/verify", json={"verifiableCredential": demo_credential}).json()
    later_check = next(c for c in later["report"]["checks"] if c["id"] == "trust")
    assert later["trusted"] is True
    assert "when this credential was issued" in later_check["sentence"]
    assert "the accreditation was withdrawn on" in later_check["sentence"]
    assert later_check["value"]["activeNow"] is False


def test_null_only_when_no_registry_could_be_asked(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    did, key, _how = ensure_demo(settings)
    ensure_demo_listing(settings)
    demo = issuing(client, {"apiKey": {"key": key}, "did": did, "slug": settings.demo_slug})
    credential = demo.issue(demo.subject(id=DID_KEY)).json()["verifiableCredential"]

    def issuer_but_no_registry(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/registry"):
            return httpx.Response(503)
        response = client.get(request.url.path)
        return httpx.Response(response.status_code, content=response.content, headers=response.headers)

    no_registry = httpx.Client(transport=httpx.MockTransport(issuer_but_no_registry))
    with verifier_client(settings, no_registry, tmp_path) as verifier:
        body = verifier.post("/credentials/verify", json={"verifiableCredential": credential}).json()
    assert body["verified"] is True
    assert body["trusted"] is None
    check = next(c for c in body["report"]["checks"] if c["id"] == "trust")
    assert check["status"] == "not-checked"
    assert "could not be consulted" in check["sentence"]


def test_production_consults_only_configured_registries(settings: Settings) -> None:
    assert trust_sources(settings.model_copy(update={"mode": "production"})) == []
