"""Builders for the verifier tests: did:key and did:web issuers, OB3 credentials, a fake web of status lists, VC-JWTs
and a signed trust registry export."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from microcred import suites
from microcred.contexts import DocumentLoader, offline_loader
from microcred.keys import Ed25519Signer, PublishedKey, did_key, did_web_document
from microcred.registry import Scope, export_document, sign_export
from microcred.vc.encodings import b64url_encode, encode_bitstring
from microcred.verifier.credential import Verifier
from microcred.verifier.did import DidResolver
from microcred.verifier.fetch import FetchPolicy, GuardedFetcher
from microcred.verifier.report import Policy
from microcred.verifier.trust import NoRegistry, TrustRegistry
from microcred.verifier.trust_policy import TrustSource, build_trust
from tests.registry.factories import entry

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
PUBLIC_IP = "93.184.215.14"
WEB_DID = "did:web:issuer.example"
STATUS_URL = "https://issuer.example/status/1"
EU_CONTEXT = "https://microcred.eu/contexts/eu-microcredential/v1.jsonld"


def key_signer(seed: bytes) -> Ed25519Signer:
    """A did:key signer for ``seed``."""
    probe = Ed25519Signer.from_seed(seed, verification_method="urn:probe")
    mb = probe.public_key_multibase
    return Ed25519Signer.from_seed(seed, verification_method=f"{did_key(mb)}#{mb}")


def controller(signer: Ed25519Signer) -> str:
    return signer.verification_method.split("#", 1)[0]


def ob3_credential(issuer: str, *, eu: bool = False, v11: bool = False) -> dict[str, Any]:
    """An unsigned OB3 AchievementCredential (VC 2.0, or the VC 1.1 form), optionally with every EU element."""
    contexts = [
        "https://www.w3.org/2018/credentials/v1" if v11 else "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    achievement: dict[str, Any] = {
        "id": "https://issuer.example/achievements/dce-2026",
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": "Digital credentials for educators",
        "description": "A short learning programme on issuing and verifying micro-credentials.",
        "criteria": {"narrative": "Pass the final project."},
        "creditsAvailable": 2,
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": "develop digital content",
                "targetUrl": "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a",
                "targetFramework": "ESCO",
            }
        ],
    }
    if eu:
        contexts.append(EU_CONTEXT)
        achievement["type"] = ["Achievement", "EUMicroCredential"]
        achievement.update(
            {
                "learningOutcome": ["Develop digital content that describes a learning achievement"],
                "creditSystem": "http://data.europa.eu/snb/education-credit/6fcec5c5af",
                "eqfLevel": "http://data.europa.eu/snb/eqf/6",
                "assessmentType": ["http://data.europa.eu/snb/assessment/6e6cb2cc78"],
                "participationForm": "http://data.europa.eu/snb/learning-assessment/920fbb3cbe",
                "qualityAssuranceType": ["http://data.europa.eu/snb/accreditation/bb4618238e"],
            }
        )
    credential: dict[str, Any] = {
        "@context": contexts,
        "id": "urn:uuid:5f0c1c4e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Digital credentials for educators",
        "issuer": {
            "id": issuer,
            "type": ["Profile"],
            "name": "University of Zed",
            "address": {"type": ["Address"], "addressCountry": "Ireland", "addressCountryCode": "IE"},
        },
        "awardedDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": "did:key:z6MkhWqdDBPojHA7cprTGTt5yHv5yUi1B8cnXn8ReLumkw6E",
            "achievement": achievement,
        },
    }
    if v11:
        credential["issuanceDate"] = "2026-01-01T00:00:00Z"
        credential["expirationDate"] = "2030-01-01T00:00:00Z"
        del credential["awardedDate"]
    else:
        credential["validFrom"] = "2026-01-01T00:00:00Z"
        credential["validUntil"] = "2030-01-01T00:00:00Z"
    return credential


def status_entry(index: int = 94567, *, purpose: str = "revocation", url: str = STATUS_URL) -> dict[str, Any]:
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def bitstring(set_bits: tuple[int, ...] = (), *, length_bits: int = 131_072) -> bytes:
    data = bytearray(length_bits // 8)
    for i in set_bits:
        data[i // 8] |= 1 << (7 - i % 8)
    return bytes(data)


def status_list(
    issuer: str,
    *,
    set_bits: tuple[int, ...] = (),
    purpose: str = "revocation",
    url: str = STATUS_URL,
    length_bits: int = 131_072,
    **extra: Any,
) -> dict[str, Any]:
    """An unsigned BitstringStatusListCredential."""
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_bitstring(bitstring(set_bits, length_bits=length_bits)),
        },
    }
    document.update(extra)
    return document


@dataclass
class FakeWeb:
    """URL → (status, body, headers) served through httpx.MockTransport; counts requests per URL."""

    pages: dict[str, tuple[int, bytes, dict[str, str]]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def put_json(
        self, url: str, document: Any, *, headers: dict[str, str] | None = None, status: int = 200
    ) -> None:
        self.pages[url] = (
            status,
            json.dumps(document).encode(),
            {"content-type": "application/json", **(headers or {})},
        )

    def handler(self, request: httpx.Request) -> httpx.Response:
        host = request.headers["host"]
        url = f"{request.url.scheme}://{host}{request.url.raw_path.decode()}"
        self.hits[url] = self.hits.get(url, 0) + 1
        if url not in self.pages:
            return httpx.Response(404)
        status, body, headers = self.pages[url]
        return httpx.Response(status, content=body, headers=headers)

    def fetcher(self, policy: FetchPolicy | None = None) -> GuardedFetcher:
        client = httpx.Client(transport=httpx.MockTransport(self.handler))
        return GuardedFetcher(client, policy=policy or FetchPolicy(), resolve=lambda host, port: [PUBLIC_IP])


@dataclass
class World:
    """Keys, a did:web issuer published on the fake web, and helpers to sign and verify."""

    loader: DocumentLoader
    web: FakeWeb
    issuer: Ed25519Signer  # did:key issuer
    other: Ed25519Signer  # an unrelated did:key
    web_issuer: Ed25519Signer  # did:web issuer key #key-1

    def sign(
        self, document: dict[str, Any], signer: Ed25519Signer | None = None, **options: Any
    ) -> dict[str, Any]:
        return suites.sign(
            document, signer=signer or self.issuer, loader=self.loader, created=CREATED, **options
        )

    def credential(self, **kwargs: Any) -> dict[str, Any]:
        return ob3_credential(controller(self.issuer), **kwargs)

    def verifier(
        self,
        *,
        policy: Policy | None = None,
        trust: TrustRegistry | None = None,
        fetch: FetchPolicy | None = None,
        skew_seconds: float = 300.0,
    ) -> Verifier:
        fetcher = self.web.fetcher(fetch)
        return Verifier(
            document_loader=self.loader,
            fetcher=fetcher,
            resolver=DidResolver(fetcher, policy=fetch or FetchPolicy()),
            trust=trust or NoRegistry(),
            policy=policy or Policy(),
            skew_seconds=skew_seconds,
        )

    def publish_status(
        self, document: dict[str, Any], signer: Ed25519Signer | None = None, **headers: str
    ) -> dict[str, Any]:
        signed = self.sign(document, signer)
        self.web.put_json(document["id"], signed, headers=headers)
        return signed


def make_world(loader: DocumentLoader) -> World:
    """A did:key issuer, an unrelated did:key, and did:web:issuer.example published on a fake web."""
    web = FakeWeb()
    web_seed = bytes(range(64, 96))
    web_probe = Ed25519Signer.from_seed(web_seed, verification_method="urn:probe")
    web_signer = Ed25519Signer.from_seed(web_seed, verification_method=f"{WEB_DID}#key-1")
    document = did_web_document(WEB_DID, [PublishedKey("key-1", web_probe.public_key_multibase)])
    web.put_json(
        "https://issuer.example/.well-known/did.json", document, headers={"cache-control": "max-age=300"}
    )
    return World(
        loader=loader,
        web=web,
        issuer=key_signer(bytes(range(32))),
        other=key_signer(bytes(range(1, 33))),
        web_issuer=web_signer,
    )


# --- VC-JWTs ------------------------------------------------------------------------------------------------------

SEED = bytes(range(32))  # world.issuer's seed


def encode(header: dict[str, Any], payload: dict[str, Any], sign) -> str:
    signing_input = (
        b64url_encode(json.dumps(header).encode()) + "." + b64url_encode(json.dumps(payload).encode())
    )
    return signing_input + "." + b64url_encode(sign(signing_input.encode()))


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def ob3_payload(credential: dict[str, Any]) -> dict[str, Any]:
    return {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": ts(credential["validFrom"]),
        "exp": ts(credential["validUntil"]),
    }


def eddsa(seed: bytes = SEED):
    key = Ed25519PrivateKey.from_private_bytes(seed)
    return key.sign


# --- a microcred trust registry's signed export on the fake web ----------------------------------------------------

REGISTRY_DID = "did:web:registry.example:registry"
EXPORT_URL = "https://registry.example/registry/export"
NAME = "the test registry"
REGISTRY_KEY = Ed25519Signer.from_seed(bytes(range(100, 132)), verification_method=f"{REGISTRY_DID}#key-1")
ISSUED = datetime(2026, 1, 1, tzinfo=UTC)  # the test credential's validFrom


def publish(
    world: World, entries: list[Any], *, signer: Ed25519Signer = REGISTRY_KEY, now: datetime = NOW
) -> str:
    """The registry's DID document and signed export on the fake web; returns the JWS."""
    probe = Ed25519Signer.from_seed(bytes(range(100, 132)), verification_method="urn:probe")
    world.web.put_json(
        "https://registry.example/registry/did.json",
        did_web_document(
            REGISTRY_DID, [PublishedKey("key-1", probe.public_key_multibase)], ed25519_2020=False
        ),
    )
    document = export_document(
        entries,
        registry_did=REGISTRY_DID,
        name=NAME,
        url="https://registry.example/registry",
        now=now - timedelta(hours=1),
    )
    jws = sign_export(document, signer=signer)
    world.web.pages[EXPORT_URL] = (200, jws.encode(), {"content-type": "application/jose"})
    return jws


def listed(world: World, **kwargs: Any) -> Any:
    kwargs.setdefault("scope", Scope(("MicroCredential",), ("5", "6"), ()))
    return entry(dids=(controller(world.issuer),), valid_from=ISSUED - timedelta(days=30), **kwargs)


def verify(world: World, *, policy: Policy | None = None) -> Any:
    trust = build_trust(
        [TrustSource(type="microcred", url=EXPORT_URL, did=REGISTRY_DID, name=NAME)],
        fetcher=world.web.fetcher(),
        resolver=world.verifier().resolver,
    )
    credential = world.sign(world.credential(eu=True))
    credential_report = world.verifier(trust=trust, policy=policy).verify_credential(credential, now=NOW)
    return credential_report


@pytest.fixture(scope="session")
def loader() -> DocumentLoader:
    """The pinned offline loader (a fixture: conftests re-export it)."""
    return offline_loader()


@pytest.fixture
def world(loader: DocumentLoader) -> World:
    """A fresh world of issuer keys, DID documents and served URLs (a fixture: conftests re-export it)."""
    return make_world(loader)
