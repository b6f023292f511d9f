"""Ed25519 keys as Multikey values, and did:key identifiers (Ed25519, P-256, P-384, secp256k1).

https://www.w3.org/TR/cid-1.0/#Multikey ; https://w3c-ccg.github.io/did-method-key/#document-creation-algorithm
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from microcred.keys.public_key import ED25519, MULTICODEC_HEADERS, public_key_from_multikey
from microcred.vc.encodings import ED25519_PUB_HEADER, multibase_decode, multikey_decode, multikey_encode
from microcred.vc.errors import InvalidInput

__all__ = [
    "DID_V1",
    "ED25519_2020_V1",
    "MULTIKEY_V1",
    "did_key",
    "did_key_document",
    "did_key_verification_method",
    "public_key_from_multibase",
    "public_key_multibase",
]

DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
ED25519_2020_V1 = "https://w3id.org/security/suites/ed25519-2020/v1"


def public_key_multibase(public_key: bytes) -> str:
    """``publicKeyMultibase`` of a raw 32-byte Ed25519 public key (always ``z6Mk…``)."""
    if len(public_key) != 32:
        raise InvalidInput("an Ed25519 public key is 32 bytes")
    return multikey_encode(ED25519_PUB_HEADER, public_key)


@lru_cache(maxsize=4096)
def public_key_from_multibase(value: str) -> bytes:
    """The raw Ed25519 public key in a ``publicKeyMultibase`` value (header ``0xed01`` required).

    Cached: a verifier decodes the same few issuer keys (base58 in pure Python) again and again.
    """
    return multikey_decode(value, ED25519_PUB_HEADER)


def did_key(public_multibase: str) -> str:
    """``did:key:`` + the multibase public key."""
    public_key_from_multibase(public_multibase)
    return f"did:key:{public_multibase}"


def did_key_verification_method(public_multibase: str) -> str:
    """The verification method URL of a did:key: ``did:key:<mb>#<mb>``."""
    return f"{did_key(public_multibase)}#{public_multibase}"


def did_key_document(did: str, *, key_type: str = "Multikey") -> dict[str, Any]:
    """Resolve a did:key offline into its DID document (Multikey or Ed25519VerificationKey2020 form).

    Ed25519, P-256, P-384 and secp256k1 keys (multicodec 0xed, 0x1200, 0x1201, 0xe7; EC keys as compressed
    points); an EC key is always rendered as Multikey, the only type the did:key spec gives it.
    """
    parts = did.split("#", 1)[0].split(":")
    if len(parts) != 3 or parts[:2] != ["did", "key"] or not parts[2].startswith("z"):
        raise InvalidInput(f'"{did}" is not a did:key identifier (did:key:z…)')
    public_multibase = parts[2]
    if key_type not in ("Multikey", "Ed25519VerificationKey2020"):
        raise InvalidInput(
            f'did:key key type must be Multikey or Ed25519VerificationKey2020, not "{key_type}"'
        )
    key = public_key_from_multikey(public_multibase)
    if len(multibase_decode(public_multibase)) != len(MULTICODEC_HEADERS[key.algorithm]) + len(key):
        raise InvalidInput(f'"{did}" must carry a compressed {key.algorithm} point')
    if key.algorithm != ED25519:
        key_type = "Multikey"
    did = f"did:key:{public_multibase}"
    vm_id = f"{did}#{public_multibase}"
    key_context = MULTIKEY_V1 if key_type == "Multikey" else ED25519_2020_V1
    return {
        "@context": [DID_V1, key_context],
        "id": did,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": key_type,
                "controller": did,
                "publicKeyMultibase": public_multibase,
            }
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }
