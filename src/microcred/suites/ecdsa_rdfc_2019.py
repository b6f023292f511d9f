"""The ``ecdsa-rdfc-2019`` cryptosuite: DataIntegrityProof over RDFC-1.0 canonical N-Quads with ECDSA P-256 / P-384.

https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-rdfc-2019

The pipeline of eddsa-rdfc-2022 with the curve's hash: SHA-256 for P-256, SHA-384 for P-384, for both the proof
configuration and the document; the signature is ECDSA over that hash data (the curve's hash again, as WebCrypto
does), ``r || s``, base58btc. ECDSA signatures are random, so only the canonical forms and hashes of a new proof
are reproducible; the vectors' signatures verify.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from microcred.keys import PublicKey, Signer
from microcred.keys.public_key import P256, P384
from microcred.suites.base import SuiteContext, check_data_integrity_options, proof_config
from microcred.suites.eddsa_rdfc_2022 import PROOF_TYPE, add_data_integrity_context
from microcred.vc.encodings import multibase_decode, multibase_encode_b58
from microcred.vc.errors import InvalidInput, ProofError

__all__ = [
    "EcdsaDataIntegrity",
    "EcdsaRdfc2019",
    "hashing",
    "proof_configuration",
    "transformation",
]

CRYPTOSUITE = "ecdsa-rdfc-2019"
_SIGNATURE_BYTES = {P256: 64, P384: 96}


def _check_options(options: Mapping[str, Any]) -> None:
    check_data_integrity_options(options, CRYPTOSUITE)


def rdfc_hash(algorithm: str) -> str:
    """RDFC-1.0's hash function for a curve: SHA-384 for P-384 keys, as for the hashing step (the W3C P-384
    vectors' blank node labels and Digital Bazaar's implementation both canonicalize with it)."""
    return "sha384" if algorithm == P384 else "sha256"


def transformation(
    unsecured: Mapping[str, Any], options: Mapping[str, Any], ctx: SuiteContext, algorithm: str = P256
) -> str:
    """https://www.w3.org/TR/vc-di-ecdsa/#transformation-ecdsa-rdfc-2019"""
    _check_options(options)
    return ctx.canonical_nquads(unsecured, hash_algorithm=rdfc_hash(algorithm))


def proof_configuration(
    unsecured: Mapping[str, Any], options: Mapping[str, Any], ctx: SuiteContext, algorithm: str = P256
) -> str:
    """https://www.w3.org/TR/vc-di-ecdsa/#proof-configuration-ecdsa-rdfc-2019"""
    config = proof_config(unsecured, options, _check_options)
    return ctx.canonical_nquads(config, hash_algorithm=rdfc_hash(algorithm))


def hashing(transformed: str, canonical_proof_config: str, algorithm: str) -> bytes:
    """https://www.w3.org/TR/vc-di-ecdsa/#hashing-ecdsa-rdfc-2019 (SHA-384 for P-384, SHA-256 otherwise)"""
    digest = hashlib.sha384 if algorithm == P384 else hashlib.sha256
    return digest(canonical_proof_config.encode()).digest() + digest(transformed.encode()).digest()


def signer_algorithm(signer: Signer, algorithms: frozenset[str]) -> str:
    """The curve of an ECDSA signer; InvalidInput when the signer's key does not fit the suite."""
    algorithm = getattr(signer, "algorithm", "Ed25519")
    if algorithm not in algorithms:
        raise InvalidInput(f"this suite signs with {' or '.join(sorted(algorithms))} keys, not {algorithm}")
    return str(algorithm)


def checked_key(public_key: bytes, algorithms: frozenset[str]) -> PublicKey:
    """A resolved public key of one of the suite's algorithms; InvalidInput otherwise (plain bytes say no curve)."""
    if not isinstance(public_key, PublicKey) or public_key.algorithm not in algorithms:
        found = public_key.algorithm if isinstance(public_key, PublicKey) else "raw bytes"
        raise InvalidInput(f"this proof needs a {' or '.join(sorted(algorithms))} key, not {found}")
    return public_key


def decode_signature(proof: Mapping[str, Any], algorithm: str) -> bytes:
    """The ``r || s`` signature in ``proofValue`` (base58btc multibase), of the curve's size."""
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise InvalidInput('"proof.proofValue" must be a base58btc multibase string ("z…")')
    signature = multibase_decode(value)
    if len(signature) != _SIGNATURE_BYTES[algorithm]:
        raise InvalidInput(
            f'"proof.proofValue" must encode a {_SIGNATURE_BYTES[algorithm]}-byte {algorithm} signature, '
            f"not {len(signature)} bytes"
        )
    return signature


_Step = Callable[[Mapping[str, Any], Mapping[str, Any], SuiteContext, str], str]


class EcdsaDataIntegrity:
    """What the ``DataIntegrityProof`` ECDSA suites (ecdsa-rdfc-2019, ecdsa-jcs-2019) share: create and verify
    around their own transformation and proof configuration steps."""

    proof_type = PROOF_TYPE
    key_types = frozenset({"Multikey", "JsonWebKey2020", "JsonWebKey"})
    key_algorithms = frozenset({P256, P384})
    transform: _Step
    configure: _Step

    def prepare_document(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """VC 1.1 documents need the Data Integrity context for the proof terms; VC 2.0 ones already have them."""
        return add_data_integrity_context(document)

    def create_proof(
        self, document: Mapping[str, Any], options: Mapping[str, Any], signer: Signer, ctx: SuiteContext
    ) -> dict[str, Any]:
        """https://www.w3.org/TR/vc-di-ecdsa/#create-proof-ecdsa-rdfc-2019 (and -jcs-2019)"""
        algorithm = signer_algorithm(signer, self.key_algorithms)
        proof = dict(options)
        canonical_config = type(self).configure(document, proof, ctx, algorithm)
        transformed = type(self).transform(document, proof, ctx, algorithm)
        proof["proofValue"] = multibase_encode_b58(
            signer.sign(hashing(transformed, canonical_config, algorithm))
        )
        return proof

    def verify_proof(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], public_key: bytes, ctx: SuiteContext
    ) -> bool:
        """https://www.w3.org/TR/vc-di-ecdsa/#verify-proof-ecdsa-rdfc-2019 (and -jcs-2019)"""
        key = checked_key(public_key, self.key_algorithms)
        signature = decode_signature(proof, key.algorithm)
        options = {key: value for key, value in proof.items() if key != "proofValue"}
        try:
            transformed = type(self).transform(document, options, ctx, key.algorithm)
            canonical_config = type(self).configure(document, options, ctx, key.algorithm)
        except ProofError as exc:
            raise InvalidInput(exc.detail) from None
        return key.verify(signature, hashing(transformed, canonical_config, key.algorithm))


class EcdsaRdfc2019(EcdsaDataIntegrity):
    """DataIntegrityProof with cryptosuite ``ecdsa-rdfc-2019``."""

    name = CRYPTOSUITE
    cryptosuite: str | None = CRYPTOSUITE
    transform = staticmethod(transformation)
    configure = staticmethod(proof_configuration)
