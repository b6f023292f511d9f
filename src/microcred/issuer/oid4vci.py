"""OpenID4VCI 1.0: issuer and authorization server metadata, and the check of a wallet's key proof JWT.

https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html

The key proof (§8.2.1.1 / Appendix F.1, proof type ``jwt``) is checked here, its JWS through
:mod:`microcred.suites.jose`: the header (``typ`` ``openid4vci-proof+jwt``, ``alg`` EdDSA/Ed25519 or ES256, exactly
one of ``kid``/``jwk``/``x5c``), the signature with the key the header names, ``aud`` = the Credential Issuer
Identifier, ``iat`` fresh. The nonce is
returned for the caller to redeem (it lives in the database). The holder's DID — the ``kid``'s DID (did:key for
Ed25519 or P-256, did:jwk) or did:jwk of a header ``jwk`` — is what ``credentialSubject.id`` is bound to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from microcred.issuer.credential import CONTEXTS
from microcred.issuer.offers import CREDENTIAL_CONFIGURATION_ID, PRE_AUTHORIZED_GRANT
from microcred.issuer.signing import SIGNING_SUITES
from microcred.suites import jose
from microcred.vc.encodings import ED25519_PUB_HEADER, b64url_decode, b64url_encode, multikey_decode
from microcred.vc.errors import InvalidInput, OAuthError

__all__ = [
    "PROOF_ALGORITHMS",
    "PROOF_TYP",
    "KeyProof",
    "authorization_server_metadata",
    "check_key_proof",
    "did_jwk",
    "issuer_metadata",
]

PROOF_TYP = "openid4vci-proof+jwt"
PROOF_ALGORITHMS = ("EdDSA", "Ed25519", "ES256")
"""JOSE algorithms of key proofs: EdDSA (and its fully-specified RFC 9864 name Ed25519) with Ed25519, ES256."""
P256_PUB_HEADER = b"\x80\x24"  # multicodec p256-pub (0x1200), varint
_MAX_JWT_CHARS = 8192
_LIMITS = jose.JwsLimits(max_bytes=_MAX_JWT_CHARS, max_header_bytes=_MAX_JWT_CHARS)
_PROOF_CURVES = ("Ed25519", "P-256")


def issuer_metadata(*, credential_issuer: str, display_name: str) -> dict[str, Any]:
    """Credential Issuer Metadata (§12.2.4): the issuer is its own authorization server; one ``ldp_vc``
    configuration for the OB 3.0 AchievementCredential. Metadata is not JSON-LD processed (Appendix A.1.2)."""
    return {
        "credential_issuer": credential_issuer,
        "credential_endpoint": f"{credential_issuer}/oid4vci/credential",
        "nonce_endpoint": f"{credential_issuer}/oid4vci/nonce",
        "display": [{"name": display_name, "locale": "en"}],
        "credential_configurations_supported": {
            CREDENTIAL_CONFIGURATION_ID: {
                "format": "ldp_vc",
                "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                "credential_signing_alg_values_supported": list(SIGNING_SUITES),
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}
                },
                "credential_definition": {
                    "@context": list(CONTEXTS),
                    "type": ["VerifiableCredential", "AchievementCredential"],
                },
                "credential_metadata": {
                    "display": [{"name": "EU micro-credential (Open Badges 3.0)", "locale": "en"}]
                },
            }
        },
    }


def authorization_server_metadata(*, issuer: str) -> dict[str, Any]:
    """RFC 8414 metadata of the built-in authorization server: only the pre-authorized code grant, anonymous
    (OpenID4VCI §12.3 ``pre-authorized_grant_anonymous_access_supported``); there is no authorization endpoint."""
    return {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/oid4vci/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


@dataclass(frozen=True)
class KeyProof:
    """A verified key proof: the holder DID to bind, the proof's ``nonce`` (None if absent), its algorithm."""

    holder: str
    nonce: str | None
    algorithm: str


def _invalid(detail: str) -> OAuthError:
    return OAuthError("invalid_proof", detail)


def did_jwk(jwk: Mapping[str, Any]) -> str:
    """``did:jwk:`` of a public JWK (its required members only, sorted).
    https://github.com/quartzjer/did-jwk/blob/main/spec.md"""
    members = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}.get(str(jwk.get("kty")))
    if members is None:
        raise _invalid('"jwk.kty" must be OKP (Ed25519) or EC (P-256)')
    public = {name: jwk.get(name) for name in members}
    text = json.dumps(public, separators=(",", ":"), sort_keys=True)
    return "did:jwk:" + b64url_encode(text.encode("utf-8"))


def _key_from_jwk(jwk: Any) -> jose.PublicKey:
    if isinstance(jwk, Mapping) and "d" in jwk:
        raise _invalid('"jwk" must be a public key (it carries the private member "d")')
    try:
        key = jose.public_key_from_jwk(jwk)
    except InvalidInput as exc:
        raise _invalid(f'"jwk" is not a valid Ed25519 or P-256 public key: {exc.detail}') from None
    if getattr(key, "curve_name", None) not in _PROOF_CURVES:
        raise _invalid('"jwk" must be an Ed25519 (OKP) or P-256 (EC) key')
    return key


def _key_from_kid(kid: Any) -> tuple[jose.PublicKey, str]:
    """The key a DID URL ``kid`` names, and its DID: did:key (Ed25519 ``z6Mk…``, P-256 ``zDn…``) or did:jwk."""
    if not isinstance(kid, str) or "#" not in kid:
        raise _invalid('"kid" must be a DID URL (did:key:…#… or did:jwk:…#0)')
    did, fragment = kid.split("#", 1)
    if did.startswith("did:key:"):
        multibase = did.removeprefix("did:key:")
        if fragment != multibase:
            raise _invalid('a did:key "kid" must be did:key:<key>#<key>')
        try:
            if multibase.startswith("z6Mk"):
                raw = multikey_decode(multibase, ED25519_PUB_HEADER)
                return jose.key_from_native(Ed25519PublicKey.from_public_bytes(raw)), did
            if multibase.startswith("zDn"):
                point = multikey_decode(multibase, P256_PUB_HEADER, length=33)
                p256 = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
                return jose.key_from_native(p256), did
        except (InvalidInput, ValueError):
            raise _invalid(f'"{did}" is not a valid did:key') from None
        raise _invalid("did:key proofs must use an Ed25519 (z6Mk…) or P-256 (zDn…) key")
    if did.startswith("did:jwk:"):
        if fragment != "0":
            raise _invalid('a did:jwk "kid" must end in "#0"')
        try:
            jwk = json.loads(b64url_decode(did.removeprefix("did:jwk:")))
        except (InvalidInput, ValueError, UnicodeDecodeError):
            raise _invalid(f'"{did}" is not a valid did:jwk') from None
        key = _key_from_jwk(jwk)
        return key, did
    raise _invalid('"kid" must be a did:key or did:jwk URL')


def _check_claims(
    claims: Mapping[str, Any], *, audience: str, now: datetime, max_age: timedelta, leeway: timedelta
) -> None:
    aud = claims.get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise _invalid(f'"aud" must be the Credential Issuer Identifier "{audience}"')
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise _invalid('"iat" (a NumericDate) is required')
    stamp = now.timestamp()
    if iat > stamp + leeway.total_seconds():
        raise _invalid('"iat" is in the future')
    if iat < stamp - max_age.total_seconds():
        raise _invalid(f'"iat" is older than {int(max_age.total_seconds())} seconds')
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, int | float) or exp < stamp - leeway.total_seconds()):
        raise _invalid('"exp" has passed')
    nonce = claims.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise _invalid('"nonce" must be a string')


def check_key_proof(
    jwt: Any,
    *,
    audience: str,
    now: datetime,
    max_age: timedelta = timedelta(minutes=5),
    leeway: timedelta = timedelta(seconds=60),
) -> KeyProof:
    """Check one ``jwt`` key proof (OpenID4VCI 1.0 Appendix F.1 and F.4); OAuthError ``invalid_proof`` if not.

    https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#name-jwt-proof-type
    """
    if not isinstance(jwt, str) or len(jwt) > _MAX_JWT_CHARS or jwt.count(".") != 2:
        raise _invalid("a jwt proof must be a compact JWS (header.payload.signature)")
    try:
        token = jose.read_compact(jwt, limits=_LIMITS)
    except InvalidInput as exc:
        raise _invalid(f"the proof JWT cannot be read: {exc.detail}") from None
    header = token.header
    if header.get("typ") != PROOF_TYP:
        raise _invalid(f'the proof JWT header "typ" must be "{PROOF_TYP}"')
    alg = header.get("alg")
    if alg not in PROOF_ALGORITHMS:
        raise _invalid(f'the proof JWT "alg" must be one of {", ".join(PROOF_ALGORITHMS)}')
    if "crit" in header:
        raise _invalid('no "crit" header parameters are understood')
    named = [name for name in ("kid", "jwk", "x5c") if name in header]
    if len(named) != 1:
        raise _invalid('the proof JWT header must carry exactly one of "kid", "jwk" or "x5c"')
    if named[0] == "x5c":
        raise _invalid('"x5c" key proofs are not supported: use a did:key/did:jwk "kid" or a "jwk"')
    if named[0] == "kid":
        key, holder = _key_from_kid(header["kid"])
    else:
        key = _key_from_jwk(header["jwk"])
        holder = did_jwk(header["jwk"])
    try:
        claims = token.payload_json(limits=_LIMITS)  # trusted only once verified
        verified = jose.verify_compact(token, key, algorithms=PROOF_ALGORITHMS)
    except InvalidInput as exc:
        raise _invalid(f"the proof JWT is refused: {exc.detail}") from None
    if not verified:
        raise _invalid("the proof JWT signature does not verify with the key its header names")
    _check_claims(claims, audience=audience, now=now, max_age=max_age, leeway=leeway)
    nonce = claims.get("nonce")
    return KeyProof(holder=holder, nonce=nonce if isinstance(nonce, str) else None, algorithm=str(alg))
