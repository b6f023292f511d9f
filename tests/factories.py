"""Shared by every test package: where the third-party reference data lives (../shared, read in place), readers
for it, and the database the database tests use."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from microcred.keys import Ed25519Signer
from microcred.vc.encodings import multibase_decode

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
VECTORS = SHARED / "vectors"
EDDSA_VECTORS = VECTORS / "vc-di-eddsa" / "TestVectors"
ECDSA_VECTORS = VECTORS / "vc-di-ecdsa" / "TestVectors"
OB3_PUBLISHED_SCHEMA = SHARED / "ob3" / "ob_v3p0_achievementcredential_schema.json"
"""The AchievementCredential JSON Schema as 1EdTech publishes it (../shared/ob3/README.md)."""
EXAMPLES_V2 = VECTORS / "contexts" / "credentials-examples-v2.jsonld"
EXAMPLES_V2_URL = "https://www.w3.org/ns/credentials/examples/v2"
# Not part of ../shared: the npm package's context the `employ` vectors use (tests/data/README.md: its source).
CITIZENSHIP_V4RC1 = ROOT / "tests" / "data" / "citizenship-v4rc1.jsonld"
CITIZENSHIP_V4RC1_URL = "https://w3id.org/citizenship/v4rc1"


def load_json(path: Path) -> Any:
    """The JSON document at ``path``."""
    return json.loads(path.read_text(encoding="utf-8"))


def vector_signer(key_pair: dict[str, str]) -> Ed25519Signer:
    """A signer for one of the vectors' Multikey key pairs, with its did:key verification method."""
    public = key_pair["publicKeyMultibase"]
    seed = multibase_decode(key_pair["privateKeyMultibase"])[2:]
    return Ed25519Signer.from_seed(seed, verification_method=f"did:key:{public}#{public}")


# PostgreSQL when MICROCRED_DATABASE_URL is set (.ci/postgres.sh), else each test gets a temp SQLite file.
POSTGRES_URL = os.environ.get("MICROCRED_DATABASE_URL")
