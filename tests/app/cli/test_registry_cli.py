"""``microcred registry``: an institution listed from its record in one command, states, and the exports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microcred.app import Settings, create_app
from microcred.app.cli import cli
from microcred.suites import StaticResolver
from microcred.vc.encodings import b64url_decode
from microcred.verifier.trust import TrustQuery
from microcred.verifier.trust_policy import TrustSource, build_trust
from tests.app.cli.factories import CREATE, ok, run

REGISTRY_DID = "did:web:127.0.0.1%3A8000:registry"


def test_list_an_institution_from_its_record_change_state_and_export(
    env: dict[str, str], tmp_path: Path
) -> None:
    ok("migrate")
    created = json.loads(ok(*CREATE, "--json"))
    listed = json.loads(
        ok(
            "registry",
            "add-institution",
            "uni-a",
            "--qa-body",
            "QQI",
            "--qa-reference",
            "QQI/2026/7",
            "--eqf",
            "6",
            "--json",
        )
    )
    assert listed["dids"] == [created["did"]]
    assert (listed["legalName"], listed["country"], listed["region"]) == ("University A", "IE", "IE-D")
    assert listed["scope"]["eqfLevels"] == ["6"]
    assert "already listed" in ok("registry", "add-institution", "uni-a", "--qa-body", "QQI")
    assert listed["id"] in ok("registry", "list")

    path = tmp_path / "registry.jws"
    assert REGISTRY_DID in ok("registry", "export", "-o", str(path))
    app = create_app(Settings())
    try:
        with TestClient(app) as client:
            did_document = client.get("/registry/did.json").json()
    finally:
        app.state.services.engine.dispose()
    trust = build_trust(
        [TrustSource(type="file", path=path, did=REGISTRY_DID)],
        fetcher=None,  # a file needs no fetcher
        resolver=StaticResolver({REGISTRY_DID: did_document}),
    )
    now = datetime.now(UTC)
    query = TrustQuery(issuer=created["did"], issued=now, now=now, eqf_levels=("6",))
    assert trust.evaluate(query).trusted is True

    assert (
        ok("registry", "state", listed["id"], "withdrawn", "--reason", "QA lapsed")
        .strip()
        .endswith("withdrawn")
    )
    refused = run("registry", "state", listed["id"], "active")
    assert refused.exit_code == 1
    assert "withdrawn cannot become active" in refused.output
    dcc = json.loads(ok("registry", "export", "--dcc"))
    assert dcc["registry"] == {}


def test_bad_input_is_one_line_and_exit_1(env: dict[str, str]) -> None:
    ok("migrate")
    missing = run("registry", "add-institution", "nobody", "--qa-body", "QQI")
    assert missing.exit_code == 1
    assert missing.output.startswith("error: ")
    ok(*CREATE)
    bad = CliRunner().invoke(cli, ["registry", "add-institution", "uni-a", "--qa-body", "QQI", "--eqf", "9"])
    assert bad.exit_code == 1
    assert "unknown scope codes" in bad.output
    when = run("registry", "add-institution", "uni-a", "--qa-body", "QQI", "--valid-from", "2026-01-01")
    assert when.exit_code == 1
    assert "time zone" in when.output


def _did_document() -> dict[str, object]:
    app = create_app(Settings())
    try:
        with TestClient(app) as client:
            document: dict[str, object] = client.get("/registry/did.json").json()
            return document
    finally:
        app.state.services.engine.dispose()


def _trusted(path: Path, did_document: dict[str, object], issuer: str) -> bool | None:
    trust = build_trust(
        [TrustSource(type="file", path=path, did=REGISTRY_DID)],
        fetcher=None,
        resolver=StaticResolver({REGISTRY_DID: did_document}),
    )
    now = datetime.now(UTC)
    return trust.evaluate(TrustQuery(issuer=issuer, issued=now, now=now)).trusted


def test_rotating_and_retiring_the_registry_key(env: dict[str, str], tmp_path: Path) -> None:
    """The newest key signs; exports signed before a rotation keep verifying until their key is retired."""
    ok("migrate")
    created = json.loads(ok(*CREATE, "--json"))
    ok("registry", "add-institution", "uni-a", "--qa-body", "QQI")
    before, after = tmp_path / "before.jws", tmp_path / "after.jws"
    ok("registry", "export", "-o", str(before))
    assert json.loads(b64url_decode(before.read_text().split(".")[0]))["kid"] == f"{REGISTRY_DID}#key-1"

    assert f"new signing key key-2 ({REGISTRY_DID}#key-2)" in ok("registry", "rotate-key")
    ok("registry", "export", "-o", str(after))
    assert json.loads(b64url_decode(after.read_text().split(".")[0]))["kid"] == f"{REGISTRY_DID}#key-2"
    document = _did_document()
    assert document["assertionMethod"] == [f"{REGISTRY_DID}#key-1", f"{REGISTRY_DID}#key-2"]
    assert _trusted(before, document, created["did"]) is True
    assert _trusted(after, document, created["did"]) is True

    refused = run("registry", "retire-key", "key-2")
    assert refused.exit_code == 1
    assert "rotate first" in refused.output
    assert run("registry", "retire-key", "key-9").exit_code == 1
    assert "retired key-1" in ok("registry", "retire-key", "key-1")
    document = _did_document()
    assert document["assertionMethod"] == [f"{REGISTRY_DID}#key-2"]
    assert _trusted(before, document, created["did"]) is None  # signed by a retired key: not used
    assert _trusted(after, document, created["did"]) is True
