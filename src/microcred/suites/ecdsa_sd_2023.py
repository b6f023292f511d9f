"""The ``ecdsa-sd-2023`` cryptosuite: selective disclosure with ECDSA P-256 (verification of derived proofs).

https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-sd-2023

The issuer signs a *base proof*: with its own key, the hash of the proof configuration, a one-time (ephemeral) P-256
public key and the hash of the mandatory statements; with the ephemeral key, every other statement (N-Quad) one by
one, blank nodes relabelled by an HMAC. The holder *derives* a proof revealing a subset: the base signature, the
ephemeral key, the signatures of the revealed non-mandatory statements, the map from canonical to HMAC labels and
which revealed statements are mandatory. A verifier receives derived proofs; that is what is verified here. Base
proofs (``proofValue`` header ``0xd95d00``) are for the holder only and are refused with a clear message, as
Digital Bazaar's verifier does.

P-256 only: the spec's P-384 variant is not implemented by the independent implementation we test against.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from microcred.keys import PublicKey, Signer, public_key_from_multikey
from microcred.keys.public_key import P256
from microcred.suites.base import SuiteContext, check_created
from microcred.suites.ecdsa_rdfc_2019 import check_options, checked_key
from microcred.suites.eddsa_rdfc_2022 import PROOF_TYPE, add_data_integrity_context
from microcred.vc.encodings import b64url_encode, multibase_decode, multibase_encode_b58
from microcred.vc.errors import InvalidInput, ProofError

__all__ = [
    "DerivedProofValue",
    "EcdsaSd2023",
    "VerifyData",
    "create_verify_data",
    "parse_derived_proof_value",
    "serialize_sign_data",
]

CRYPTOSUITE = "ecdsa-sd-2023"
BASE_HEADER = b"\xd9\x5d\x00"
DERIVED_HEADER = b"\xd9\x5d\x01"
_MAX_STATEMENTS = 10_000
_HMAC_LABEL = re.compile(r"^u[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class DerivedProofValue:
    """The components of a derived proof (https://www.w3.org/TR/vc-di-ecdsa/#parsederivedproofvalue)."""

    base_signature: bytes
    public_key: bytes
    signatures: tuple[bytes, ...]
    label_map: dict[str, str]
    mandatory_indexes: tuple[int, ...]


@dataclass(frozen=True)
class VerifyData:
    """What verification needs (https://www.w3.org/TR/vc-di-ecdsa/#createverifydata)."""

    base_signature: bytes
    proof_hash: bytes
    public_key: bytes
    signatures: tuple[bytes, ...]
    non_mandatory: tuple[str, ...]
    mandatory_hash: bytes


def parse_derived_proof_value(proof_value: Any) -> DerivedProofValue:
    """https://www.w3.org/TR/vc-di-ecdsa/#parsederivedproofvalue"""
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise InvalidInput('an ecdsa-sd-2023 "proof.proofValue" must be base64url multibase ("u…")')
    raw = multibase_decode(proof_value)
    if raw.startswith(BASE_HEADER):
        raise InvalidInput(
            "this is an ecdsa-sd-2023 base proof, which only the holder receives; a verifier needs a derived "
            "proof (the holder discloses one from it)"
        )
    if not raw.startswith(DERIVED_HEADER):
        raise InvalidInput('an ecdsa-sd-2023 derived "proof.proofValue" must start with the bytes d9 5d 01')
    try:
        components = cbor2.loads(raw[len(DERIVED_HEADER) :])
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError):
        raise InvalidInput('the ecdsa-sd-2023 "proof.proofValue" is not valid CBOR') from None
    if not (isinstance(components, list) and len(components) == 5):
        raise InvalidInput("an ecdsa-sd-2023 derived proof value is a CBOR array of 5 components")
    base_signature, public_key, signatures, compressed, indexes = components
    if not (
        isinstance(base_signature, bytes)
        and isinstance(public_key, bytes)
        and isinstance(signatures, list)
        and all(isinstance(s, bytes) for s in signatures)
        and isinstance(compressed, dict)
        and isinstance(indexes, list)
        and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in indexes)
        and len(signatures) <= _MAX_STATEMENTS
    ):
        raise InvalidInput("the ecdsa-sd-2023 derived proof value has components of the wrong types")
    return DerivedProofValue(
        base_signature, public_key, tuple(signatures), decompress_label_map(compressed), tuple(indexes)
    )


def decompress_label_map(compressed: Mapping[Any, Any]) -> dict[str, str]:
    """https://www.w3.org/TR/vc-di-ecdsa/#decompresslabelmap : ``{0: bytes}`` → ``{"c14n0": "u<base64url>"}``"""
    label_map: dict[str, str] = {}
    for key, value in compressed.items():
        if not (isinstance(key, int) and key >= 0 and isinstance(value, bytes) and len(value) == 32):
            raise InvalidInput("the ecdsa-sd-2023 label map must map integers to 32-byte HMAC labels")
        label_map[f"c14n{key}"] = "u" + b64url_encode(value)
    return label_map


def serialize_sign_data(proof_hash: bytes, public_key: bytes, mandatory_hash: bytes) -> bytes:
    """https://www.w3.org/TR/vc-di-ecdsa/#serializesigndata"""
    return proof_hash + public_key + mandatory_hash


def _proof_hash(document: Mapping[str, Any], options: Mapping[str, Any], ctx: SuiteContext) -> bytes:
    """https://www.w3.org/TR/vc-di-ecdsa/#base-proof-configuration-ecdsa-sd-2023 (hashed as in createVerifyData)"""
    config = {key: value for key, value in options.items() if key != "proofValue"}
    check_options(config, CRYPTOSUITE)
    if "created" in config:
        check_created(config["created"])
    config["@context"] = document.get("@context")
    return hashlib.sha256(ctx.canonical_nquads(config).encode("utf-8")).digest()


def _split_quad(line: str) -> list[str]:
    """The terms of one canonical N-Quads line (subject, predicate, object, [graph]); literals kept whole."""
    subject, predicate, rest = line.split(" ", 2)
    if rest.startswith('"'):
        end = 1
        while rest[end] != '"':
            end += 2 if rest[end] == "\\" else 1
        end = rest.index(" ", end)
    else:
        end = rest.index(" ")
    obj, tail = rest[:end], rest[end + 1 :]
    graph = tail[: -len(" .")] if tail != "." else ""
    return [subject, predicate, obj] + ([graph] if graph else [])


def label_replacement_canonical_nquads(
    document: Mapping[str, Any], label_map: Mapping[str, str], ctx: SuiteContext
) -> list[str]:
    """https://www.w3.org/TR/vc-di-ecdsa/#labelreplacementcanonicalizejsonld with the label map function of
    https://www.w3.org/TR/vc-di-ecdsa/#createlabelmapfunction : canonical N-Quads, each ``_:c14nN`` replaced by
    its HMAC label, sorted again. A canonical label missing from the map fails (the holder must disclose it)."""
    relabelled = []
    for line in ctx.canonical_nquads(document).splitlines():
        terms = _split_quad(line)
        for position in (0, 2, 3):
            if position < len(terms) and terms[position].startswith("_:"):
                label = label_map.get(terms[position][2:])
                if label is None or not _HMAC_LABEL.match(label):
                    raise InvalidInput(
                        f"the disclosed document has blank node {terms[position]} that the proof's label map "
                        "does not name"
                    )
                terms[position] = "_:" + label
        relabelled.append(" ".join(terms) + " .\n")
    return sorted(relabelled)


def create_verify_data(
    document: Mapping[str, Any], proof: Mapping[str, Any], ctx: SuiteContext
) -> VerifyData:
    """https://www.w3.org/TR/vc-di-ecdsa/#createverifydata"""
    proof_hash = _proof_hash(document, proof, ctx)
    parsed = parse_derived_proof_value(proof.get("proofValue"))
    nquads = label_replacement_canonical_nquads(document, parsed.label_map, ctx)
    indexes = set(parsed.mandatory_indexes)
    if len(indexes) != len(parsed.mandatory_indexes) or any(i >= len(nquads) for i in indexes):
        raise InvalidInput("the ecdsa-sd-2023 mandatory indexes do not fit the disclosed statements")
    mandatory = [nq for index, nq in enumerate(nquads) if index in indexes]
    non_mandatory = tuple(nq for index, nq in enumerate(nquads) if index not in indexes)
    mandatory_hash = hashlib.sha256("".join(mandatory).encode("utf-8")).digest()
    return VerifyData(
        parsed.base_signature, proof_hash, parsed.public_key, parsed.signatures, non_mandatory, mandatory_hash
    )


def _ephemeral_key(public_key: bytes) -> PublicKey:
    """The ephemeral key of the proof: Multikey bytes (header p256-pub + compressed point)."""
    key = public_key_from_multikey(multibase_encode_b58(public_key))
    if key.algorithm != P256:
        raise InvalidInput(f"the ecdsa-sd-2023 ephemeral key must be P-256, not {key.algorithm}")
    return key


class EcdsaSd2023:
    """DataIntegrityProof with cryptosuite ``ecdsa-sd-2023``: derived proofs verified; nothing signed here."""

    name = CRYPTOSUITE
    proof_type = PROOF_TYPE
    cryptosuite: str | None = CRYPTOSUITE
    key_types = frozenset({"Multikey", "JsonWebKey2020", "JsonWebKey"})
    key_algorithms = frozenset({P256})

    def prepare_document(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """VC 1.1 documents need the Data Integrity context for the proof terms."""
        return add_data_integrity_context(document)

    def create_proof(
        self, document: Mapping[str, Any], options: Mapping[str, Any], signer: Signer, ctx: SuiteContext
    ) -> dict[str, Any]:
        """Not offered: this service issues with eddsa-rdfc-2022; ecdsa-sd-2023 credentials are verified."""
        raise InvalidInput('"ecdsa-sd-2023" proofs are verified here, not created')

    def verify_proof(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], public_key: bytes, ctx: SuiteContext
    ) -> bool:
        """https://www.w3.org/TR/vc-di-ecdsa/#verify-derived-proof-ecdsa-sd-2023"""
        key = checked_key(public_key, self.key_algorithms)
        try:
            data = create_verify_data(document, proof, ctx)
        except ProofError as exc:
            raise InvalidInput(exc.detail) from None
        if len(data.signatures) != len(data.non_mandatory):
            return False
        ephemeral = _ephemeral_key(data.public_key)
        to_verify = serialize_sign_data(data.proof_hash, data.public_key, data.mandatory_hash)
        if not key.verify(data.base_signature, to_verify):
            return False
        return all(
            ephemeral.verify(signature, nquad.encode("utf-8"))
            for signature, nquad in zip(data.signatures, data.non_mandatory, strict=True)
        )
