"""VC-JWT: a compact JWS over a credential (OB3 / VC-JOSE-COSE payload, or the VC 1.1 ``vc`` claim).

Algorithms EdDSA (Ed25519), ES256, ES384 and RS256; the key comes from ``kid`` (a DID URL, resolved and required to
be listed under ``assertionMethod``) or from a public ``jwk`` header; the JWS itself is read and checked by
:mod:`microcred.suites.jose`. Claims must agree with the credential:
``iss`` = issuer, ``jti`` = id, ``sub`` = credentialSubject.id, ``nbf`` = validFrom, ``exp`` = validUntil.

https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof ; https://www.w3.org/TR/vc-data-model-1.1/#jwt-decoding ;
https://www.w3.org/TR/vc-jose-cose/
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from microcred.keys import public_key_from_multikey
from microcred.suites import jose, sole_method
from microcred.vc.errors import InvalidInput, MicrocredError
from microcred.verifier.dates import parse_datetime
from microcred.verifier.did import did_of
from microcred.verifier.inputs import InputLimits, parse_json
from microcred.verifier.proof import CRYPTOGRAPHIC_SECURITY_ERROR, MemoResolver
from microcred.verifier.report import Check

__all__ = ["ALGORITHMS", "JwtOutcome", "decode_jwt_credential", "verify_jws_by_did", "verify_jwt"]

ALGORITHMS = frozenset({"EdDSA", "ES256", "ES384", "RS256"})
"""VC-JWT algorithms. EBSI accreditations may also be ES256K (secp256k1, RFC 8812): see :func:`verify_jws_by_did`."""
_ALLOWED_HEADERS = frozenset({"alg", "kid", "jwk", "typ", "cty"})
_TYPES = frozenset({"JWT", "vc+jwt", "vc+ld+jwt", "application/vc+jwt"})
_LIMITS = InputLimits(max_bytes=1_048_576, max_depth=64)


@dataclass(frozen=True)
class JwtOutcome:
    """The proof check of a VC-JWT and the DID controlling its key (None for a bare ``jwk``)."""

    check: Check
    controller: str | None
    verified: bool


def _segments(jws: str) -> tuple[jose.CompactJws, dict[str, Any]]:
    token = jose.read_compact(jws.strip(), limits=jose.JwsLimits(max_bytes=_LIMITS.max_bytes))
    payload = parse_json(token.payload, limits=_LIMITS)
    if not isinstance(payload, dict):
        raise InvalidInput("the JWS header and payload must be JSON objects")
    return token, payload


def _numeric(value: Any) -> datetime:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InvalidInput(f"JWT time claim {value!r} is not a NumericDate")
    return datetime.fromtimestamp(value, tz=UTC)


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def decode_jwt_credential(jws: str) -> dict[str, Any]:
    """The credential a VC-JWT carries (VC 1.1 ``vc`` claim expanded with its registered claims)."""
    _token, payload = _segments(jws)
    if isinstance(payload.get("vc"), dict):
        credential: dict[str, Any] = copy.deepcopy(payload["vc"])
        if "iss" in payload and "issuer" not in credential:
            credential["issuer"] = payload["iss"]
        if "jti" in payload and "id" not in credential:
            credential["id"] = payload["jti"]
        if "nbf" in payload and "issuanceDate" not in credential:
            credential["issuanceDate"] = _stamp(_numeric(payload["nbf"]))
        if "exp" in payload and "expirationDate" not in credential:
            credential["expirationDate"] = _stamp(_numeric(payload["exp"]))
        subject = credential.get("credentialSubject")
        if "sub" in payload and isinstance(subject, dict) and "id" not in subject:
            subject["id"] = payload["sub"]
        return credential
    if "@context" not in payload:
        raise InvalidInput('the JWT payload is neither a credential nor carries a "vc" claim')
    return {k: v for k, v in payload.items() if k not in ("iss", "jti", "nbf", "sub", "exp", "iat", "aud")}


def _claim_problems(payload: Mapping[str, Any], credential: Mapping[str, Any]) -> list[str]:
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, Mapping) else None
    problems: list[str] = []
    for claim, expected, name in (
        ("iss", issuer_id, "issuer"),
        ("jti", credential.get("id"), "id"),
        ("sub", subject_id, "credentialSubject.id"),
    ):
        if claim in payload and payload[claim] != expected:
            problems.append(f'"{claim}" {payload[claim]!r} differs from {name} {expected!r}')
    v11 = "vc" in payload
    for claim, field in (
        ("nbf", "issuanceDate" if v11 else "validFrom"),
        ("exp", "expirationDate" if v11 else "validUntil"),
    ):
        if claim not in payload:
            continue
        try:
            claimed = _numeric(payload[claim])
            stated = credential.get(field)
            if stated is None or abs((parse_datetime(stated) - claimed).total_seconds()) >= 1:
                problems.append(f'"{claim}" {_stamp(claimed)} differs from {field} {stated!r}')
        except InvalidInput as exc:
            problems.append(exc.detail)
    return problems


def _kid_key(kid: str, alg: str, resolver: MemoResolver) -> jose.PublicKey:
    did = did_of(kid)
    document = resolver.resolve(did)
    if "#" not in kid:
        # a bare DID names no key: accepted when the DID has exactly one assertionMethod key
        sole = sole_method(document, did, "assertionMethod")
        if sole is not None:
            kid = sole[0]
    fragment_id = kid if "#" in kid else None
    methods = [m for m in document.get("verificationMethod", []) if isinstance(m, Mapping)]
    method = next(
        (m for m in methods if fragment_id and m.get("id") in (kid, "#" + kid.split("#", 1)[1])), None
    )
    if method is None:
        raise InvalidInput(f'"kid" {kid!r} is not a verification method of {did}')
    listed = document.get("assertionMethod", [])
    ids = {
        e.get("id") if isinstance(e, Mapping) else e
        for e in (listed if isinstance(listed, list) else [listed])
    }
    if kid not in ids and "#" + kid.split("#", 1)[1] not in ids:
        raise InvalidInput(f'"kid" {kid!r} is not listed under assertionMethod of {did}')
    if isinstance(method.get("publicKeyJwk"), Mapping):
        return jose.public_key_from_jwk(method["publicKeyJwk"])
    if isinstance(method.get("publicKeyMultibase"), str):
        # any Multikey (Ed25519, P-256, P-384, secp256k1); jose checks that the key's type fits "alg"
        return jose.public_key_from_jwk(public_key_from_multikey(method["publicKeyMultibase"]).jwk())
    raise InvalidInput(f'verification method {kid!r} has no key usable with "{alg}"')


def verify_jws_by_did(
    jws: str, *, resolver: MemoResolver, algorithms: frozenset[str] = ALGORITHMS | {"ES256K"}
) -> tuple[dict[str, Any], str]:
    """The payload of a compact JWS and the DID whose key signed it (``kid``, a DID URL listed under the DID's
    ``assertionMethod``). InvalidInput when it cannot be read, names no usable key or does not verify; NotFound
    (a LookupError) when the DID document cannot be retrieved."""
    token, payload = _segments(jws)
    alg = token.alg
    if alg not in algorithms:
        raise InvalidInput(f"the JWS algorithm {alg!r} is not accepted ({', '.join(sorted(algorithms))})")
    kid = token.header.get("kid")
    if not isinstance(kid, str) or not kid.startswith("did:"):
        raise InvalidInput('the JWS header names no DID URL "kid"')
    key = _kid_key(kid, str(alg), resolver)
    if not jose.verify_compact(token, key, algorithms=algorithms):
        raise InvalidInput(f"the JWS signature does not verify with {kid}")
    return payload, did_of(kid)


def verify_jwt(jws: str, *, resolver: MemoResolver) -> tuple[dict[str, Any], JwtOutcome]:
    """Decode and verify a VC-JWT; InvalidInput only when it cannot be read as a credential at all."""
    token, payload = _segments(jws)
    header = token.header
    credential = decode_jwt_credential(jws)

    def failed(sentence: str) -> tuple[dict[str, Any], JwtOutcome]:
        check = Check(
            id="proof", status="failed", sentence=sentence, problem_type=CRYPTOGRAPHIC_SECURITY_ERROR
        )
        return credential, JwtOutcome(check, None, False)

    alg = header.get("alg")
    if alg not in ALGORITHMS:
        return failed(f"The JWT algorithm {alg!r} is not accepted ({', '.join(sorted(ALGORITHMS))}).")
    extra = set(header) - _ALLOWED_HEADERS
    if extra:
        return failed(f"The JWT header carries unexpected parameters {sorted(extra)}.")
    if "typ" in header and header["typ"] not in _TYPES:
        return failed(f'The JWT "typ" {header["typ"]!r} is not a credential type.')
    kid, jwk = header.get("kid"), header.get("jwk")
    controller: str | None = None
    try:
        if isinstance(kid, str) and kid.startswith("did:"):
            key = _kid_key(kid, str(alg), resolver)
            controller = did_of(kid)
        elif isinstance(jwk, Mapping):
            key = jose.public_key_from_jwk(jwk)
        else:
            return failed('The JWT header names no key: it needs a DID URL "kid" or a public "jwk".')
    except LookupError as exc:
        detail = exc.detail if isinstance(exc, MicrocredError) else str(exc)
        check = Check(
            id="proof",
            status="not-checked",
            sentence=f"The JWT signing key could not be retrieved ({detail}), so the signature was not checked.",
        )
        return credential, JwtOutcome(check, None, False)
    except (InvalidInput, ValueError) as exc:
        return failed(f"The JWT key is not usable: {getattr(exc, 'detail', str(exc))}.")
    try:
        verified = jose.verify_compact(token, key, algorithms=ALGORITHMS)
    except InvalidInput as exc:
        return failed(f"The JWT key is not usable: {exc.detail}.")
    if not verified:
        return failed("The JWT signature does not verify: the credential or its header was altered.")
    problems = _claim_problems(payload, credential)
    if problems:
        return failed("The JWT claims disagree with the credential: " + "; ".join(problems) + ".")
    where = f"key {kid}" if controller else "the key in its header"
    check = Check(
        id="proof",
        status="passed",
        sentence=f"The JWT signature ({alg}) verifies with {where}.",
        value=["jwt:" + str(alg)],
    )
    return credential, JwtOutcome(check, controller, True)
