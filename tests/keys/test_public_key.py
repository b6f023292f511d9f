"""Public keys of every algorithm and form (Multikey, JWK, base58), did:key for P-256/P-384/secp256k1, did:jwk,
and the bare did:key verification method."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import base58
import pytest

from microcred.contexts import DocumentLoader, offline_loader
from microcred.keys import (
    EcdsaSigner,
    Ed25519Signer,
    PublicKey,
    did_jwk_document,
    did_key_document,
    public_key_from_base58,
    public_key_from_jwk,
    public_key_from_multikey,
)
from microcred.suites import DidKeyResolver, sign, verify
from microcred.vc.encodings import b64url_decode, b64url_encode, multibase_encode_b58
from microcred.vc.errors import InvalidInput
from tests.suites.factories import CREDENTIAL

NOW = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return offline_loader()


PREFIXES = {"P-256": ("zDn", b"\x80\x24"), "P-384": ("z82", b"\x81\x24"), "secp256k1": ("zQ3s", b"\xe7\x01")}


@pytest.mark.parametrize("algorithm", ["P-256", "P-384", "secp256k1"])
def test_did_key_for_ec_keys(algorithm: str) -> None:
    signer = EcdsaSigner.generate(algorithm=algorithm, verification_method="-")
    multibase = signer.public_key_multibase
    prefix, header = PREFIXES[algorithm]
    assert multibase.startswith(prefix)
    document = did_key_document(f"did:key:{multibase}", key_type="Ed25519VerificationKey2020")
    (method,) = document["verificationMethod"]
    assert method["type"] == "Multikey"  # an EC key has no other did:key form
    assert public_key_from_multikey(method["publicKeyMultibase"]) == signer.public_key
    assert public_key_from_multikey(method["publicKeyMultibase"]).algorithm == algorithm
    # the same key from its JWK and as an uncompressed point
    assert public_key_from_jwk(signer.public_key.jwk()) == signer.public_key
    uncompressed = PublicKey(b"\x04" + _xy(signer.public_key.jwk()), algorithm)
    assert uncompressed == signer.public_key
    with pytest.raises(InvalidInput, match="compressed"):
        did_key_document("did:key:" + multibase_encode_b58(header + b"\x04" + _xy(signer.public_key.jwk())))


def _xy(jwk: dict[str, str]) -> bytes:
    return b64url_decode(jwk["x"]) + b64url_decode(jwk["y"])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (multibase_encode_b58(b"\x80\x24\x02" + bytes(20)), "compressed or"),
        ("z0OIl", "base58"),
        ("uAAAA", "base58btc"),
        (multibase_encode_b58(b"\x12\x00" + bytes(33)), "multicodec header"),
        (multibase_encode_b58(b"\x80\x24\x02" + b"\xff" * 32), "not a point on P-256"),
    ],
)
def test_malformed_multikeys_are_refused(value: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        public_key_from_multikey(value)


@pytest.mark.parametrize(
    ("jwk", "message"),
    [
        ({"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}, "32 bytes each"),
        ({"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"}, "not supported"),
        ({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(bytes(32)), "d": "AA"}, "private key"),
        ({"kty": "RSA", "n": "AA", "e": "AQAB"}, "not supported"),
    ],
)
def test_malformed_jwks_are_refused(jwk: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        public_key_from_jwk(jwk)


def test_base58_keys() -> None:
    ed = Ed25519Signer.from_seed(bytes(32), verification_method="-")
    assert public_key_from_base58(base58.b58encode(ed.public_key).decode(), "Ed25519") == ed.public_key
    with pytest.raises(InvalidInput, match="32 bytes"):
        public_key_from_base58(base58.b58encode(bytes(31)).decode(), "Ed25519")


def test_did_jwk_document_and_verification(loader: DocumentLoader) -> None:
    signer = EcdsaSigner.generate(algorithm="P-256", verification_method="-")
    did = "did:jwk:" + b64url_encode(json.dumps({**signer.public_key.jwk(), "use": "sig"}).encode())
    document = did_jwk_document(did)
    assert document["verificationMethod"][0]["id"] == f"{did}#0"
    assert document["verificationMethod"][0]["type"] == "JsonWebKey2020"
    assert document["assertionMethod"] == [f"{did}#0"]
    assert "keyAgreement" not in document  # "use": "sig"
    signer = EcdsaSigner(f"{did}#0", "P-256", signer._key)
    signed = sign(
        {**CREDENTIAL, "issuer": {**CREDENTIAL["issuer"], "id": did}},
        signer=signer,
        loader=loader,
        created=NOW,
        suite="ecdsa-rdfc-2019",
    )
    assert verify(signed, resolver=DidKeyResolver(), loader=loader).verified
    enc = "did:jwk:" + b64url_encode(json.dumps({**signer.public_key.jwk(), "use": "enc"}).encode())
    assert "assertionMethod" not in did_jwk_document(enc)
    with pytest.raises(InvalidInput, match="JSON object"):
        did_jwk_document("did:jwk:" + b64url_encode(b"not json"))


def test_a_bare_did_key_as_verification_method_resolves_with_a_warning(loader: DocumentLoader) -> None:
    signer = EcdsaSigner.generate(algorithm="P-384", verification_method="-")
    did = f"did:key:{signer.public_key_multibase}"
    bare = EcdsaSigner(did, "P-384", signer._key)
    signed = sign(CREDENTIAL, signer=bare, loader=loader, created=NOW, suite="ecdsa-jcs-2019")
    assert signed["proof"]["verificationMethod"] == did
    result = verify(signed, resolver=DidKeyResolver(), loader=loader)
    assert result.verified
    assert result.results[0].controller == did
    (warning,) = result.warnings
    assert f'the bare DID "{did}"' in warning
    assert f"{did}#{signer.public_key_multibase}" in warning
