"""Migrations go up, down and up again, and leave exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from microcred.app.db.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    migrations_dir,
    upgrade,
)
from microcred.app.db.tables import Base

TABLES = set(Base.metadata.tables)  # every model's table: the migrations must create exactly these


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_up_down_up(database_url: str, engine: Engine) -> None:
    assert current_revision(database_url) is None
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    assert _tables(engine) == TABLES
    downgrade(database_url, revision="base")
    assert current_revision(database_url) is None
    assert _tables(engine) == set()
    upgrade(database_url)
    assert _tables(engine) == TABLES


def test_migrated_schema_matches_the_models(database_url: str, engine: Engine) -> None:
    upgrade(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_migrations_are_found_from_any_directory(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert (migrations_dir() / "env.py").is_file()
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()


def test_expected_constraints_exist(database_url: str, engine: Engine) -> None:
    upgrade(database_url)
    inspector = inspect(engine)
    checks = {c["name"] for c in inspector.get_check_constraints("signing_key")}
    assert {
        "ck_signing_key_state_known",
        "ck_signing_key_retired_dated",
        "ck_signing_key_deactivated_dated",
    } <= checks
    uniques = {c["name"] for c in inspector.get_unique_constraints("institution")}
    assert {"uq_institution_slug", "uq_institution_did"} <= uniques
    indexes = {i["name"]: i for i in inspector.get_indexes("signing_key")}
    assert indexes["uq_signing_key_one_active"]["unique"]
    fks = inspector.get_foreign_keys("api_key")
    assert fks[0]["referred_table"] == "institution"
    assert fks[0]["options"].get("ondelete") == "CASCADE"


def test_each_revision_steps_up_and_down(database_url: str, engine: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        upgrade(database_url, revision=revision)
        assert current_revision(database_url) == revision
    for expected in [*reversed(revisions[:-1]), None]:
        downgrade(database_url, revision="-1")
        assert current_revision(database_url) == expected
    assert _tables(engine) == set()
