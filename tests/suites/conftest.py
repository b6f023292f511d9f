"""Fixtures for the suites tests: an OB3 credential, a did:web issuer with its DID document."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from microcred.contexts import DocumentLoader, offline_loader
from microcred.keys import Ed25519Signer, PublishedKey, did_web_document

CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:a63a60be-f4af-491c-87fc-2c8fd3007a58",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Data literacy micro-credential",
    "issuer": {"id": "did:web:uni.example", "type": ["Profile"], "name": "Example University"},
    "validFrom": "2025-01-01T00:00:00Z",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "id": "did:example:learner",
        "achievement": {
            "id": "https://uni.example/achievements/1",
            "type": ["Achievement"],
            "name": "Data literacy",
            "description": "Reading, cleaning and charting data.",
            "criteria": {"narrative": "Pass the final assessment."},
            "alignment": [
                {
                    "type": ["Alignment"],
                    "targetName": "Data analysis",
                    "targetUrl": "https://esco.example/s/1",
                },
                {
                    "type": ["Alignment"],
                    "targetName": "Data analysis",
                    "targetUrl": "https://esco.example/s/1",
                },
            ],
        },
        "result": [{"type": ["Result"], "value": "A"}],
    },
}


@dataclass(frozen=True)
class Issuer:
    did: str
    document: dict[str, Any]
    multikey: Ed25519Signer  # verification method #key-1 (Multikey)
    key2020: Ed25519Signer  # the same key as #key-1-2020 (Ed25519VerificationKey2020)
    retired: Ed25519Signer  # #old: published but not under assertionMethod


SEED = bytes(range(32))
OLD_SEED = bytes(range(1, 33))


@pytest.fixture
def credential() -> dict[str, Any]:
    return copy.deepcopy(CREDENTIAL)


@pytest.fixture(scope="session")
def loader() -> DocumentLoader:
    return offline_loader()


@pytest.fixture(scope="session")
def issuer() -> Issuer:
    did = "did:web:uni.example"
    multikey = Ed25519Signer.from_seed(SEED, verification_method=f"{did}#key-1")
    key2020 = Ed25519Signer.from_seed(SEED, verification_method=f"{did}#key-1-2020")
    retired = Ed25519Signer.from_seed(OLD_SEED, verification_method=f"{did}#old")
    document = did_web_document(
        did,
        [
            PublishedKey("key-1", multikey.public_key_multibase),
            PublishedKey("old", retired.public_key_multibase, assertion=False),
        ],
    )
    return Issuer(did, document, multikey, key2020, retired)
