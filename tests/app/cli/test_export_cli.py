"""``microcred export elm ID`` (issue 18 point 1): the same signed ELM v3 document as ``GET /credentials/{id}/elm``."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from microcred.app import Settings, create_app
from microcred.app.db.migrate import upgrade
from tests.app.cli.factories import ok, run
from tests.app.factories import ADMIN_TOKEN
from tests.app.status.factories import issue, new_institution


def test_export_elm_prints_the_signed_elm_form_the_route_serves(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROCRED_ADMIN_TOKEN", ADMIN_TOKEN)
    upgrade(env["MICROCRED_DATABASE_URL"])
    with TestClient(create_app(Settings())) as client:
        it = new_institution(client, {"Authorization": f"Bearer {ADMIN_TOKEN}"}, "uni-e")
        credential = issue(it)
        served = client.get(f"/credentials/{credential['id']}/elm").json()
    printed = json.loads(ok("export", "elm", credential["id"]))
    assert printed["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert printed == served
    assert json.loads(ok("export", "elm", credential["id"].removeprefix("urn:uuid:"))) == served


def test_export_elm_of_an_unknown_credential_is_one_error_line(env: dict[str, str]) -> None:
    upgrade(env["MICROCRED_DATABASE_URL"])
    result = run("export", "elm", "urn:uuid:00000000-0000-4000-8000-000000000000")
    assert result.exit_code == 1
    assert result.output.strip().startswith("error:")
    assert "00000000-0000-4000-8000-000000000000" in result.output
