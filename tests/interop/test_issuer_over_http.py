"""Our credentials in a verifier that is not ours (issue 15, point 2): a real issuer under uvicorn on a loopback port
issues through its HTTP API (the demo achievement and one with every optional element, eddsa-rdfc-2022 and
Ed25519Signature2020); node's @digitalbazaar/vc verifies them with a loader that bundles only the W3C, DID,
security and 1EdTech contexts (their npm packages) and fetches our EU context from the running issuer over HTTP.
After a revocation through the API, the same node verifier refuses the credential (vc-bitstring-status-list)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from microcred.app import Settings, create_app
from microcred.app.db.migrate import upgrade
from microcred.issuer import DEMO_ACHIEVEMENT, EU_CONTEXT_PATH
from tests.browser.factories import Served, free_port
from tests.interop.harness import run_script

pytestmark = pytest.mark.interop

KEK = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
ADMIN = "admin-token-for-the-interop-test-0123456789"

EVERY_OPTIONAL = {
    **copy.deepcopy(DEMO_ACHIEVEMENT),
    "name": "Data stewardship with every optional element",
    "qualityAssuranceReport": "https://qa.example.org/reports/2026/data-stewardship",
    "supervisionVerification": "onsite-id-verification",
    "stackability": "stackable",
    "stackableTowards": ["https://demo.example/programmes/msc-data"],
    "languages": ["en", "de"],
    "iscedF": ["0688", "0611"],
    "criteriaUrl": "https://demo.example/courses/data-stewardship",
    "humanCode": "DS-101",
}


@dataclass
class Running:
    url: str
    api: httpx.Client
    headers: dict[str, str]
    did_document: dict[str, Any]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    tmp: Path = tmp_path_factory.mktemp("interop-http")
    port = free_port()
    database = f"sqlite:///{tmp / 'microcred.db'}"
    upgrade(database)
    settings = Settings(
        mode="dev",
        data_dir=tmp / "var",
        database_url=database,
        key_encryption_key=SecretStr(KEK),
        admin_token=SecretStr(ADMIN),
        host="127.0.0.1",
        issuer_port=port,
        log_level="WARNING",
        status_list_ttl_seconds=0,
    )
    app = create_app(settings)
    with Served(app, port) as served, httpx.Client(base_url=served.url, timeout=30) as api:
        created = api.post(
            "/admin/institutions",
            json={"slug": "demo", "name": "Demo University", "url": "https://demo.example", "country": "IE"},
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
        assert created.status_code == 201, created.text
        headers = {"Authorization": f"Bearer {created.json()['apiKey']['key']}"}
        did_document = api.get("/issuers/demo/did.json").json()
        yield Running(served.url, api, headers, did_document)
    app.state.services.engine.dispose()


def award(running: Running, achievement: dict[str, Any], suite: str) -> dict[str, Any]:
    defined = running.api.post("/achievements", json=achievement, headers=running.headers)
    assert defined.status_code == 201, defined.text
    issued = running.api.post(
        f"{defined.json()['id'].removeprefix(running.url)}/awards",
        json={
            "learner": {"name": "Ana Andromeda", "email": "ana@example.org"},
            "result": {"grade": "Pass"},
            "cryptosuite": suite,
        },
        headers=running.headers,
    )
    assert issued.status_code == 201, issued.text
    credential: dict[str, Any] = issued.json()["verifiableCredential"]
    return credential


def revoke(running: Running, credential: dict[str, Any]) -> None:
    """Revoke through the VC-API status route, as an institution would."""
    revoked = running.api.post(
        "/credentials/status",
        json={
            "credentialId": credential["id"],
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
            "status": True,
        },
        headers=running.headers,
    )
    assert revoked.status_code == 200, revoked.text


def node_verify(running: Running, credentials: list[dict[str, Any]]) -> dict[str, Any]:
    answer: dict[str, Any] = run_script(
        "http_verify.mjs",
        {"origin": running.url, "credentials": credentials, "didDocuments": [running.did_document]},
    )
    return answer


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_node_verifies_our_credentials_loading_the_eu_context_from_the_running_issuer(
    running: Running, suite: str
) -> None:
    demo = award(running, DEMO_ACHIEVEMENT, suite)
    full = award(running, EVERY_OPTIONAL, suite)
    context_url = f"{running.url}{EU_CONTEXT_PATH}"
    assert demo["@context"][2] == context_url
    answer = node_verify(running, [demo, full])
    for result in answer["results"]:
        assert result == {
            "verified": True,
            "errors": [],
            "status": {"verified": True, "revoked": False, "error": None},
        }
    # nothing pre-loaded: node fetched our context (and the status list) from the issuer
    assert context_url in answer["fetched"]


def test_node_refuses_a_credential_revoked_through_the_api(running: Running) -> None:
    credential = award(running, DEMO_ACHIEVEMENT, "eddsa-rdfc-2022")
    revoke(running, credential)
    result = node_verify(running, [credential])["results"][0]
    assert result["status"] == {"verified": True, "revoked": True, "error": None}
    assert result["verified"] is False


def test_node_refuses_a_credential_whose_signed_claims_were_changed(running: Running) -> None:
    credential = award(running, DEMO_ACHIEVEMENT, "eddsa-rdfc-2022")
    credential["credentialSubject"]["achievement"]["creditsAvailable"] = 60
    assert node_verify(running, [credential])["results"][0]["verified"] is False


def dcc_verify(running: Running, credentials: list[dict[str, Any]]) -> dict[str, Any]:
    answer: dict[str, Any] = run_script(
        "dcc_verify.mjs",
        {"origin": running.url, "credentials": credentials},
        package="@digitalcredentials/verifier-core",
    )
    return answer


def steps(result: dict[str, Any]) -> dict[str, bool]:
    return {entry["id"]: entry["valid"] for entry in result["log"]}


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_dcc_verifier_core_fetches_our_context_and_accepts_the_signature_until_revoked(
    running: Running, suite: str
) -> None:
    credential = award(running, EVERY_OPTIONAL, suite)
    answer = dcc_verify(running, [credential])
    assert answer["results"][0]["errors"] == []
    # no registry is configured (knownDIDRegistries: []), so "registered_issuer" is false whoever issued it
    assert steps(answer["results"][0]) == {
        "valid_signature": True,
        "revocation_status": True,
        "expiration": True,
        "registered_issuer": False,
    }
    # it does not bundle our context: its loader fetched it from the issuer, the DID document over "https"
    assert f"{running.url}{EU_CONTEXT_PATH}" in answer["requested"]
    assert f"{running.url.replace('http:', 'https:')}/issuers/demo/did.json" in answer["requested"]
    revoke(running, credential)
    after = dcc_verify(running, [credential])["results"][0]
    assert steps(after)["valid_signature"] is True
    assert steps(after)["revocation_status"] is False
