"""The microcred CLI (typer's CliRunner): migrate, institutions, key rotation/retirement, API keys, errors."""

from __future__ import annotations

import json
import stat
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from microcred.app import Settings, create_app
from microcred.app.cli.institutions import ensure_demo
from microcred.app.db.migrate import current_revision, head_revision
from microcred.app.db.tables import Institution
from microcred.app.institutions.keys import institution_keys
from microcred.keys import public_key_from_multibase
from tests.app.cli.factories import CREATE, ok, run


def did_doc(env: dict[str, str], slug: str = "uni-a") -> dict[str, Any]:
    app = create_app(Settings())
    try:
        with TestClient(app) as client:
            doc: dict[str, Any] = client.get(f"/issuers/{slug}/did.json").json()
            return doc
    finally:
        app.state.services.engine.dispose()


def test_migrate_up_down_up(env: dict[str, str]) -> None:
    url = env["MICROCRED_DATABASE_URL"]
    head = head_revision()
    assert head is not None
    assert f"revision {head}" in ok("migrate")
    assert current_revision(url) == head
    assert "base (empty)" in ok("migrate", "--down", "base")
    assert current_revision(url) is None
    ok("migrate", "--revision", "0001")
    assert current_revision(url) == "0001"
    ok("migrate", "--revision", "head")
    assert current_revision(url) == head


def test_commands_refuse_an_unmigrated_database(env: dict[str, str]) -> None:
    result = run(*CREATE)
    assert result.exit_code == 1
    assert "run `microcred migrate`" in result.output
    assert "Traceback" not in result.output


def test_institution_create_json(env: dict[str, str]) -> None:
    ok("migrate")
    created = json.loads(ok(*CREATE, "--json"))
    assert created["did"] == "did:web:127.0.0.1%3A8000:issuers:uni-a"
    assert created["institution"]["region"] == "IE-D"
    assert created["apiKey"]["key"].startswith("mc_" + created["apiKey"]["prefix"] + "_")
    assert created["signingKey"]["didKey"].startswith("did:key:z6Mk")
    assert created["didDocument"] == "http://127.0.0.1:8000/issuers/uni-a/did.json"
    listed = json.loads(ok("institution", "list", "--json"))
    assert [i["slug"] for i in listed] == ["uni-a"]
    # The new API key works against the app.
    app = create_app(Settings())
    try:
        with TestClient(app) as client:
            me = client.get(
                "/institutions/uni-a", headers={"Authorization": f"Bearer {created['apiKey']['key']}"}
            )
            assert me.status_code == 200
    finally:
        app.state.services.engine.dispose()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("--country", "XX"), '"country" must be an ISO 3166-1 alpha-2 code'),
        (("--region", "DE21"), '"region" must be an ISO 3166-2 code'),
        (("--slug", "Bad Slug"), '"slug" must be'),
    ],
)
def test_institution_create_rejects_bad_values(
    env: dict[str, str], change: tuple[str, str], message: str
) -> None:
    ok("migrate")
    args = list(CREATE)
    args[args.index(change[0]) + 1] = change[1]
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert json.loads(ok("institution", "list", "--json")) == []


def test_duplicate_slug_exits_1(env: dict[str, str]) -> None:
    ok("migrate")
    ok(*CREATE)
    result = run(*CREATE)
    assert result.exit_code == 1
    assert 'slug "uni-a" already exists' in result.output


def test_rotate_keeps_old_key_verifiable_until_retired(env: dict[str, str]) -> None:
    ok("migrate")
    ok(*CREATE)
    settings = Settings()
    app = create_app(settings)
    services = app.state.services
    with services.sessions() as session:
        institution = session.query(Institution).one()
        old_signer = institution_keys(institution).signer(session, keystore=services.keystore)
    message = b"credential signed before the rotation"
    old_signature = old_signer.sign(message)
    assert old_signer.verification_method.endswith("#key-1")

    rotated = json.loads(ok("keys", "rotate", "uni-a", "--json"))
    assert rotated["kid"] == "key-2"
    assert rotated["state"] == "active"
    doc = did_doc(env)
    did = doc["id"]
    assert [m["id"] for m in doc["verificationMethod"] if m["type"] == "Multikey"] == [
        f"{did}#key-1",
        f"{did}#key-2",
    ]
    assert {f"{did}#key-1", f"{did}#key-2"} <= set(doc["assertionMethod"])
    # The old signature still verifies with the key-1 the DID document publishes...
    published = {m["id"]: m["publicKeyMultibase"] for m in doc["verificationMethod"]}
    Ed25519PublicKey.from_public_bytes(public_key_from_multibase(published[f"{did}#key-1"])).verify(
        old_signature, message
    )
    # ...and new signatures come from key-2.
    with services.sessions() as session:
        institution = session.query(Institution).one()
        new_signer = institution_keys(institution).signer(session, keystore=services.keystore)
    app.state.services.engine.dispose()
    assert new_signer.verification_method == f"{did}#key-2"
    assert new_signer.public_key_multibase == published[f"{did}#key-2"]

    keys = json.loads(ok("keys", "list", "uni-a"))
    assert [(k["kid"], k["state"]) for k in keys] == [("key-1", "inactive"), ("key-2", "active")]

    refused = run("keys", "retire", "uni-a", "--key", "key-2")
    assert refused.exit_code == 1
    assert "is the active key" in refused.output
    assert "retired key-1" in ok("keys", "retire", "uni-a", "--key", "key-1")
    doc = did_doc(env)
    assert [m["id"] for m in doc["verificationMethod"]] == [f"{did}#key-2", f"{did}#key-2-2020"]
    assert f"{did}#key-1" not in doc["assertionMethod"]
    keys = json.loads(ok("keys", "list", "uni-a"))
    assert [(k["kid"], k["state"]) for k in keys] == [("key-1", "retired"), ("key-2", "active")]


def test_retire_all_inactive(env: dict[str, str]) -> None:
    ok("migrate")
    ok(*CREATE)
    ok("keys", "rotate", "uni-a")
    ok("keys", "rotate", "uni-a")
    assert "retired key-1, key-2" in ok("keys", "retire", "uni-a", "--all-inactive")
    doc = did_doc(env)
    assert [m["id"].rsplit("#", 1)[1] for m in doc["verificationMethod"]] == ["key-3", "key-3-2020"]
    nothing = run("keys", "retire", "uni-a")
    assert nothing.exit_code == 1
    assert "--all-inactive" in nothing.output
    unknown = run("keys", "retire", "uni-a", "--key", "key-9")
    assert unknown.exit_code == 1
    assert 'no published key "key-9"' in unknown.output


def test_apikey_create_and_revoke(env: dict[str, str]) -> None:
    ok("migrate")
    ok(*CREATE)
    key = ok("apikey", "create", "uni-a", "--label", "ci").strip()
    prefix = key.split("_")[1]
    app = create_app(Settings())
    try:
        with TestClient(app) as client:
            headers = {"Authorization": f"Bearer {key}"}
            assert client.get("/institutions/uni-a", headers=headers).status_code == 200
            assert f"revoked API key {prefix}" in ok("apikey", "revoke", "uni-a", prefix)
            assert client.get("/institutions/uni-a", headers=headers).status_code == 401
    finally:
        app.state.services.engine.dispose()
    missing = run("apikey", "revoke", "uni-a", "zzzzzzzz")
    assert missing.exit_code == 1
    assert "no API key" in missing.output


def test_unknown_institution_exits_1(env: dict[str, str]) -> None:
    ok("migrate")
    result = run("keys", "rotate", "nobody")
    assert result.exit_code == 1
    assert result.output.strip() == 'error: no institution "nobody"'


def test_production_without_kek_exits_1(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROCRED_MODE", "production")
    monkeypatch.delenv("MICROCRED_KEY_ENCRYPTION_KEY")
    result = run("serve")
    assert result.exit_code == 1
    assert "MICROCRED_KEY_ENCRYPTION_KEY" in result.output


def test_demo_key_is_kept_across_restarts_and_reminted_when_revoked(env: dict[str, str]) -> None:
    ok("migrate")
    settings = Settings()
    did, first, how = ensure_demo(settings)
    assert did == "did:web:127.0.0.1%3A8000:issuers:demo"
    assert how.startswith("new;")
    path = settings.demo_api_key_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == first

    assert ensure_demo(settings)[1:] == (first, f"unchanged; from {path}")

    ok("apikey", "revoke", "demo", first.split("_")[1])
    _, second, how = ensure_demo(settings)
    assert second != first
    assert "revoked" in how
    assert path.read_text().strip() == second
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(json.loads(ok("institution", "list", "--json"))) == 1
