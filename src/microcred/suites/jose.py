"""Compact JWS (RFC 7515) on joserfc: reading, verifying under an algorithm allow-list, JWK <-> key, signing.

One place for every JWS microcred reads or writes: VC-JWTs (``verifier.jwt``), OpenID4VCI key proofs
(``issuer.oid4vci``), EBSI accreditations and registry exports. joserfc does the JOSE work (strict base64url, header
parameter types, algorithm models, key import and the alg/key-type match); this module adds what microcred
requires on top, whoever calls it:

- bounded reading: the token, the encoded header and the header's JSON nesting are capped before anything is
  parsed (joserfc itself parses the header with plain ``json.loads``);
- ``alg`` only from the caller's allow-list and from :data:`SUPPORTED_ALGORITHMS` (never ``none``, never an HMAC,
  whose "key" would be a public key an attacker knows); the key type must suit ``alg`` (no algorithm confusion);
  EdDSA only with Ed25519, RSA only from 2048 bits;
- no ``crit`` (no extension is understood, RFC 7515 §4.1.11) and no ``b64`` (RFC 7797 unencoded payloads);
- nothing is fetched: ``jku``/``x5u``/``x5c`` name no key here; a caller decides which of ``kid``/``jwk`` it reads;
- a JWK is read as its public members only, and one carrying private members is refused.

Errors are :class:`~microcred.vc.errors.InvalidInput` with a sentence saying what is wrong; a signature that does
not verify is ``False``, not an error.

https://www.rfc-editor.org/rfc/rfc7515 ; https://www.rfc-editor.org/rfc/rfc7517 ; https://www.rfc-editor.org/rfc/rfc8037
"""

from __future__ import annotations

import binascii
import re
import warnings
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from joserfc import jws as joserfc_jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import ECKey, Key, OKPKey, RSAKey
from joserfc.util import json_b64encode, urlsafe_b64decode, urlsafe_b64encode

from microcred.keys import Signer
from microcred.suites.json_input import parse_json
from microcred.vc.errors import InputTooLarge, InvalidInput
from microcred.vc.json_text import lone_surrogate_escape

__all__ = [
    "SUPPORTED_ALGORITHMS",
    "CompactJws",
    "JwsLimits",
    "PublicKey",
    "check_header",
    "key_from_native",
    "public_key_from_jwk",
    "read_compact",
    "sign_compact",
    "verify_compact",
]

PublicKey = Key
"""A public key as joserfc holds it (``OKPKey``, ``ECKey`` or ``RSAKey``)."""

SUPPORTED_ALGORITHMS = frozenset({"EdDSA", "Ed25519", "ES256", "ES384", "ES256K", "RS256"})
"""Every ``alg`` this module verifies: EdDSA and its fully specified name Ed25519 (RFC 8037, RFC 9864), ECDSA on
P-256 / P-384 (RFC 7518) and secp256k1 (RFC 8812), RSASSA-PKCS1-v1_5 with SHA-256. Callers narrow it further."""
_CURVES = {"OKP": frozenset({"Ed25519"}), "EC": frozenset({"P-256", "P-384", "secp256k1"})}
_PUBLIC_MEMBERS = {"OKP": ("crv", "x"), "EC": ("crv", "x", "y"), "RSA": ("n", "e")}
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_MIN_RSA_BITS = 2048
_SEGMENT = re.compile(rb"[A-Za-z0-9_-]*")
_EDDSA = frozenset({"EdDSA", "Ed25519"})


@dataclass(frozen=True)
class JwsLimits:
    """Caps applied before a JWS is parsed."""

    max_bytes: int = 1_048_576
    """The whole compact serialization."""
    max_header_bytes: int = 16_384
    """The encoded protected header (an RSA-4096 ``jwk`` header is about 1 KiB)."""
    max_depth: int = 64
    """JSON nesting of the header and of :meth:`CompactJws.payload_json`."""
    max_signature_bytes: int = 2048
    """The encoded signature (RSA-8192 is 1366 characters)."""


@dataclass(frozen=True)
class CompactJws:
    """A compact JWS as read (not yet verified): its protected header, payload and signature."""

    header: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes
    _parsed: joserfc_jws.CompactSignature = field(repr=False, compare=False)

    @property
    def alg(self) -> Any:
        """The header's ``alg`` as given (not yet checked)."""
        return self.header.get("alg")

    def payload_json(self, *, limits: JwsLimits = JwsLimits()) -> dict[str, Any]:
        """The payload as a JSON object (size and depth bounded); InvalidInput otherwise."""
        return _json_object(self.payload, "payload", max_bytes=limits.max_bytes, max_depth=limits.max_depth)


def _json_object(data: bytes, name: str, *, max_bytes: int, max_depth: int) -> dict[str, Any]:
    value = parse_json(data, max_bytes=max_bytes, max_depth=max_depth)
    if not isinstance(value, dict):
        raise InvalidInput(f"the JWS {name} must be a JSON object")
    if lone_surrogate_escape(data):
        # a lone surrogate is no Unicode character: echoing it (a report, a log) would fail later
        raise InvalidInput(f"the JWS {name} has a lone UTF-16 surrogate escape")
    return value


def _decode_segment(segment: bytes, name: str) -> bytes:
    if _SEGMENT.fullmatch(segment) is None:
        raise InvalidInput(f"the JWS {name} is not base64url without padding")
    try:
        return urlsafe_b64decode(segment)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"the JWS {name} is not canonical base64url") from None


def read_compact(token: str | bytes, *, limits: JwsLimits = JwsLimits()) -> CompactJws:
    """Split and decode a compact JWS without verifying it (RFC 7515 §5.2 steps 1-7); InvalidInput if malformed.

    https://www.rfc-editor.org/rfc/rfc7515#section-5.2
    """
    try:
        raw = token.encode("ascii") if isinstance(token, str) else token
    except UnicodeEncodeError:
        raise InvalidInput("a compact JWS is ASCII text") from None
    if len(raw) > limits.max_bytes:
        raise InputTooLarge(f"the JWS is {len(raw)} bytes; the limit is {limits.max_bytes}")
    parts = raw.split(b".")
    if len(parts) != 3:
        raise InvalidInput("a compact JWS has three base64url parts separated by dots")
    if len(parts[0]) > limits.max_header_bytes:
        raise InputTooLarge(
            f"the JWS header is {len(parts[0])} bytes; the limit is {limits.max_header_bytes}"
        )
    if len(parts[2]) > limits.max_signature_bytes:
        raise InputTooLarge(
            f"the JWS signature is {len(parts[2])} bytes; the limit is {limits.max_signature_bytes}"
        )
    header = _json_object(
        _decode_segment(parts[0], "header"),
        "header",
        max_bytes=limits.max_header_bytes,
        max_depth=limits.max_depth,
    )
    payload = _decode_segment(parts[1], "payload")
    signature = _decode_segment(parts[2], "signature")
    if "b64" in header:
        # joserfc would read an RFC 7797 unencoded payload; nothing here signs or expects one.
        raise InvalidInput('the JWS header parameter "b64" (unencoded payload) is not supported')
    registry = joserfc_jws.JWSRegistry(strict_check_header=False)
    registry.max_header_length = limits.max_header_bytes
    registry.max_payload_length = limits.max_bytes
    registry.max_signature_length = limits.max_signature_bytes
    try:
        parsed = joserfc_jws.extract_compact(raw, registry=registry)
    except (JoseError, ValueError) as exc:
        raise InvalidInput(f"the JWS cannot be read: {exc}") from None
    return CompactJws(header, payload, parts[0] + b"." + parts[1], signature, parsed)


def check_header(header: Mapping[str, Any]) -> None:
    """Refuse what no caller understands: ``crit`` and ``b64``; and header values of the wrong JSON type.

    https://www.rfc-editor.org/rfc/rfc7515#section-4.1.11
    """
    if "crit" in header:
        raise InvalidInput('no "crit" header parameters are understood')
    if "b64" in header:
        raise InvalidInput('the JWS header parameter "b64" (unencoded payload) is not supported')
    try:
        joserfc_jws.JWSRegistry(strict_check_header=False).check_header(dict(header))
    except JoseError as exc:
        raise InvalidInput(f"the JWS header is not valid: {exc.description or exc.error}") from None


def key_from_native(key: Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> PublicKey:
    """A public key from ``cryptography`` (a did:key, a Multikey) as a JOSE key."""
    if isinstance(key, Ed25519PublicKey):
        return OKPKey.import_key(key)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ECKey.import_key(key)
    return _checked_rsa(RSAKey.import_key(key))


def _checked_rsa(key: RSAKey) -> RSAKey:
    if key.public_key.key_size < _MIN_RSA_BITS:
        raise InvalidInput(f"RSA keys shorter than {_MIN_RSA_BITS} bits are refused")
    return key


def public_key_from_jwk(jwk: Any) -> PublicKey:
    """The public key of a JWK (its public members only): OKP Ed25519, EC P-256/P-384/secp256k1 or RSA.

    A JWK with private members is refused, not stripped: whoever sent it has leaked the key.
    https://www.rfc-editor.org/rfc/rfc7517#section-4 ; https://www.rfc-editor.org/rfc/rfc8037#section-2
    """
    if not isinstance(jwk, Mapping):
        raise InvalidInput("the JWK must be a JSON object")
    if _PRIVATE_MEMBERS & set(jwk):
        raise InvalidInput("the JWK holds private key material")
    kty = jwk.get("kty")
    members = _PUBLIC_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None:
        raise InvalidInput(f"a JWK of key type {kty!r} cannot verify signatures (OKP, EC or RSA)")
    if kty in _CURVES and jwk.get("crv") not in _CURVES[kty]:
        raise InvalidInput(f"a {kty} JWK on curve {jwk.get('crv')!r} is not supported")
    public: dict[str, Any] = {"kty": kty} | {name: jwk[name] for name in members if name in jwk}
    try:
        if kty == "OKP":
            return OKPKey.import_key(public)
        if kty == "EC":
            return ECKey.import_key(public)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecurityWarning)  # short RSA keys: refused just below
            rsa_key = RSAKey.import_key(public)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(f"the {kty} JWK is not a valid public key: {exc}") from None
    return _checked_rsa(rsa_key)


def _describe(key: PublicKey) -> str:
    curve = getattr(key, "curve_name", None)
    return f"{key.key_type} {curve}" if curve else str(key.key_type)


def verify_compact(jws: CompactJws, key: PublicKey, *, algorithms: Collection[str]) -> bool:
    """Whether the JWS signature verifies with ``key``; InvalidInput when the header, ``alg`` or key is refused.

    ``alg`` must be in ``algorithms`` (and supported here) and suit the key's type and curve, so a key cannot be
    used with an algorithm it was not made for. https://www.rfc-editor.org/rfc/rfc7515#section-5.2 (step 8)
    """
    alg = jws.alg
    accepted = SUPPORTED_ALGORITHMS.intersection(algorithms)
    if not isinstance(alg, str) or alg not in accepted:
        raise InvalidInput(f"the JWS algorithm {alg!r} is not accepted ({', '.join(sorted(accepted))})")
    check_header(jws.header)
    if alg in _EDDSA and getattr(key, "curve_name", None) != "Ed25519":
        raise InvalidInput(f'an {_describe(key)} key cannot verify "{alg}" (Ed25519 only)')
    if isinstance(key, RSAKey):
        _checked_rsa(key)
    registry = joserfc_jws.JWSRegistry(algorithms=[alg], strict_check_header=False)
    try:
        with warnings.catch_warnings():
            # joserfc warns that "EdDSA" is deprecated by RFC 9864; wallets and VC-JWTs still use it.
            warnings.simplefilter("ignore", SecurityWarning)
            return joserfc_jws.validate_compact(jws._parsed, key, registry=registry)
    except JoseError as exc:
        raise InvalidInput(
            f'an {_describe(key)} key cannot verify "{alg}": {exc.description or exc.error}'
        ) from None
    except ValueError:
        return False


def sign_compact(header: Mapping[str, Any], payload: bytes, *, signer: Signer) -> str:
    """A compact JWS of ``payload`` signed by an Ed25519 :class:`~microcred.keys.Signer` (``alg`` EdDSA or Ed25519).

    The header is serialized as given (compact JSON, ASCII), so the output is byte for byte predictable.
    https://www.rfc-editor.org/rfc/rfc7515#section-5.1 ; https://www.rfc-editor.org/rfc/rfc8037#section-3.1
    """
    if header.get("alg") not in _EDDSA:
        raise InvalidInput('a Signer holds an Ed25519 key: "alg" must be "EdDSA" or "Ed25519"')
    check_header(header)
    signing_input = json_b64encode(dict(header)) + b"." + urlsafe_b64encode(payload)
    signature = urlsafe_b64encode(signer.sign(signing_input))
    return (signing_input + b"." + signature).decode("ascii")
