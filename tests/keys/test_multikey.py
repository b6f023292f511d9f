"""Multikey encoding and did:key documents, checked against the W3C vc-di-eddsa key pair."""

from __future__ import annotations

import pytest

from microcred.keys import did_key, did_key_document, did_key_verification_method, public_key_from_multibase
from microcred.keys.multikey import public_key_multibase
from microcred.vc.errors import InvalidInput

# https://github.com/w3c/vc-di-eddsa TestVectors/keyPair.json
VECTOR_PUBLIC_MULTIBASE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
VECTOR_PUBLIC_HEX = "b00d8d938e7f773d51565aad36a623f5344f7f5d1960f9cf3e8e12620ea2810f"


def test_vector_public_key_round_trips() -> None:
    assert public_key_from_multibase(VECTOR_PUBLIC_MULTIBASE).hex() == VECTOR_PUBLIC_HEX
    assert public_key_multibase(bytes.fromhex(VECTOR_PUBLIC_HEX)) == VECTOR_PUBLIC_MULTIBASE


def test_did_key_document_lists_the_key_under_every_relationship() -> None:
    did = did_key(VECTOR_PUBLIC_MULTIBASE)
    vm = did_key_verification_method(VECTOR_PUBLIC_MULTIBASE)
    assert vm == f"did:key:{VECTOR_PUBLIC_MULTIBASE}#{VECTOR_PUBLIC_MULTIBASE}"
    doc = did_key_document(vm)
    assert doc["id"] == did
    assert doc["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    assert doc["verificationMethod"] == [
        {"id": vm, "type": "Multikey", "controller": did, "publicKeyMultibase": VECTOR_PUBLIC_MULTIBASE}
    ]
    for relationship in ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation"):
        assert doc[relationship] == [vm]


def test_did_key_document_in_ed25519_2020_form() -> None:
    doc = did_key_document(did_key(VECTOR_PUBLIC_MULTIBASE), key_type="Ed25519VerificationKey2020")
    assert doc["verificationMethod"][0]["type"] == "Ed25519VerificationKey2020"
    assert doc["@context"][1] == "https://w3id.org/security/suites/ed25519-2020/v1"


@pytest.mark.parametrize(
    "value",
    [
        "z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc",  # X25519 key (0xec01 header)
        "zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",  # secp256k1 key
        "u7QGwDY2Tjn93PVFWWq02piP1NE9_XRlg-c8-jhJiDqKBDw",  # right bytes, base64url not base58btc
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ",  # truncated
        "",
    ],
)
def test_other_key_types_and_encodings_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput):
        public_key_from_multibase(value)


@pytest.mark.parametrize("did", ["did:web:example.org", "did:key:6Mk", "did:key", "key:z6Mk"])
def test_did_key_document_refuses_other_identifiers(did: str) -> None:
    with pytest.raises(InvalidInput):
        did_key_document(did)
