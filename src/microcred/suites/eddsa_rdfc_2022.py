"""The ``eddsa-rdfc-2022`` cryptosuite: DataIntegrityProof over RDFC-1.0 canonical N-Quads with Ed25519.

https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022

Verification methods: ``Multikey`` (the type the spec names) and ``Ed25519VerificationKey2020``, whose
``publicKeyMultibase`` has the same ``0xed01`` encoding (Digital Bazaar's implementation accepts both too).
The draft name ``eddsa-2022`` is *not* accepted: it appears only in pre-REC drafts (same pipeline, but the
name is part of the signed proof configuration), Digital Bazaar's eddsa-rdfc-2022 suite does not accept it either,
and a verifier that silently maps names invites "cryptosuite drift" (standards notes §9.5). A proof naming it gets
UnknownCryptosuite like any other unknown name. ADR 0001 records this.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from microcred.keys import Signer
from microcred.suites.base import (
    CREDENTIALS_V2,
    DATA_INTEGRITY_PROOF,
    SuiteContext,
    check_data_integrity_options,
    context_urls,
    proof_config,
    sha256,
)
from microcred.vc.encodings import multibase_decode, multibase_encode_b58
from microcred.vc.errors import InvalidInput, ProofError

__all__ = [
    "EddsaDataIntegrity",
    "EddsaRdfc2022",
    "add_data_integrity_context",
    "decode_proof_value",
    "hashing",
    "proof_configuration",
    "proof_serialization",
    "proof_verification",
    "transformation",
]

PROOF_TYPE = DATA_INTEGRITY_PROOF
CRYPTOSUITE = "eddsa-rdfc-2022"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
_DI_CONTEXTS = frozenset({CREDENTIALS_V2, DATA_INTEGRITY_V2, "https://w3id.org/security/data-integrity/v1"})


def transformation(
    unsecured: Mapping[str, Any],
    options: Mapping[str, Any],
    ctx: SuiteContext,
    cryptosuite: str = CRYPTOSUITE,
) -> str:
    """https://www.w3.org/TR/vc-di-eddsa/#transformation-eddsa-rdfc-2022 (``cryptosuite``: the name the proof
    must carry; the draft name for :mod:`suites.eddsa_2022`)"""
    check_data_integrity_options(options, cryptosuite)
    return ctx.canonical_nquads(unsecured)


def proof_configuration(
    unsecured: Mapping[str, Any],
    options: Mapping[str, Any],
    ctx: SuiteContext,
    cryptosuite: str = CRYPTOSUITE,
) -> str:
    """https://www.w3.org/TR/vc-di-eddsa/#proof-configuration-eddsa-rdfc-2022"""
    check = partial(check_data_integrity_options, cryptosuite=cryptosuite)
    return ctx.canonical_nquads(proof_config(unsecured, options, check))


def hashing(transformed: str, canonical_proof_config: str) -> bytes:
    """https://www.w3.org/TR/vc-di-eddsa/#hashing-eddsa-rdfc-2022"""
    return sha256(canonical_proof_config) + sha256(transformed)


def proof_serialization(hash_data: bytes, signer: Signer) -> bytes:
    """https://www.w3.org/TR/vc-di-eddsa/#proof-serialization-eddsa-rdfc-2022"""
    return signer.sign(hash_data)


def proof_verification(hash_data: bytes, proof_bytes: bytes, public_key: bytes) -> bool:
    """https://www.w3.org/TR/vc-di-eddsa/#proof-verification-eddsa-rdfc-2022"""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(proof_bytes, hash_data)
    except (InvalidSignature, ValueError):
        return False
    return True


def decode_proof_value(proof: Mapping[str, Any]) -> bytes:
    """The 64 signature bytes of ``proofValue`` (multibase base58btc, ``z`` prefix, required by the spec)."""
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise InvalidInput('"proof.proofValue" must be a base58btc multibase string ("z…")')
    signature = multibase_decode(value)
    if len(signature) != 64:
        raise InvalidInput(
            f'"proof.proofValue" must encode a 64-byte Ed25519 signature, not {len(signature)} bytes'
        )
    return signature


def add_data_integrity_context(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` whose ``@context`` defines the DataIntegrityProof terms: VC 2.0 does already; a VC
    1.1 document gets the Data Integrity v2 context appended (jsonld-signatures' ``addSuiteContext``)."""
    prepared = dict(document)
    urls = context_urls(document)
    if not _DI_CONTEXTS.intersection(u for u in urls if isinstance(u, str)):
        prepared["@context"] = [*urls, DATA_INTEGRITY_V2]
    return prepared


_Step = Callable[[Mapping[str, Any], Mapping[str, Any], SuiteContext], str]


def create_eddsa_proof(
    document: Mapping[str, Any],
    options: Mapping[str, Any],
    signer: Signer,
    ctx: SuiteContext,
    *,
    transform: _Step,
    configure: _Step,
) -> dict[str, Any]:
    """Proof configuration, transformation, hashing and serialization: the Ed25519 pipeline every suite here
    shares, with its own transformation and proof configuration steps."""
    proof = dict(options)
    canonical_config = configure(document, proof, ctx)
    transformed = transform(document, proof, ctx)
    proof["proofValue"] = multibase_encode_b58(
        proof_serialization(hashing(transformed, canonical_config), signer)
    )
    return proof


def verify_eddsa_proof(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    public_key: bytes,
    ctx: SuiteContext,
    *,
    transform: _Step,
    configure: _Step,
) -> bool:
    """Redo the suite's steps with the proof's options and check the signature (shared by every suite here)."""
    proof_bytes = decode_proof_value(proof)
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    try:
        transformed = transform(document, options, ctx)
        canonical_config = configure(document, options, ctx)
    except ProofError as exc:
        raise InvalidInput(exc.detail) from None
    return proof_verification(hashing(transformed, canonical_config), proof_bytes, public_key)


class EddsaDataIntegrity:
    """What the ``DataIntegrityProof`` Ed25519 suites (eddsa-rdfc-2022, eddsa-jcs-2022) share: the proof type,
    the key forms they verify with, and the Data Integrity context a VC 1.1 document needs."""

    proof_type = PROOF_TYPE
    key_types = frozenset({"Multikey", "Ed25519VerificationKey2020"})

    def prepare_document(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """VC 1.1 documents need the Data Integrity context for the proof terms; VC 2.0 ones already have them."""
        return add_data_integrity_context(document)


class EddsaRdfc2022(EddsaDataIntegrity):
    """DataIntegrityProof with cryptosuite ``eddsa-rdfc-2022``."""

    name = CRYPTOSUITE
    cryptosuite: str | None = CRYPTOSUITE

    def create_proof(
        self, document: Mapping[str, Any], options: Mapping[str, Any], signer: Signer, ctx: SuiteContext
    ) -> dict[str, Any]:
        """https://www.w3.org/TR/vc-di-eddsa/#create-proof-eddsa-rdfc-2022"""
        return create_eddsa_proof(
            document, options, signer, ctx, transform=transformation, configure=proof_configuration
        )

    def verify_proof(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], public_key: bytes, ctx: SuiteContext
    ) -> bool:
        """https://www.w3.org/TR/vc-di-eddsa/#verify-proof-eddsa-rdfc-2022"""
        return verify_eddsa_proof(
            document, proof, public_key, ctx, transform=transformation, configure=proof_configuration
        )
