"""The ``EcdsaSecp256k1Signature2019`` suite: a detached ES256K JWS over URDNA2015 of the document and proof options.

https://w3c-ccg.github.io/lds-ecdsa-secp256k1-2019/ ; ES256K: https://www.rfc-editor.org/rfc/rfc8812#section-3.2

Used by Blockcerts-era and some EBSI-adjacent issuers. Keys: ``EcdsaSecp256k1VerificationKey2019``
(``publicKeyJwk`` or ``publicKeyBase58``), ``JsonWebKey2020`` and ``Multikey`` holding a secp256k1 key.
"""

from __future__ import annotations

from microcred.keys.public_key import SECP256K1
from microcred.suites.jws_detached import SECURITY_V2, DetachedJwsSuite

__all__ = ["EcdsaSecp256k1Signature2019"]


class EcdsaSecp256k1Signature2019(DetachedJwsSuite):
    """Proof type ``EcdsaSecp256k1Signature2019`` (``proof.jws`` with ``alg`` ES256K)."""

    name = "EcdsaSecp256k1Signature2019"
    proof_type = "EcdsaSecp256k1Signature2019"
    alg = "ES256K"
    key_types = frozenset({"EcdsaSecp256k1VerificationKey2019", "JsonWebKey2020", "Multikey"})
    key_algorithms = frozenset({SECP256K1})
    context_url = SECURITY_V2
