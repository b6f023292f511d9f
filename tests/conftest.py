"""Fixtures shared across test packages: the W3C vectors, a loader that also serves the examples context.

Third-party conformance data (the W3C vc-di-eddsa vectors and the examples context) is read in place from the
reference folder beside the checkout (``../shared``), never copied into the project. CI (``.ci/run``) refuses to
start without it; a plain ``make test`` on a machine without it runs everything else, leaves out the tests that
need it, and names them in the terminal summary (deselected, not skipped: nothing is hidden as a skip).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData

from microcred.app.db.engine import make_engine
from microcred.contexts import DocumentLoader, offline_loader
from microcred.keys import Ed25519Signer
from tests.factories import (
    CITIZENSHIP_V4RC1,
    CITIZENSHIP_V4RC1_URL,
    EDDSA_VECTORS,
    EXAMPLES_V2,
    EXAMPLES_V2_URL,
    POSTGRES_URL,
    SHARED,
    load_json,
    vector_signer,
)

# Tests that read ../shared: marked ``shared``, or using a fixture built from it.
SHARED_FIXTURES = frozenset({"examples_loader", "vector_key"})
NOT_RUN = pytest.StashKey[list[str]]()


def needs_shared(item: pytest.Item) -> bool:
    """Whether ``item`` reads third-party data from ../shared."""
    fixtures: list[str] = getattr(item, "fixturenames", [])
    return item.get_closest_marker("shared") is not None or not SHARED_FIXTURES.isdisjoint(fixtures)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without ../shared, leave out the tests that read it (and remember them for the summary)."""
    if SHARED.is_dir():
        return
    not_run = [item for item in items if needs_shared(item)]
    if not_run:
        items[:] = [item for item in items if not needs_shared(item)]
        config.hook.pytest_deselected(items=not_run)
        config.stash[NOT_RUN] = [item.nodeid for item in not_run]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Name the conformance tests that could not run because ../shared is missing."""
    not_run = config.stash.get(NOT_RUN, [])
    if not not_run:
        return
    terminalreporter.section("conformance suites not run", yellow=True, bold=True)
    terminalreporter.write_line(
        f"{SHARED} is missing, so {len(not_run)} tests that read its third-party data did not run "
        "(CI needs it: .ci/run stops without it):"
    )
    modules: dict[str, int] = {}
    for nodeid in not_run:
        module = nodeid.split("::")[0]
        modules[module] = modules.get(module, 0) + 1
    for module, count in modules.items():
        terminalreporter.write_line(f"  {module}: {count}")
    for nodeid in not_run:
        terminalreporter.write_line(f"    {nodeid}")


@pytest.fixture(scope="session")
def examples_loader() -> DocumentLoader:
    """The offline loader plus the test-only contexts the vc-di-eddsa vectors use (examples v2, citizenship)."""
    return offline_loader(
        {
            EXAMPLES_V2_URL: load_json(EXAMPLES_V2),
            CITIZENSHIP_V4RC1_URL: load_json(CITIZENSHIP_V4RC1),
        }
    )


@pytest.fixture(scope="session")
def vector_key() -> Ed25519Signer:
    """The vc-di-eddsa key pair (TestVectors/keyPair.json)."""
    return vector_signer(load_json(EDDSA_VECTORS / "keyPair.json"))


# Database fixtures shared by tests/db and tests/app: a temp SQLite file, or PostgreSQL when
# MICROCRED_DATABASE_URL is set (.ci/postgres.sh).


def drop_everything(url: str) -> None:
    """Empty the shared PostgreSQL test database (tables and alembic_version) so each test starts clean."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            metadata = MetaData()
            metadata.reflect(connection)
            metadata.drop_all(connection)
    finally:
        engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database: a fresh SQLite file, or the (emptied) PostgreSQL database."""
    if POSTGRES_URL:
        drop_everything(POSTGRES_URL)
        yield POSTGRES_URL
        drop_everything(POSTGRES_URL)
    else:
        yield f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database (disposed afterwards)."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()
