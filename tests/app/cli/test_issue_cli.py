"""``microcred issue --csv FILE`` and ``microcred worker``; the demo micro-credential of ``serve --dev``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from microcred.app.cli import cli
from microcred.app.cli.institutions import ensure_demo
from microcred.app.cli.issue import ensure_demo_catalogue
from microcred.app.core.settings import Settings
from microcred.app.db.engine import make_engine, make_sessions
from microcred.app.db.migrate import upgrade
from microcred.app.db.tables import IssuedCredential
from microcred.app.main import create_app
from tests.app.factories import KEK


@pytest.fixture
def demo(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A migrated database with the demo institution and its demo micro-credential, as ``serve --dev`` leaves it."""
    for name, value in {
        "MICROCRED_DATABASE_URL": database_url,
        "MICROCRED_DATA_DIR": str(tmp_path / "var"),
        "MICROCRED_KEY_ENCRYPTION_KEY": KEK,
        "MICROCRED_PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    upgrade(database_url)
    ensure_demo(settings)
    return settings


def readme_curl_body() -> dict[str, Any]:
    """The JSON body of the README's one-curl issue command."""
    text = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    match = re.search(
        r"curl -X POST http://127\.0\.0\.1:8000/credentials/issue .*?-d '(\{.*?\})'\n", text, re.S
    )
    assert match is not None, "the README lost its one-curl issue command"
    body: dict[str, Any] = json.loads(match.group(1))
    return body


def test_dev_demo_has_one_complete_micro_credential_to_issue_with_one_call(demo: Settings) -> None:
    url = ensure_demo_catalogue(demo)
    assert url == "http://127.0.0.1:8000/achievements/demo"
    assert ensure_demo_catalogue(demo) == url  # created once
    key = demo.demo_api_key_file.read_text().strip()
    app = create_app(demo)
    try:
        with TestClient(app, base_url="http://127.0.0.1:8000") as client:
            listing = client.get("/catalogue", headers={"Accept": "application/json"}).json()["achievements"]
            assert [a["id"] for a in listing] == [url]
            # The README's one curl: POST /credentials/issue with just the achievement URL and a learner DID.
            response = client.post(
                "/credentials/issue",
                json={
                    "credential": {
                        "credentialSubject": {
                            "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                            "achievement": {"id": url},
                        }
                    }
                },
                headers={"Authorization": f"Bearer {key}"},
            )
            assert response.status_code == 201, response.text
    finally:
        app.state.services.engine.dispose()


def test_issue_csv_with_progress_and_row_errors(demo: Settings, tmp_path: Path) -> None:
    ensure_demo_catalogue(demo)
    csv = tmp_path / "learners.csv"
    csv.write_text(
        "name,email,grade\n" + "".join(f"L{i},l{i}@example.org,Pass\n" for i in range(12)) + "X,,Pass\n"
    )
    result = CliRunner().invoke(cli, ["issue", "--csv", str(csv), "--chunk", "5"])
    assert result.exit_code == 0, result.output
    assert "issued 12, failed 1, remaining 0" in result.output
    assert "row 13:" in result.output
    engine = make_engine(demo.resolved_database_url)
    try:
        with make_sessions(engine)() as session:
            documents = [json.loads(d) for d in session.scalars(select(IssuedCredential.document))]
    finally:
        engine.dispose()
    assert len(documents) == 12
    assert all([p["cryptosuite"] for p in d["proof"]] == ["eddsa-rdfc-2022"] for d in documents)


def test_worker_reports_when_nothing_is_pending(demo: Settings) -> None:
    result = CliRunner().invoke(cli, ["worker"])
    assert result.exit_code == 0, result.output
    assert "no pending batches" in result.output
