"""Public keys of the algorithms real issuers sign with (Ed25519, ECDSA P-256, P-384, secp256k1), read from every
form a verification method publishes them in, and signature checks with them.

https://www.w3.org/TR/cid-1.0/#Multikey ; https://www.w3.org/TR/cid-1.0/#JsonWebKey ;
https://w3c-ccg.github.io/did-method-key/ ; RFC 7518 §3.4 (ECDSA signatures as ``r || s``)

A :class:`PublicKey` *is* its raw bytes (32-byte Ed25519 key, or the compressed SEC1 point of an EC key), so code
written for Ed25519-only suites keeps working with it, and it also says which algorithm the bytes belong to:
33 bytes are a P-256 point or a secp256k1 point, and only the algorithm tells which.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from microcred.vc.encodings import b64url_decode, b64url_encode, multibase_decode, multibase_encode_b58
from microcred.vc.errors import InvalidInput

__all__ = [
    "CURVES",
    "ED25519",
    "MULTICODEC_HEADERS",
    "P256",
    "P384",
    "SECP256K1",
    "PublicKey",
    "public_key_from_base58",
    "public_key_from_jwk",
    "public_key_from_multikey",
]

ED25519 = "Ed25519"
P256 = "P-256"
P384 = "P-384"
SECP256K1 = "secp256k1"

MULTICODEC_HEADERS: dict[str, bytes] = {
    ED25519: b"\xed\x01",  # ed25519-pub 0xed
    P256: b"\x80\x24",  # p256-pub 0x1200
    P384: b"\x81\x24",  # p384-pub 0x1201
    SECP256K1: b"\xe7\x01",  # secp256k1-pub 0xe7
}

CURVES: dict[str, ec.EllipticCurve] = {P256: ec.SECP256R1(), P384: ec.SECP384R1(), SECP256K1: ec.SECP256K1()}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    P256: hashes.SHA256,
    P384: hashes.SHA384,
    SECP256K1: hashes.SHA256,
}
_COORDINATE = {P256: 32, P384: 48, SECP256K1: 32}
_JWK_CURVES = {"P-256": P256, "P-384": P384, "secp256k1": SECP256K1}


class PublicKey(bytes):
    """Raw public key bytes tagged with their algorithm (``Ed25519``, ``P-256``, ``P-384``, ``secp256k1``)."""

    algorithm: str

    def __new__(cls, raw: bytes, algorithm: str) -> PublicKey:
        if algorithm == ED25519:
            if len(raw) != 32:
                raise InvalidInput(f"an Ed25519 public key is 32 bytes, not {len(raw)}")
        elif algorithm in CURVES:
            raw = _compressed_point(raw, algorithm)
        else:
            raise InvalidInput(f'unsupported key algorithm "{algorithm}"')
        key = super().__new__(cls, raw)
        key.algorithm = algorithm
        return key

    @property
    def multibase(self) -> str:
        """``publicKeyMultibase`` (Multikey: multicodec header + key, base58btc)."""
        return multibase_encode_b58(MULTICODEC_HEADERS[self.algorithm] + bytes(self))

    def jwk(self) -> dict[str, str]:
        """The key as a public JWK (RFC 7517; OKP for Ed25519, EC otherwise)."""
        if self.algorithm == ED25519:
            return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(bytes(self))}
        numbers = self._ec_key().public_numbers()
        size = _COORDINATE[self.algorithm]
        return {
            "kty": "EC",
            "crv": self.algorithm,
            "x": b64url_encode(numbers.x.to_bytes(size, "big")),
            "y": b64url_encode(numbers.y.to_bytes(size, "big")),
        }

    def _ec_key(self) -> ec.EllipticCurvePublicKey:
        return ec.EllipticCurvePublicKey.from_encoded_point(CURVES[self.algorithm], bytes(self))

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` signs ``data``: pure Ed25519, or ECDSA ``r || s`` over the curve's hash of
        ``data`` (SHA-256 for P-256 and secp256k1, SHA-384 for P-384: RFC 7518 §3.4, vc-di-ecdsa)."""
        try:
            if self.algorithm == ED25519:
                Ed25519PublicKey.from_public_bytes(bytes(self)).verify(signature, data)
                return True
            size = _COORDINATE[self.algorithm]
            if len(signature) != 2 * size:
                return False
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            der = encode_dss_signature(r, s)
            self._ec_key().verify(der, data, ec.ECDSA(_HASHES[self.algorithm]()))
        except (InvalidSignature, ValueError):
            return False
        return True


def _compressed_point(raw: bytes, algorithm: str) -> bytes:
    """The compressed SEC1 form of a point given compressed or uncompressed; InvalidInput if not on the curve."""
    size = _COORDINATE[algorithm]
    if not (len(raw) == size + 1 and raw[0] in (2, 3)) and not (len(raw) == 2 * size + 1 and raw[0] == 4):
        raise InvalidInput(
            f"a {algorithm} public key is a {size + 1}-byte compressed or {2 * size + 1}-byte uncompressed point"
        )
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(CURVES[algorithm], raw)
    except ValueError:
        raise InvalidInput(f"the public key is not a point on {algorithm}") from None
    return key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def public_key_from_multikey(value: Any) -> PublicKey:
    """The key in a Multikey ``publicKeyMultibase`` (base58btc; header ed25519-pub, p256-pub, p384-pub or
    secp256k1-pub: https://www.w3.org/TR/cid-1.0/#Multikey)."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise InvalidInput('"publicKeyMultibase" must be a base58btc multibase string ("z…")')
    return _from_multikey(value)


@lru_cache(maxsize=4096)
def _from_multikey(value: str) -> PublicKey:
    """Cached: a verifier decodes the same few issuer keys (base58 in pure Python, point checks) again and again."""
    raw = multibase_decode(value)
    for algorithm, header in MULTICODEC_HEADERS.items():
        if raw.startswith(header):
            return PublicKey(raw[len(header) :], algorithm)
    raise InvalidInput(
        f'"publicKeyMultibase" has multicodec header {raw[:2].hex()}; supported: Ed25519 (ed01), P-256 (8024), '
        "P-384 (8124), secp256k1 (e701)"
    )


def public_key_from_base58(value: Any, algorithm: str) -> PublicKey:
    """The key in a ``publicKeyBase58`` value (raw key bytes, no header: Ed25519VerificationKey2018,
    EcdsaSecp256k1VerificationKey2019)."""
    if not isinstance(value, str) or not value:
        raise InvalidInput('"publicKeyBase58" must be a non-empty base58 string')
    try:
        raw = bytes(base58.b58decode(value))
    except ValueError as exc:
        raise InvalidInput(f'"publicKeyBase58" is not valid base58: {exc}') from None
    return PublicKey(raw, algorithm)


def public_key_from_jwk(jwk: Any) -> PublicKey:
    """The key in a public JWK (OKP Ed25519, EC P-256 / P-384 / secp256k1); a JWK with private parts is
    refused (a verification method must never publish ``d``)."""
    if not isinstance(jwk, Mapping):
        raise InvalidInput('"publicKeyJwk" must be a JSON object')
    if "d" in jwk:
        raise InvalidInput('"publicKeyJwk" contains a private key ("d")')
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        return PublicKey(_jwk_bytes(jwk, "x"), ED25519)
    if kty == "EC" and isinstance(crv, str) and crv in _JWK_CURVES:
        algorithm = _JWK_CURVES[crv]
        size = _COORDINATE[algorithm]
        x, y = _jwk_bytes(jwk, "x"), _jwk_bytes(jwk, "y")
        if len(x) != size or len(y) != size:
            raise InvalidInput(f'"publicKeyJwk" coordinates of a {crv} key are {size} bytes each')
        return PublicKey(b"\x04" + x + y, algorithm)
    raise InvalidInput(
        f'"publicKeyJwk" with kty {kty!r} and crv {crv!r} is not supported (OKP Ed25519, EC P-256, P-384, secp256k1)'
    )


def _jwk_bytes(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidInput(f'"publicKeyJwk.{name}" must be a base64url string')
    return b64url_decode(value)
