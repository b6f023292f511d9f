"""The legacy ``Ed25519Signature2018`` suite: a detached EdDSA JWS over URDNA2015 of the document and proof options.

https://w3c-ccg.github.io/lds-ed25519-2018/

Verified (and signed on request, for the interop tests). Keys: ``Ed25519VerificationKey2018`` (``publicKeyBase58``),
as well as the Ed25519 key forms of later suites (``Ed25519VerificationKey2020``, ``Multikey``, ``JsonWebKey2020``)
that Digital Bazaar's implementation accepts for it too.
"""

from __future__ import annotations

from microcred.keys.public_key import ED25519
from microcred.suites.jws_detached import DetachedJwsSuite

__all__ = ["ED25519_2018_CONTEXT", "Ed25519Signature2018"]

ED25519_2018_CONTEXT = "https://w3id.org/security/suites/ed25519-2018/v1"


class Ed25519Signature2018(DetachedJwsSuite):
    """Proof type ``Ed25519Signature2018`` (``proof.jws`` with ``alg`` EdDSA)."""

    name = "Ed25519Signature2018"
    proof_type = "Ed25519Signature2018"
    alg = "EdDSA"
    key_types = frozenset(
        {"Ed25519VerificationKey2018", "Ed25519VerificationKey2020", "Multikey", "JsonWebKey2020"}
    )
    key_algorithms = frozenset({ED25519})
    context_url = ED25519_2018_CONTEXT
