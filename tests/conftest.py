"""Fixtures shared across test packages: the W3C vectors, a loader that also serves the examples context."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData

from app.db import make_engine
from contexts import DocumentLoader, offline_loader
from keys import Ed25519Signer
from vc.encodings import multibase_decode

VECTORS = Path(__file__).parent / "vectors"
EDDSA_VECTORS = VECTORS / "vc-di-eddsa" / "TestVectors"
EXAMPLES_V2_URL = "https://www.w3.org/ns/credentials/examples/v2"
CITIZENSHIP_V4RC1_URL = "https://w3id.org/citizenship/v4rc1"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def vector_signer(key_pair: dict[str, str]) -> Ed25519Signer:
    """A signer for one of the vectors' Multikey key pairs, with its did:key verification method."""
    public = key_pair["publicKeyMultibase"]
    seed = multibase_decode(key_pair["privateKeyMultibase"])[2:]
    return Ed25519Signer.from_seed(seed, verification_method=f"did:key:{public}#{public}")


@pytest.fixture(scope="session")
def examples_loader() -> DocumentLoader:
    """The offline loader plus the test-only contexts the vc-di-eddsa vectors use (examples v2, citizenship)."""
    return offline_loader(
        {
            EXAMPLES_V2_URL: load_json(VECTORS / "contexts" / "credentials-examples-v2.jsonld"),
            CITIZENSHIP_V4RC1_URL: load_json(VECTORS / "contexts" / "citizenship-v4rc1.jsonld"),
        }
    )


@pytest.fixture(scope="session")
def vector_key() -> Ed25519Signer:
    """The vc-di-eddsa key pair (TestVectors/keyPair.json)."""
    return vector_signer(load_json(EDDSA_VECTORS / "keyPair.json"))


# Database fixtures shared by tests/db and tests/app: a temp SQLite file, or PostgreSQL when
# MICROCRED_DATABASE_URL is set (.ci/postgres.sh).
POSTGRES_URL = os.environ.get("MICROCRED_DATABASE_URL")


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
