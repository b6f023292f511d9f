"""``microcred revoke|suspend|reinstate`` (issue 7, point 2): the same rules as the API, audited as the CLI user."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microcred.app import Settings, create_app
from microcred.app.db.migrate import upgrade
from tests.app.factories import ADMIN_TOKEN, KEK
from tests.app.status.factories import bit_of, entries, issue, new_institution


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings from the environment, as the CLI reads them, with suspension on for uni-s."""
    for name, value in {
        "MICROCRED_DATABASE_URL": database_url,
        "MICROCRED_DATA_DIR": str(tmp_path / "var"),
        "MICROCRED_KEY_ENCRYPTION_KEY": KEK,
        "MICROCRED_ADMIN_TOKEN": ADMIN_TOKEN,
        "MICROCRED_PUBLIC_BASE_URL": "http://testserver",
        "MICROCRED_STATUS_SUSPENSION_INSTITUTIONS": '{"uni-s": true}',
    }.items():
        monkeypatch.setenv(name, value)
    upgrade(database_url)
    return Settings()


def test_revoke_suspend_reinstate_from_the_command_line(env: Settings) -> None:
    from microcred.app.cli import cli

    runner = CliRunner()
    app = create_app(env)
    try:
        with TestClient(app) as client:
            it = new_institution(client, {"Authorization": f"Bearer {ADMIN_TOKEN}"}, "uni-s")
            credential, other = issue(it), issue(it)
            found = entries(credential)

            result = runner.invoke(cli, ["suspend", credential["id"], "--reason", "exam board review"])
            assert result.exit_code == 0, result.output
            assert "changed" in result.output
            assert bit_of(client, found["suspension"]) == 1

            result = runner.invoke(cli, ["reinstate", credential["id"], "--json"])
            assert result.exit_code == 0, result.output
            assert json.loads(result.output) == {
                "credentialId": credential["id"],
                "changed": True,
                "revocation": False,
                "suspension": False,
            }
            assert bit_of(client, found["suspension"]) == 0

            result = runner.invoke(cli, ["revoke", credential["id"], "--institution", "uni-s"])
            assert result.exit_code == 0, result.output
            assert bit_of(client, found["revocation"]) == 1

            # Revocation is final: reinstating fails with one line on stderr, exit 1, nothing changes.
            result = runner.invoke(cli, ["reinstate", credential["id"]])
            assert result.exit_code == 1
            assert "revocation is final" in result.output
            assert bit_of(client, found["suspension"]) == 0

            # Unknown credential, or one that is not the named institution's: not found.
            result = runner.invoke(cli, ["revoke", "urn:uuid:00000000-0000-4000-8000-000000000000"])
            assert result.exit_code == 1
            assert "no credential" in result.output
            new_institution(client, {"Authorization": f"Bearer {ADMIN_TOKEN}"}, "uni-b")
            result = runner.invoke(cli, ["revoke", other["id"], "--institution", "uni-b"])
            assert result.exit_code == 1
            assert bit_of(client, entries(other)["revocation"]) == 0

            events = client.get(f"/credentials/{credential['id']}/status", headers=it.headers).json()[
                "events"
            ]
            assert [(e["statusPurpose"], e["status"], e["reason"]) for e in events] == [
                ("suspension", True, "exam board review"),
                ("suspension", False, None),
                ("revocation", True, None),
            ]
            assert all(e["actor"].startswith("cli:") for e in events)
    finally:
        app.state.services.engine.dispose()


def test_the_report_names_each_wallet_copy_that_followed(capsys: pytest.CaptureFixture[str]) -> None:
    from microcred.app.cli.status import _report
    from microcred.app.status.changes import StatusChange

    change = StatusChange(
        "urn:uuid:a",
        "revocation",
        True,
        True,
        {"revocation": True},
        {"urn:uuid:b": True, "urn:uuid:c": False},
    )
    _report(change, as_json=False)
    assert capsys.readouterr().out.splitlines() == [
        "urn:uuid:a: changed (revocation set)",
        "  wallet copy urn:uuid:b: changed",
        "  wallet copy urn:uuid:c: unchanged",
    ]
    _report(change, as_json=True)
    assert json.loads(capsys.readouterr().out) == {
        "credentialId": "urn:uuid:a",
        "changed": True,
        "revocation": True,
        "walletCopies": {"urn:uuid:b": True, "urn:uuid:c": False},
    }
