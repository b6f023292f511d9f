"""Key material: Ed25519 and ECDSA public keys (Multikey, JWK, base58), KeyStore/Signer, sealed storage, did:key and did:web documents."""

from microcred.keys.did import PublishedKey, did_web, did_web_document, did_web_url
from microcred.keys.did_jwk import did_jwk_document
from microcred.keys.multikey import (
    did_key,
    did_key_document,
    did_key_verification_method,
    public_key_from_multibase,
    public_key_multibase,
)
from microcred.keys.public_key import (
    PublicKey,
    public_key_from_base58,
    public_key_from_jwk,
    public_key_from_multikey,
)
from microcred.keys.signer import EcdsaSigner, Ed25519Signer, Signer
from microcred.keys.store import GeneratedKey, KeyStore, LocalKeyStore, load_or_create_kek, parse_kek

__all__ = [
    "EcdsaSigner",
    "Ed25519Signer",
    "GeneratedKey",
    "KeyStore",
    "LocalKeyStore",
    "PublicKey",
    "PublishedKey",
    "Signer",
    "did_jwk_document",
    "did_key",
    "did_key_document",
    "did_key_verification_method",
    "did_web",
    "did_web_document",
    "did_web_url",
    "load_or_create_kek",
    "parse_kek",
    "public_key_from_base58",
    "public_key_from_jwk",
    "public_key_from_multibase",
    "public_key_from_multikey",
    "public_key_multibase",
]
