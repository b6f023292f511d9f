"""Fixtures shared across test packages: the W3C vectors, a loader that also serves the examples context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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
