"""Exports: the signed document (compact JWS by the registry key) and the DCC issuer-registry format."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from microcred.keys import Ed25519Signer, public_key_from_multibase
from microcred.registry import StateChange, dcc_export, export_document, sign_export
from microcred.vc.encodings import b64url_decode
from tests.registry.factories import DID, NOW, T0, WITHDRAWN, entry

REGISTRY = "did:web:registry.example:registry"


def test_signed_export_is_a_jws_over_every_entry_with_history() -> None:
    signer = Ed25519Signer.from_seed(bytes(32), verification_method=f"{REGISTRY}#key-1")
    gone = entry(
        dids=("did:web:gone.example",),
        history=(StateChange("active", T0), StateChange("withdrawn", WITHDRAWN, "QA not renewed")),
        entry_id="e2",
    )
    document = export_document(
        [entry(), gone], registry_did=REGISTRY, name="test", url="https://registry.example/registry", now=NOW
    )
    jws = sign_export(document, signer=signer)
    header, payload, signature = jws.split(".")
    assert json.loads(b64url_decode(header)) == {
        "alg": "EdDSA",
        "kid": f"{REGISTRY}#key-1",
        "typ": "microcred-registry+json",
    }
    body = json.loads(b64url_decode(payload))
    assert body["type"] == "MicrocredTrustRegistry"
    assert body["registry"]["id"] == REGISTRY
    assert body["issued"] == "2026-11-01T00:00:00Z"
    assert body["validUntil"] == "2026-11-08T00:00:00Z"
    assert [e["state"] for e in body["entries"]] == ["active", "withdrawn"]
    assert body["entries"][1]["history"][1] == {
        "state": "withdrawn",
        "at": "2026-06-01T00:00:00Z",
        "reason": "QA not renewed",
    }
    public = Ed25519PublicKey.from_public_bytes(public_key_from_multibase(signer.public_key_multibase))
    public.verify(b64url_decode(signature), f"{header}.{payload}".encode())


def test_dcc_export_has_the_dcc_registry_shape_and_only_active_providers() -> None:
    gone = entry(
        dids=("did:web:gone.example",),
        history=(StateChange("active", T0), StateChange("withdrawn", WITHDRAWN)),
        entry_id="e2",
    )
    got = dcc_export([entry(dids=(DID, "did:key:z6Mkabc")), gone], now=NOW, created=T0)
    assert got == {
        "meta": {"created": "2026-01-01T00:00:00+0000", "updated": "2026-11-01T00:00:00+0000"},
        "registry": {
            DID: {"name": "University of Zed", "location": "IE-D, IE", "url": "https://uni.example"},
            "did:key:z6Mkabc": {
                "name": "University of Zed",
                "location": "IE-D, IE",
                "url": "https://uni.example",
            },
        },
    }
