"""Settings: env prefix, production refusal, dev key files created 0600, robust paths."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from microcred.app import Settings, create_app
from microcred.keys import parse_kek
from microcred.vc.errors import ConfigurationError

KEK = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
PG = "postgresql+psycopg://microcred@db.example/microcred"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROCRED_DATABASE_URL", raising=False)
    monkeypatch.delenv("MICROCRED_MODE", raising=False)


def test_reads_microcred_prefixed_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MICROCRED_ISSUER_PORT", "9100")
    monkeypatch.setenv("MICROCRED_VERIFIER_PORT", "9101")
    monkeypatch.setenv("MICROCRED_HOST", "0.0.0.0")
    monkeypatch.setenv("MICROCRED_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert (settings.issuer_port, settings.verifier_port, settings.host, settings.max_body_bytes) == (
        9100,
        9101,
        "0.0.0.0",
        2048,
    )
    assert settings.base_url == "http://0.0.0.0:9100"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path}/microcred.db"


def test_relative_data_dir_is_resolved_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(data_dir=Path("var"))
    monkeypatch.chdir("/")
    assert settings.data_dir == tmp_path / "var"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path}/var/microcred.db"
    assert settings.resolved_key_file == tmp_path / "var" / "kek"


def test_production_refuses_without_kek() -> None:
    with pytest.raises(ConfigurationError, match="KEY_ENCRYPTION_KEY"):
        Settings(mode="production", database_url=PG).validate_for_start()


def test_production_refuses_sqlite(tmp_path: Path) -> None:
    for url in (None, f"sqlite:///{tmp_path}/x.db"):
        with pytest.raises(ConfigurationError, match="not SQLite"):
            Settings(
                mode="production", key_encryption_key=SecretStr(KEK), database_url=url
            ).validate_for_start()


def test_production_refuses_a_malformed_kek() -> None:
    with pytest.raises(ConfigurationError, match="32 bytes"):
        Settings(
            mode="production", key_encryption_key=SecretStr("c2hvcnQ"), database_url=PG
        ).validate_for_start()


def test_production_with_kek_and_server_database_is_accepted(tmp_path: Path) -> None:
    settings = Settings(
        mode="production", key_encryption_key=SecretStr(KEK), database_url=PG, data_dir=tmp_path
    )
    settings.validate_for_start()
    assert settings.kek() == bytes(range(32))
    assert settings.resolved_admin_token() is None  # no token configured: admin API off, nothing generated
    assert not list(tmp_path.iterdir())  # production never writes key files


def test_create_app_refuses_production_without_kek(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        create_app(Settings(mode="production", database_url=PG, data_dir=tmp_path))


def test_dev_creates_the_kek_file_0600_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    kek = settings.kek()
    path = tmp_path / "var" / "kek"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert parse_kek(path.read_text()) == kek
    assert Settings(data_dir=tmp_path / "var").kek() == kek  # second run reads the same key


def test_dev_creates_the_admin_token_file_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    token = settings.resolved_admin_token()
    path = tmp_path / "admin-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert token is not None
    assert len(token) >= 40
    assert Settings(data_dir=tmp_path).resolved_admin_token() == token


def test_configured_admin_token_must_be_long_enough() -> None:
    with pytest.raises(ConfigurationError):
        Settings(admin_token=SecretStr("short")).resolved_admin_token()


def test_secrets_are_hidden_in_repr() -> None:
    settings = Settings(key_encryption_key=SecretStr(KEK), admin_token=SecretStr("admin-token-0123456789"))
    assert KEK not in repr(settings)
    assert "admin-token-0123456789" not in repr(settings)
    assert KEK not in str(settings.model_dump())


def test_readme_documents_every_setting() -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- settings:begin -->", 1)[1].split("<!-- settings:end -->", 1)[0]
    missing = [name for name in Settings.model_fields if f"`MICROCRED_{name.upper()}`" not in table]
    assert missing == []


def test_the_eu_context_is_on_the_public_base_url_unless_a_permanent_url_is_set() -> None:
    assert (
        Settings(public_base_url="https://uni.example/").eu_context
        == "https://uni.example/contexts/eu-microcredential/v1.jsonld"
    )
    permanent = "https://w3id.org/uni-example/eu-microcredential/v1.jsonld"
    assert Settings(public_base_url="https://uni.example", eu_context_url=permanent).eu_context == permanent
    with pytest.raises(ValidationError, match="absolute https URL"):
        Settings(eu_context_url="contexts/eu.jsonld")
