"""Builders for the issuance tests: an institution with an API key and a published demo achievement (through the
app), and an institution issuing through the library front door."""

from __future__ import annotations

import base64
import copy
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import base58
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OKPKey
from pyld import jsonld
from pyld.jsonld import JsonLdProcessor
from pyshacl import validate
from rdflib import Graph, URIRef

from microcred.contexts import DocumentLoader, aliased_loader, digest_sri, offline_loader, pinned_for_digest
from microcred.issuer import DEMO_ACHIEVEMENT, EU_CONTEXT_PATH, Issuer, IssuerProfile
from microcred.keys import LocalKeyStore, did_key, did_key_verification_method
from tests.factories import SHARED

DID_KEY = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
ACHIEVEMENT_URL = "https://demo.example/achievements/digital-credentials"


@dataclass
class Issuing:
    """An institution's API key headers and one published achievement."""

    client: TestClient
    headers: dict[str, str]
    did: str
    slug: str
    achievement_id: str
    achievement_url: str

    def issue(self, credential: dict[str, Any], **options: Any) -> Any:
        body: dict[str, Any] = {"credential": credential}
        if options:
            body["options"] = options
        return self.client.post("/credentials/issue", json=body, headers=self.headers)

    def subject(self, **fields: Any) -> dict[str, Any]:
        return {"credentialSubject": {"achievement": {"id": self.achievement_url}, **fields}}


def definition(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(DEMO_ACHIEVEMENT)
    body.update(changes)
    return body


def issuing(client: TestClient, institution: dict[str, Any], **achievement: Any) -> Issuing:
    headers = {"Authorization": f"Bearer {institution['apiKey']['key']}"}
    response = client.post("/achievements", json=definition(**achievement), headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    return Issuing(
        client=client,
        headers=headers,
        did=institution["did"],
        slug=institution["institution"]["slug"] if "institution" in institution else institution["slug"],
        achievement_id=body["achievementId"],
        achievement_url=body["id"],
    )


def deployment_loader(client: TestClient) -> DocumentLoader:
    """The pinned loader plus the EU context at the test app's URL, once the app is seen to serve there the bytes
    of a pinned context (what the verifier does over the guarded client)."""
    pinned = pinned_for_digest(digest_sri(client.get(EU_CONTEXT_PATH).content))
    assert pinned is not None, "the app does not serve the pinned EU context"
    return aliased_loader(offline_loader(), {f"{client.base_url}{EU_CONTEXT_PATH}": pinned})


def served_contexts(client: TestClient) -> dict[str, Any]:
    """The EU context as the test app serves it at its URL, for node's offline loader (``extraContexts``)."""
    return {f"{client.base_url}{EU_CONTEXT_PATH}": client.get(EU_CONTEXT_PATH).json()}


def institution(*, kek: bytes = bytes(range(32)), name: str = "Demo University") -> Issuer:
    """The library front door for a new institution: an Ed25519 key sealed by a LocalKeyStore, a did:key identity."""
    store = LocalKeyStore(kek)
    key = store.generate(key_id="key-1")
    signer = store.signer(
        key_id="key-1",
        sealed_secret=key.sealed_secret,
        verification_method=did_key_verification_method(key.public_key_multibase),
    )
    profile = IssuerProfile(
        did=did_key(key.public_key_multibase), name=name, url="https://demo.example", country="IE"
    )
    return Issuer(profile, signer)


# A wallet's keys and key proofs, made with joserfc (OpenID4VCI tests here and in tests/app/wallets).
ISSUER = "https://issuer.example"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def did_key_of(key: OKPKey | ECKey) -> str:
    """did:key of a joserfc public key: Ed25519 (0xed01) or compressed P-256 (0x8024)."""
    public = key.as_dict(private=False)
    if public["kty"] == "OKP":
        raw = b"\xed\x01" + base64.urlsafe_b64decode(public["x"] + "==")
    else:
        x = base64.urlsafe_b64decode(public["x"] + "==")
        y = base64.urlsafe_b64decode(public["y"] + "==")
        raw = b"\x80\x24" + bytes([2 + (y[-1] & 1)]) + x
    return "did:key:z" + base58.b58encode(raw).decode()


def proof_jwt(
    key: OKPKey | ECKey,
    *,
    alg: str | None = None,
    binding: str = "kid",
    aud: Any = ISSUER,
    nonce: str | None = "n-1",
    iat: float | None = None,
    typ: str = "openid4vci-proof+jwt",
    signer: OKPKey | ECKey | None = None,
    extra_header: dict[str, Any] | None = None,
) -> str:
    """A key proof JWT as a wallet makes it (OpenID4VCI 1.0 Appendix F.1)."""
    alg = alg or ("EdDSA" if key.as_dict(private=False)["kty"] == "OKP" else "ES256")
    header: dict[str, Any] = {"alg": alg, "typ": typ}
    if binding == "kid":
        did = did_key_of(key)
        header["kid"] = f"{did}#{did.removeprefix('did:key:')}"
    elif binding == "jwk":
        header["jwk"] = key.as_dict(private=False)
    header.update(extra_header or {})
    claims: dict[str, Any] = {"aud": aud, "iat": int(NOW.timestamp()) if iat is None else iat}
    if nonce is not None:
        claims["nonce"] = nonce
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)  # joserfc prefers "Ed25519" to "EdDSA" (RFC 9864)
        return jwt.encode(header, claims, signer or key, algorithms=[alg])


# The ELM export's conformance: its RDF against the Commission's EDC shapes, read in place from ../shared/elm.


@cache
def shapes() -> Graph:
    """The EDC application profile's SHACL shapes, structure only (``EDC-generic-no-cv.ttl``)."""
    return Graph().parse(SHARED / "elm" / "EDC-generic-no-cv.ttl", format="turtle")


def default_graph(document: dict[str, Any]) -> Graph:
    """The document's RDF (pinned contexts only, nothing fetched); a proof's own graph is left aside."""
    dataset = jsonld.to_rdf(document, {"documentLoader": offline_loader(), "algorithm": "URDNA2015"})
    nquads = JsonLdProcessor.to_nquads({"@default": dataset["@default"]})
    return Graph().parse(data=nquads, format="nt")


def violations(document: dict[str, Any]) -> list[str]:
    """The EDC shapes each violated result names (sh:resultPath), empty when the document conforms."""
    conforms, report, _ = validate(default_graph(document), shacl_graph=shapes(), inference="none")
    sh = "http://www.w3.org/ns/shacl#"
    paths = sorted(str(p) for p in report.objects(None, URIRef(sh + "resultPath")))
    assert conforms == (not paths)
    return paths
