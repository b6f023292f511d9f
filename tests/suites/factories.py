"""Builders for the suites tests: an OB3 credential, a did:web issuer with its DID document, JSON-LD that PyLD and
rdf-canonize canonicalize differently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from microcred.keys import Ed25519Signer, PublishedKey, did_web_document
from microcred.suites import DidKeyResolver, StaticResolver

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


def make_issuer() -> Issuer:
    """did:web:uni.example with #key-1 (Multikey, also as #key-1-2020) and a retired #old."""
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


SELF_REFERENCE = {
    "@context": {"@vocab": "https://example.org/vocab#"},
    "@graph": [
        {"@id": "_:n0", "name": "y", "knows": [{"@id": "_:n2"}, {"@id": "_:n0"}]},
        {"@id": "_:n1", "name": "x", "knows": [{"@id": "_:n0"}, {"@id": "_:n1"}]},
        {"@id": "_:n2", "name": "y", "knows": [{"@id": "_:n2"}]},
        {"@id": "_:n3", "name": "x", "knows": [{"@id": "_:n1"}, {"@id": "_:n0"}]},
    ],
}


def resolver_for(issuer: Issuer) -> StaticResolver:
    """The issuer's did:web document, and did:key resolved offline."""
    return StaticResolver({issuer.did: issuer.document}, fallback=DidKeyResolver())
