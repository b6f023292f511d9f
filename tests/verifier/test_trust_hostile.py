"""Whatever a registry sends, the trust check never crashes and never says "trusted" for a document of the wrong
shape: arbitrary JSON, signed correctly by the registry key or served as a DCC file or TIR record."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.keys import Ed25519Signer, PublishedKey, did_web_document
from microcred.suites import StaticResolver
from microcred.vc.encodings import b64url_encode
from microcred.verifier.fetch import FetchPolicy, GuardedFetcher
from microcred.verifier.trust import TrustQuery
from microcred.verifier.trust_dcc import DccRegistry
from microcred.verifier.trust_ebsi import EbsiTir
from microcred.verifier.trust_microcred import MicrocredRegistry

REGISTRY_DID = "did:web:registry.example:registry"
SIGNER = Ed25519Signer.from_seed(bytes(range(32)), verification_method=f"{REGISTRY_DID}#key-1")
RESOLVER = StaticResolver(
    {REGISTRY_DID: did_web_document(REGISTRY_DID, [PublishedKey("key-1", SIGNER.public_key_multibase)])}
)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
ISSUER = "did:web:uni.example"
QUERY = TrustQuery(
    issuer=ISSUER, issued=NOW, now=NOW, eqf_levels=("6",), credential_types=("VerifiableCredential",)
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=20)
    | st.just(ISSUER)
    | st.just("2026-01-01T00:00:00Z"),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "registry",
                    "entries",
                    "dids",
                    "validUntil",
                    "history",
                    "state",
                    "scope",
                    "attributes",
                    "items",
                    "href",
                    "attribute",
                    "issuerType",
                    "body",
                    "name",
                    ISSUER,
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


def serve(body: bytes) -> GuardedFetcher:
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, content=body)))
    return GuardedFetcher(client, policy=FetchPolicy(), resolve=lambda host, port: ["93.184.215.14"])


@settings(max_examples=80, deadline=None)
@given(json_values)
def test_any_signed_payload_is_never_trusted_unless_well_formed(payload: Any) -> None:
    header = b64url_encode(json.dumps({"alg": "EdDSA", "kid": SIGNER.verification_method}).encode())
    body = b64url_encode(json.dumps(payload).encode())
    jws = f"{header}.{body}.{b64url_encode(SIGNER.sign(f'{header}.{body}'.encode()))}"
    registry = MicrocredRegistry(
        name="r",
        registry_did=REGISTRY_DID,
        resolver=RESOLVER,
        fetcher=serve(jws.encode()),
        url="https://registry.example/registry/export",
    )
    assert registry.evaluate(QUERY).trusted is None


@settings(max_examples=80, deadline=None)
@given(json_values)
def test_any_dcc_document_or_tir_record_never_crashes(document: Any) -> None:
    raw = json.dumps(document).encode()
    dcc = DccRegistry(name="d", fetcher=serve(raw), url="https://registry.example/registry.json").evaluate(
        QUERY
    )
    listed = (
        isinstance(document, dict)
        and isinstance(document.get("registry"), dict)
        and ISSUER in document["registry"]
    )
    if not listed:
        assert dcc.trusted is not True
    tir = EbsiTir(name="t", base_url="https://tir.example/v5", fetcher=serve(raw)).evaluate(QUERY)
    assert tir.trusted is not True
