"""did:web identifiers, their URLs and documents."""

from __future__ import annotations

import pytest

from microcred.keys import PublishedKey, did_web, did_web_document, did_web_url
from microcred.vc.errors import InvalidInput

MB1 = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
MB2 = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


@pytest.mark.parametrize(
    ("base", "path", "did"),
    [
        ("http://127.0.0.1:8000", ("issuers", "demo"), "did:web:127.0.0.1%3A8000:issuers:demo"),
        ("https://issuer.example.eu", ("issuers", "tu-delft"), "did:web:issuer.example.eu:issuers:tu-delft"),
        ("https://example.com/base/", ("issuers", "x"), "did:web:example.com:base:issuers:x"),
    ],
)
def test_did_web_identifiers(base: str, path: tuple[str, ...], did: str) -> None:
    assert did_web(base, *path) == did


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        ("did:web:127.0.0.1%3A8000:issuers:demo#key-1", "https://127.0.0.1:8000/issuers/demo/did.json"),
    ],
)
def test_did_web_resolution_urls(did: str, url: str) -> None:
    assert did_web_url(did) == url


@pytest.mark.parametrize("did", ["did:key:z6Mk", "did:web:", "did:web:a/b", "did:web:user@host"])
def test_bad_did_web(did: str) -> None:
    with pytest.raises(InvalidInput):
        did_web_url(did)


def test_document_publishes_multikey_and_2020_forms_and_only_usable_keys_assert() -> None:
    did = "did:web:example.org:issuers:demo"
    doc = did_web_document(
        did, [PublishedKey("key-1", MB1, assertion=True), PublishedKey("key-2", MB2, assertion=False)]
    )
    assert doc["id"] == did
    assert doc["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",
    ]
    types = {(m["id"], m["type"], m["publicKeyMultibase"]) for m in doc["verificationMethod"]}
    assert types == {
        (f"{did}#key-1", "Multikey", MB1),
        (f"{did}#key-1-2020", "Ed25519VerificationKey2020", MB1),
        (f"{did}#key-2", "Multikey", MB2),
        (f"{did}#key-2-2020", "Ed25519VerificationKey2020", MB2),
    }
    assert all(m["controller"] == did for m in doc["verificationMethod"])
    assert doc["assertionMethod"] == [f"{did}#key-1", f"{did}#key-1-2020"]
