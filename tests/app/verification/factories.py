"""Shared by the verification tests: VC-JWTs signed for a test world."""

from __future__ import annotations

import json

from microcred.vc.encodings import b64url_encode
from tests.verifier.factories import World, controller
from tests.verifier.factories import loader as loader
from tests.verifier.factories import world as world


def jwt_for(world: World) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    credential = world.credential()
    payload = {
        **credential,
        "iss": controller(world.issuer),
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
    }
    header = {"alg": "EdDSA", "kid": world.issuer.verification_method, "typ": "JWT"}
    signing_input = (
        b64url_encode(json.dumps(header).encode()) + "." + b64url_encode(json.dumps(payload).encode())
    )
    signature = Ed25519PrivateKey.from_private_bytes(bytes(range(32))).sign(signing_input.encode())
    return signing_input + "." + b64url_encode(signature)
