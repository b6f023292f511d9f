"""suites/jose.py: compact JWS on joserfc — RFC vectors byte for byte, every algorithm the callers accept, and
hostile tokens (alg none, algorithm confusion, malformed or oversized segments, crit, b64, private JWKs)."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.keys import Ed25519Signer
from microcred.suites import jose
from microcred.vc.errors import InputTooLarge, InvalidInput

# RFC 8037 Appendix A.1 (the Ed25519 key) and A.4 (its JWS of "Example of Ed25519 signing").
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_JWK = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
RFC8037_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)
# RFC 7515 Appendix A.3 (ES256): the P-256 key and the JWS (ECDSA is randomized, so only verified).
RFC7515_ES256_JWK = {
    "kty": "EC",
    "crv": "P-256",
    "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
}
RFC7515_ES256_JWS = (
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
)
ALL = jose.SUPPORTED_ALGORITHMS
LONE_SURROGATE = rb'{"alg":"EdDSA","kid":"\ud800"}'


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: Any) -> str:
    return b64(json.dumps(value).encode())


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hand_signed(header: dict[str, Any], payload: bytes, sign: Any) -> str:
    """A JWS put together without joserfc or microcred, so the module is checked against plain RFC 7515."""
    signing_input = f"{b64json(header)}.{b64(payload)}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def ecdsa_signer(key: ec.EllipticCurvePrivateKey, digest: hashes.HashAlgorithm, size: int) -> Any:
    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    return sign


def ec_jwk(key: ec.EllipticCurvePrivateKey, crv: str, size: int) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": crv,
        "x": b64(numbers.x.to_bytes(size, "big")),
        "y": b64(numbers.y.to_bytes(size, "big")),
    }


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def verify(token: str, jwk: dict[str, Any], algorithms: Any = ALL) -> bool:
    return jose.verify_compact(jose.read_compact(token), jose.public_key_from_jwk(jwk), algorithms=algorithms)


# --- RFC vectors ----------------------------------------------------------------------------------------------


def test_rfc8037_a4_ed25519_jws_byte_for_byte() -> None:
    signer = Ed25519Signer.from_seed(unb64(RFC8037_D), verification_method="urn:example:rfc8037")
    assert jose.sign_compact({"alg": "EdDSA"}, b"Example of Ed25519 signing", signer=signer) == RFC8037_JWS
    token = jose.read_compact(RFC8037_JWS)
    assert (token.header, token.payload) == ({"alg": "EdDSA"}, b"Example of Ed25519 signing")
    assert verify(RFC8037_JWS, RFC8037_JWK, {"EdDSA"})


def test_rfc7515_a3_es256_jws_verifies_and_a_flipped_bit_does_not() -> None:
    assert verify(RFC7515_ES256_JWS, RFC7515_ES256_JWK, {"ES256"})
    assert jose.read_compact(RFC7515_ES256_JWS).payload_json()["iss"] == "joe"
    head, payload, signature = RFC7515_ES256_JWS.split(".")
    raw = bytearray(unb64(signature))
    raw[10] ^= 1
    assert not verify(f"{head}.{payload}.{b64(bytes(raw))}", RFC7515_ES256_JWK, {"ES256"})


# --- every algorithm callers accept, against JWSs made with `cryptography` directly ------------------------------


def test_eddsa_and_its_fully_specified_name_ed25519() -> None:
    key = Ed25519PrivateKey.generate()
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64(key.public_key().public_bytes_raw())}
    for alg in ("EdDSA", "Ed25519"):
        assert verify(hand_signed({"alg": alg}, b"{}", key.sign), jwk)
    native = jose.key_from_native(key.public_key())
    assert jose.verify_compact(
        jose.read_compact(hand_signed({"alg": "EdDSA"}, b"{}", key.sign)), native, algorithms=ALL
    )


@pytest.mark.parametrize(
    ("alg", "curve", "crv", "digest", "size"),
    [
        ("ES256", ec.SECP256R1(), "P-256", hashes.SHA256(), 32),
        ("ES384", ec.SECP384R1(), "P-384", hashes.SHA384(), 48),
        ("ES256K", ec.SECP256K1(), "secp256k1", hashes.SHA256(), 32),
    ],
)
def test_ecdsa_algorithms(alg: str, curve: ec.EllipticCurve, crv: str, digest: Any, size: int) -> None:
    key = ec.generate_private_key(curve)
    token = hand_signed({"alg": alg, "typ": "JWT"}, b'{"a":1}', ecdsa_signer(key, digest, size))
    assert verify(token, ec_jwk(key, crv, size))
    other = ec.generate_private_key(curve)
    assert not verify(token, ec_jwk(other, crv, size))


def test_rs256(rsa_key: rsa.RSAPrivateKey) -> None:
    numbers = rsa_key.public_key().public_numbers()
    jwk = {"kty": "RSA", "n": b64(numbers.n.to_bytes(256, "big")), "e": b64(numbers.e.to_bytes(3, "big"))}
    token = hand_signed(
        {"alg": "RS256"}, b"{}", lambda data: rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    )
    assert verify(token, jwk)


# --- hostile tokens -----------------------------------------------------------------------------------------------


def ed25519() -> tuple[Ed25519PrivateKey, dict[str, str]]:
    key = Ed25519PrivateKey.generate()
    return key, {"kty": "OKP", "crv": "Ed25519", "x": b64(key.public_key().public_bytes_raw())}


@pytest.mark.parametrize("alg", ["none", "None", "HS256", "PS256", "ES512", "Ed448", "", None, 1])
def test_alg_outside_the_supported_set_is_refused(alg: Any) -> None:
    key, jwk = ed25519()
    token = hand_signed({"alg": alg}, b"{}", key.sign)
    with pytest.raises(InvalidInput, match="is not accepted"):
        verify(token, jwk)


def test_unsigned_alg_none_token_is_refused_even_when_the_caller_lists_none() -> None:
    _key, jwk = ed25519()
    with pytest.raises(InvalidInput, match="not accepted"):
        verify(f"{b64json({'alg': 'none'})}.{b64(b'{}')}.", jwk, {"none", "EdDSA"})


def test_alg_outside_the_callers_allow_list_is_refused() -> None:
    key, jwk = ed25519()
    with pytest.raises(InvalidInput, match="not accepted"):
        verify(hand_signed({"alg": "EdDSA"}, b"{}", key.sign), jwk, {"ES256"})


def test_hmac_with_the_public_key_as_secret_is_refused() -> None:
    """The classic confusion: HS256 keyed with the (public) JWK bytes an attacker knows."""
    import hmac

    _key, jwk = ed25519()
    token = hand_signed({"alg": "HS256"}, b"{}", lambda data: hmac.digest(unb64(jwk["x"]), data, "sha256"))
    with pytest.raises(InvalidInput, match="not accepted"):
        verify(token, jwk)


@pytest.mark.parametrize(
    ("alg", "jwk_of"),
    [
        ("ES256", lambda: ed25519()[1]),
        ("EdDSA", lambda: ec_jwk(ec.generate_private_key(ec.SECP256R1()), "P-256", 32)),
        ("ES256", lambda: ec_jwk(ec.generate_private_key(ec.SECP384R1()), "P-384", 48)),
        ("ES384", lambda: ec_jwk(ec.generate_private_key(ec.SECP256R1()), "P-256", 32)),
        ("ES256K", lambda: ec_jwk(ec.generate_private_key(ec.SECP256R1()), "P-256", 32)),
        ("RS256", lambda: ed25519()[1]),
    ],
)
def test_alg_must_suit_the_key_type_and_curve(alg: str, jwk_of: Any) -> None:
    token = f"{b64json({'alg': alg})}.{b64(b'{}')}.{b64(bytes(64))}"
    with pytest.raises(InvalidInput, match="key cannot verify"):
        verify(token, jwk_of())


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("a.b", "three"),
        ("a.b.c.d", "three"),
        ("", "three"),
        (f"{b64json({'alg': 'EdDSA'})}=.{b64(b'{}')}.AAAA", "base64url"),
        (f"{b64json({'alg': 'EdDSA'})}.{b64(b'{}')}+/.AAAA", "base64url"),
        (f"{b64json({'alg': 'EdDSA'})}.{b64(b'{}')}.A", "canonical"),
        (f"{b64json({'alg': 'EdDSA'})}.{b64(b'{}')}.AB", "canonical"),  # non-zero trailing bits
        (f"{b64(b'not json')}.{b64(b'{}')}.AAAA", "JSON"),
        (f"{b64json(['alg', 'EdDSA'])}.{b64(b'{}')}.AAAA", "object"),
        (f"{b64(LONE_SURROGATE)}.{b64(b'{}')}.AAAA", "surrogate"),
        (f"{b64json({'alg': 'EdDSA', 'kid': 'é'})}.{b64(b'{}')}.AAAA".replace("e", "é", 1), "ASCII"),
        (f"{b64(b'{' * 100 + b'}' * 100)}.{b64(b'{}')}.AAAA", "JSON"),
        (f"{b64json({'alg': 'EdDSA', 'b64': False, 'crit': ['b64']})}.{b64(b'{}')}.AAAA", "b64"),
    ],
)
def test_malformed_tokens_are_refused_when_read(token: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        jose.read_compact(token)


def test_a_deeply_nested_header_is_refused_before_json_parsing_recurses() -> None:
    header = b64(b'{"alg":"EdDSA","x":' + b"[" * 5000 + b"]" * 5000 + b"}")
    with pytest.raises(InvalidInput):
        jose.read_compact(f"{header}.{b64(b'{}')}.AAAA", limits=jose.JwsLimits(max_header_bytes=20_000))


@pytest.mark.parametrize(
    ("part", "limits"),
    [
        (0, jose.JwsLimits(max_header_bytes=64)),
        (1, jose.JwsLimits(max_bytes=256)),
        (2, jose.JwsLimits(max_signature_bytes=100)),
    ],
)
def test_oversized_segments_are_refused(part: int, limits: jose.JwsLimits) -> None:
    parts = [b64json({"alg": "EdDSA", "kid": "k" * 10}), b64(b"{}"), b64(bytes(64))]
    parts[part] = {0: b64json({"alg": "EdDSA", "kid": "k" * 100}), 1: b64(b"x" * 300), 2: b64(bytes(128))}[
        part
    ]
    with pytest.raises(InputTooLarge):
        jose.read_compact(".".join(parts), limits=limits)


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "EdDSA", "crit": ["exp"], "exp": 1},
        {"alg": "EdDSA", "crit": ["kid"], "kid": "k"},  # RFC 7515 forbids registered names in crit
        {"alg": "EdDSA", "kid": 7},  # registered parameter of the wrong JSON type
        {"alg": "EdDSA", "jwk": "not an object"},
    ],
)
def test_crit_and_mistyped_header_parameters_are_refused(header: dict[str, Any]) -> None:
    key, jwk = ed25519()
    token = hand_signed(header, b"{}", key.sign)
    with pytest.raises(InvalidInput, match=r"crit|header"):
        verify(token, jwk)


def test_a_bad_signature_is_false_not_an_error() -> None:
    key, jwk = ed25519()
    head, payload, _signature = hand_signed({"alg": "EdDSA"}, b'{"a":1}', key.sign).split(".")
    assert not verify(f"{head}.{payload}.{b64(bytes(64))}", jwk)
    assert not verify(f"{head}.{payload}.", jwk)
    forged = hand_signed({"alg": "EdDSA"}, b'{"a":2}', key.sign).split(".")[1]
    assert not verify(f"{head}.{forged}.{_signature}", jwk)


def test_payload_json_is_bounded() -> None:
    token = jose.read_compact(f"{b64json({'alg': 'EdDSA'})}.{b64(b'[' * 80 + b']' * 80)}.AAAA")
    with pytest.raises(InvalidInput, match="nests deeper"):
        token.payload_json()
    with pytest.raises(InvalidInput, match="object"):
        jose.read_compact(f"{b64json({'alg': 'EdDSA'})}.{b64(b'[1]')}.AAAA").payload_json()


# --- JWK <-> key ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jwk", "why"),
    [
        ({**RFC8037_JWK, "d": RFC8037_D}, "private"),
        ({"kty": "RSA", "n": "AQAB", "e": "AQAB", "p": "AQAB"}, "private"),
        ({"kty": "oct", "k": "c2VjcmV0"}, "private"),
        ({"kty": "oct"}, "key type"),
        ({"kty": "OKP", "crv": "X25519", "x": RFC8037_JWK["x"]}, "curve"),
        ({"kty": "OKP", "crv": "Ed448", "x": RFC8037_JWK["x"]}, "curve"),
        ({"kty": "EC", "crv": "P-999", "x": "AA", "y": "AA"}, "curve"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "AA"}, "not a valid public key"),
        ({"kty": "OKP", "crv": "Ed25519"}, "not a valid public key"),
        ({"kty": "OKP", "crv": "Ed25519", "x": 5}, "not a valid public key"),
        ({**RFC7515_ES256_JWK, "y": RFC7515_ES256_JWK["x"]}, "not a valid public key"),  # off the curve
        ({"kty": "RSA", "n": b64((2**1023 + 1).to_bytes(128, "big")), "e": "AQAB"}, "2048"),
        ("not a dict", "object"),
    ],
)
def test_unusable_jwks_are_refused(jwk: Any, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        jose.public_key_from_jwk(jwk)


def test_a_jwk_is_read_as_its_public_members_only() -> None:
    """``use``/``key_ops``/``alg`` members do not change which key it is (joserfc would otherwise refuse a
    ``"use": "enc"`` key for signatures only after import; the DID document is what binds a key to a purpose)."""
    key = jose.public_key_from_jwk(
        {**RFC8037_JWK, "use": "enc", "key_ops": ["encrypt"], "alg": "ES256", "kid": "x"}
    )
    assert key.as_dict(private=False) == RFC8037_JWK
    assert verify(RFC8037_JWS, {**RFC8037_JWK, "use": "enc"}, {"EdDSA"})


def test_sign_compact_only_signs_with_eddsa_and_refuses_crit() -> None:
    signer = Ed25519Signer.from_seed(bytes(32), verification_method="did:example:a#k")
    token = jose.sign_compact(
        {"alg": "EdDSA", "kid": signer.verification_method}, b'{"x":"\xc3\xa9"}', signer=signer
    )
    read = jose.read_compact(token)
    assert read.payload_json() == {"x": "é"}
    key = jose.key_from_native(Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key())
    assert jose.verify_compact(read, key, algorithms={"EdDSA"})
    with pytest.raises(InvalidInput, match="EdDSA"):
        jose.sign_compact({"alg": "ES256"}, b"{}", signer=signer)
    with pytest.raises(InvalidInput, match="crit"):
        jose.sign_compact({"alg": "EdDSA", "crit": ["exp"], "exp": 1}, b"{}", signer=signer)


# --- any input: an answer or InvalidInput, never another exception ----------------------------------------------

SEGMENT = st.one_of(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.", max_size=40),
    st.binary(max_size=60).map(b64),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=8,
    ).map(b64json),
    st.fixed_dictionaries(
        {"alg": st.sampled_from(["EdDSA", "ES256", "RS256", "none", "HS256"])},
        optional={
            "crit": st.lists(st.text(max_size=4), max_size=2),
            "b64": st.booleans(),
            "kid": st.integers() | st.text(max_size=4),
            "jwk": st.dictionaries(
                st.sampled_from(["kty", "crv", "x", "y", "n", "e", "d"]), st.text(max_size=6)
            ),
        },
    ).map(b64json),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(SEGMENT, min_size=1, max_size=4).map(".".join))
def test_any_token_is_read_and_verified_or_refused_with_invalid_input(token: str) -> None:
    try:
        read = jose.read_compact(token)
    except InvalidInput:
        return
    with contextlib.suppress(InvalidInput):
        read.payload_json()
    jwk = read.header.get("jwk", RFC8037_JWK)
    try:
        key = jose.public_key_from_jwk(jwk)
        assert jose.verify_compact(read, key, algorithms=ALL) in (True, False)
    except InvalidInput:
        pass
