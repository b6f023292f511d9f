"""VC-JWT: EdDSA / ES256 / ES384 / RS256, key from a DID URL kid or a jwk header, OB3 and VC 1.1 payload forms."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from microcred.keys import PublishedKey, did_web_document
from microcred.vc.encodings import b64url_encode, multibase_encode_b58
from microcred.verifier.inputs import read_input
from tests.verifier.factories import (
    NOW,
    SEED,
    WEB_DID,
    World,
    controller,
    eddsa,
    encode,
    ob3_credential,
    ob3_payload,
    ts,
)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def int_b64(value: int, length: int | None = None) -> str:
    size = length or (value.bit_length() + 7) // 8
    return b64url_encode(value.to_bytes(size, "big"))


def test_eddsa_with_did_key_kid_verifies(world: World) -> None:
    credential = world.credential()
    jws = encode(
        {"alg": "EdDSA", "kid": world.issuer.verification_method, "typ": "JWT"},
        ob3_payload(credential),
        eddsa(),
    )
    report = world.verifier().verify_jwt(jws, now=NOW)
    assert report.check("proof").status == "passed", report.check("proof").sentence
    assert report.check("issuer").status == "passed"
    assert report.verified
    assert report.format == "jwt"


def test_read_input_routes_a_jwt_upload(world: World) -> None:
    jws = encode(
        {"alg": "EdDSA", "kid": world.issuer.verification_method}, ob3_payload(world.credential()), eddsa()
    )
    assert read_input(jws.encode(), media_type="text/plain").jws == jws


def ec_jwk_and_signer(curve: ec.EllipticCurve, crv: str, digest: hashes.HashAlgorithm, size: int):
    key = ec.generate_private_key(curve)
    numbers = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": crv, "x": int_b64(numbers.x, size), "y": int_b64(numbers.y, size)}

    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    return jwk, sign


def test_es256_with_jwk_header(world: World) -> None:
    jwk, sign = ec_jwk_and_signer(ec.SECP256R1(), "P-256", hashes.SHA256(), 32)
    jws = encode({"alg": "ES256", "jwk": jwk}, ob3_payload(world.credential()), sign)
    report = world.verifier().verify_jwt(jws, now=NOW)
    assert report.check("proof").status == "passed", report.check("proof").sentence
    # a bare jwk is not bound to the issuer's DID
    assert report.check("issuer").status == "failed"
    assert report.verified is False


def test_es384_with_a_p384_jwk_header(world: World) -> None:
    jwk, sign = ec_jwk_and_signer(ec.SECP384R1(), "P-384", hashes.SHA384(), 48)
    jws = encode({"alg": "ES384", "jwk": jwk}, ob3_payload(world.credential()), sign)
    check = world.verifier().verify_jwt(jws, now=NOW).check("proof")
    assert check.status == "passed", check.sentence
    relabelled = encode({"alg": "ES256", "jwk": jwk}, ob3_payload(world.credential()), sign)
    assert world.verifier().verify_jwt(relabelled, now=NOW).check("proof").status == "failed"


def test_rs256_with_jwk_header(world: World, rsa_key: rsa.RSAPrivateKey) -> None:
    numbers = rsa_key.public_key().public_numbers()
    jwk = {"kty": "RSA", "n": int_b64(numbers.n), "e": int_b64(numbers.e)}
    jws = encode(
        {"alg": "RS256", "jwk": jwk},
        ob3_payload(world.credential()),
        lambda data: rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256()),
    )
    assert world.verifier().verify_jwt(jws, now=NOW).check("proof").status == "passed"


def test_vc11_vc_claim_form(world: World) -> None:
    credential = ob3_credential(controller(world.issuer), v11=True)
    vc = {k: v for k, v in credential.items() if k not in ("issuanceDate", "expirationDate", "id")}
    payload = {
        "vc": vc,
        "iss": controller(world.issuer),
        "jti": credential["id"],
        "nbf": ts("2026-01-01T00:00:00Z"),
        "exp": ts("2030-01-01T00:00:00Z"),
        "sub": credential["credentialSubject"]["id"],
    }
    jws = encode({"alg": "EdDSA", "kid": world.issuer.verification_method, "typ": "JWT"}, payload, eddsa())
    report = world.verifier().verify_jwt(jws, now=NOW)
    assert report.check("structure").value == "1.1"
    assert report.verified, [c for c in report.checks if c.status != "passed"]
    expired = world.verifier().verify_jwt(jws, now=datetime(2031, 1, 1, tzinfo=UTC))
    assert expired.check("validity").status == "failed"


def test_tampered_payload_fails(world: World) -> None:
    jws = encode(
        {"alg": "EdDSA", "kid": world.issuer.verification_method}, ob3_payload(world.credential()), eddsa()
    )
    header, _payload, signature = jws.split(".")
    forged = ob3_payload(world.credential())
    forged["credentialSubject"]["achievement"]["name"] = "Doctor of Everything"
    report = world.verifier().verify_jwt(
        f"{header}.{b64url_encode(json.dumps(forged).encode())}.{signature}", now=NOW
    )
    assert report.check("proof").status == "failed"
    assert report.verified is False


def test_claims_must_agree_with_the_credential(world: World) -> None:
    payload = ob3_payload(world.credential())
    payload["iss"] = "did:example:someone-else"
    jws = encode({"alg": "EdDSA", "kid": world.issuer.verification_method}, payload, eddsa())
    check = world.verifier().verify_jwt(jws, now=NOW).check("proof")
    assert check.status == "failed"
    assert '"iss"' in check.sentence


def test_nbf_must_match_valid_from(world: World) -> None:
    payload = ob3_payload(world.credential())
    payload["nbf"] += 86_400
    jws = encode({"alg": "EdDSA", "kid": world.issuer.verification_method}, payload, eddsa())
    assert world.verifier().verify_jwt(jws, now=NOW).check("proof").status == "failed"


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none"},
        {"alg": "HS256", "kid": "did:key:z"},
        {"alg": "EdDSA"},  # no key at all
        {"alg": "EdDSA", "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "secret"}},
        {"alg": "EdDSA", "kid": "KID", "x5u": "https://evil.example/cert"},
        {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "kid": "KID"},
    ],
)
def test_refused_headers(world: World, header: dict[str, Any]) -> None:
    header = {k: (world.issuer.verification_method if v == "KID" else v) for k, v in header.items()}
    jws = encode(header, ob3_payload(world.credential()), eddsa())
    report = world.verifier().verify_jwt(jws, now=NOW)
    assert report.check("proof").status == "failed"
    assert report.verified is False


def test_signed_by_another_key_than_kid_fails(world: World) -> None:
    jws = encode(
        {"alg": "EdDSA", "kid": world.issuer.verification_method},
        ob3_payload(world.credential()),
        eddsa(bytes(range(1, 33))),
    )
    assert world.verifier().verify_jwt(jws, now=NOW).check("proof").status == "failed"


def test_unreachable_kid_is_not_checked(world: World) -> None:
    del world.web.pages["https://issuer.example/.well-known/did.json"]
    credential = ob3_credential(WEB_DID)
    jws = encode(
        {"alg": "EdDSA", "kid": f"{WEB_DID}#key-1"}, ob3_payload(credential), eddsa(bytes(range(64, 96)))
    )
    report = world.verifier().verify_jwt(jws, now=NOW)
    assert report.check("proof").status == "not-checked"
    assert report.verdict == "could not fully check"


def test_did_web_kid_verifies(world: World) -> None:
    credential = ob3_credential(WEB_DID)
    jws = encode(
        {"alg": "EdDSA", "kid": f"{WEB_DID}#key-1"}, ob3_payload(credential), eddsa(bytes(range(64, 96)))
    )
    report = world.verifier().verify_jwt(jws, now=NOW)
    assert report.verified, [c for c in report.checks if c.status != "passed"]


def test_jwt_wrapping_a_credential_with_an_embedded_proof(world: World) -> None:
    """OB3: the embedded proof is added first, then the JWT wraps it; one valid proof suffices, both reported."""
    signed = world.sign(world.credential())
    payload = ob3_payload(signed)
    good = encode({"alg": "EdDSA", "kid": world.issuer.verification_method}, payload, eddsa())
    report = world.verifier().verify_jwt(good, now=NOW)
    assert report.verified
    assert "JWT signature" in report.check("proof").sentence
    assert "content is unchanged" in report.check("proof").sentence
    wrong_key = encode(
        {"alg": "EdDSA", "kid": world.issuer.verification_method}, payload, eddsa(bytes(range(1, 33)))
    )
    only_embedded = world.verifier().verify_jwt(wrong_key, now=NOW)
    assert only_embedded.check("proof").status == "passed"
    assert "The JWT around it does not verify" in only_embedded.check("proof").sentence
    assert only_embedded.verified


def test_a_bare_did_kid_with_one_key_resolves_to_it(world: World) -> None:
    """A ``kid`` that is the DID itself names its only assertionMethod key."""
    credential = world.credential()
    bare = world.issuer.verification_method.split("#", 1)[0]
    jws = encode({"alg": "EdDSA", "kid": bare, "typ": "JWT"}, ob3_payload(credential), eddsa())
    report = world.verifier().verify_jwt(jws, now=NOW)
    assert report.check("proof").status == "passed", report.check("proof").sentence
    assert report.check("issuer").status == "passed"


def test_a_bare_did_kid_with_two_keys_is_refused(world: World) -> None:
    did = "did:web:two.example"
    first = Ed25519PrivateKey.from_private_bytes(SEED)
    second = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    keys = [
        PublishedKey(name, multibase_encode_b58(b"\xed\x01" + k.public_key().public_bytes_raw()))
        for name, k in (("a", first), ("b", second))
    ]
    world.web.put_json(
        "https://two.example/.well-known/did.json", did_web_document(did, keys, ed25519_2020=False)
    )
    credential = world.credential()
    credential["issuer"] = (
        {**credential["issuer"], "id": did} if isinstance(credential["issuer"], dict) else did
    )
    jws = encode({"alg": "EdDSA", "kid": did}, ob3_payload(credential), eddsa())
    check = world.verifier().verify_jwt(jws, now=NOW).check("proof")
    assert check.status == "failed"
    assert "is not a verification method" in check.sentence
