"""did:jwk: a DID that is its public JWK, resolved offline.

https://github.com/quartzjer/did-jwk/blob/main/spec.md
"""

from __future__ import annotations

import json
from typing import Any

from microcred.keys.public_key import public_key_from_jwk
from microcred.vc.encodings import b64url_decode
from microcred.vc.errors import InvalidInput

__all__ = ["JWS_2020_V1", "did_jwk_document"]

DID_V1 = "https://www.w3.org/ns/did/v1"
JWS_2020_V1 = "https://w3id.org/security/suites/jws-2020/v1"
_MAX_JWK_CHARS = 4096


def did_jwk_document(did: str) -> dict[str, Any]:
    """https://github.com/quartzjer/did-jwk/blob/main/spec.md#read : one JsonWebKey2020 method ``#0``; under
    the signing relationships unless the JWK says ``"use": "enc"`` (and under keyAgreement unless ``"sig"``)."""
    did = did.split("#", 1)[0]
    encoded = did[len("did:jwk:") :] if did.startswith("did:jwk:") else ""
    if not encoded or len(encoded) > _MAX_JWK_CHARS:
        raise InvalidInput(f'"{did[:80]}" is not a did:jwk identifier (did:jwk:<base64url JWK>)')
    try:
        jwk = json.loads(b64url_decode(encoded))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput("a did:jwk identifier must encode a JSON object") from None
    public_key_from_jwk(jwk)
    vm_id = f"{did}#0"
    document: dict[str, Any] = {
        "@context": [DID_V1, JWS_2020_V1],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
        ],
    }
    use = jwk.get("use")
    if use != "enc":
        for relationship in (
            "assertionMethod",
            "authentication",
            "capabilityInvocation",
            "capabilityDelegation",
        ):
            document[relationship] = [vm_id]
    if use != "sig":
        document["keyAgreement"] = [vm_id]
    return document
