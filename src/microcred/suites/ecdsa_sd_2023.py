"""The ``ecdsa-sd-2023`` cryptosuite: selective disclosure with ECDSA P-256 (base proofs signed and verified,
derived proofs verified).

https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-sd-2023

The issuer signs a *base proof*: with its own key, the hash of the proof configuration, a one-time (ephemeral) P-256
public key and the hash of the mandatory statements (chosen by JSON pointers); with the ephemeral key, every other
statement (N-Quad) one by one, blank nodes relabelled by an HMAC. The holder *derives* a proof revealing a subset:
the base signature, the ephemeral key, the signatures of the revealed non-mandatory statements, the map from
canonical to HMAC labels and which revealed statements are mandatory. Verifiers normally receive derived proofs;
a base proof (``proofValue`` header ``0xd95d00``) verifies too, by regrouping the whole document as its issuer did
(:mod:`suites.sd_primitives`).

P-256 only: the spec's P-384 variant is not implemented by the independent implementation we test against.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import cbor2

from microcred.keys import EcdsaSigner, PublicKey, Signer, public_key_from_multikey
from microcred.keys.public_key import MULTICODEC_HEADERS, P256
from microcred.suites.base import SuiteContext, check_data_integrity_options, proof_config
from microcred.suites.ecdsa_rdfc_2019 import checked_key
from microcred.suites.eddsa_rdfc_2022 import PROOF_TYPE, add_data_integrity_context
from microcred.suites.sd_primitives import canonicalize_and_group
from microcred.vc.encodings import (
    b64url_encode,
    multibase_decode,
    multibase_encode_b58,
    multibase_encode_b64url,
)
from microcred.vc.errors import InvalidInput, ProofError

__all__ = [
    "BaseProofValue",
    "DerivedProofValue",
    "EcdsaSd2023",
    "VerifyData",
    "create_base_proof",
    "create_verify_data",
    "parse_base_proof_value",
    "parse_derived_proof_value",
    "serialize_base_proof_value",
    "serialize_sign_data",
    "verify_base_proof",
    "verify_derived_proof",
]

CRYPTOSUITE = "ecdsa-sd-2023"
BASE_HEADER = b"\xd9\x5d\x00"
DERIVED_HEADER = b"\xd9\x5d\x01"
_MAX_STATEMENTS = 10_000
_HMAC_LABEL = re.compile(r"^u[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class BaseProofValue:
    """The components of a base proof (https://www.w3.org/TR/vc-di-ecdsa/#parsebaseproofvalue)."""

    base_signature: bytes
    public_key: bytes
    hmac_key: bytes
    signatures: tuple[bytes, ...]
    mandatory_pointers: tuple[str, ...]


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


def _raw_proof_value(proof_value: Any) -> bytes:
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise InvalidInput('an ecdsa-sd-2023 "proof.proofValue" must be base64url multibase ("u…")')
    raw = multibase_decode(proof_value)
    if not raw.startswith((BASE_HEADER, DERIVED_HEADER)):
        raise InvalidInput(
            'an ecdsa-sd-2023 "proof.proofValue" must start with the bytes d9 5d 00 or d9 5d 01'
        )
    return raw


def _components(raw: bytes, kind: str) -> list[Any]:
    try:
        components = cbor2.loads(raw[len(DERIVED_HEADER) :])
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError):
        raise InvalidInput('the ecdsa-sd-2023 "proof.proofValue" is not valid CBOR') from None
    if not (isinstance(components, list) and len(components) == 5):
        raise InvalidInput(f"an ecdsa-sd-2023 {kind} proof value is a CBOR array of 5 components")
    return components


def parse_base_proof_value(proof_value: Any) -> BaseProofValue:
    """https://www.w3.org/TR/vc-di-ecdsa/#parsebaseproofvalue"""
    raw = _raw_proof_value(proof_value)
    if not raw.startswith(BASE_HEADER):
        raise InvalidInput("the ecdsa-sd-2023 proof value is not a base proof")
    base_signature, public_key, hmac_key, signatures, pointers = _components(raw, "base")
    if not (
        isinstance(base_signature, bytes)
        and isinstance(public_key, bytes)
        and isinstance(hmac_key, bytes)
        and len(hmac_key) == 32
        and isinstance(signatures, list)
        and all(isinstance(s, bytes) for s in signatures)
        and isinstance(pointers, list)
        and all(isinstance(p, str) for p in pointers)
        and len(signatures) <= _MAX_STATEMENTS
    ):
        raise InvalidInput("the ecdsa-sd-2023 base proof value has components of the wrong types")
    return BaseProofValue(base_signature, public_key, hmac_key, tuple(signatures), tuple(pointers))


def serialize_base_proof_value(value: BaseProofValue) -> str:
    """https://www.w3.org/TR/vc-di-ecdsa/#serializebaseproofvalue"""
    components = [
        value.base_signature,
        value.public_key,
        value.hmac_key,
        list(value.signatures),
        list(value.mandatory_pointers),
    ]
    return multibase_encode_b64url(BASE_HEADER + cbor2.dumps(components))


def parse_derived_proof_value(proof_value: Any) -> DerivedProofValue:
    """https://www.w3.org/TR/vc-di-ecdsa/#parsederivedproofvalue"""
    raw = _raw_proof_value(proof_value)
    if not raw.startswith(DERIVED_HEADER):
        raise InvalidInput("the ecdsa-sd-2023 proof value is not a derived proof")
    components = _components(raw, "derived")
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
    config = proof_config(document, options, partial(check_data_integrity_options, cryptosuite=CRYPTOSUITE))
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


def _mandatory_hash(nquads: Sequence[str]) -> bytes:
    """https://www.w3.org/TR/vc-di-ecdsa/#hashmandatorynquads"""
    return hashlib.sha256("".join(nquads).encode("utf-8")).digest()


def base_transformation(
    document: Mapping[str, Any], mandatory_pointers: Sequence[str], hmac_key: bytes, ctx: SuiteContext
) -> tuple[list[str], list[str]]:
    """https://www.w3.org/TR/vc-di-ecdsa/#base-proof-transformation-ecdsa-sd-2023 : the mandatory and the other
    statements, HMAC-relabelled.

    Skolemizing and selecting need pyld in this process; when the verifier isolates JSON-LD work, the document is
    first canonicalized in an isolated worker under the request's budget, so a poisoned document stops there.
    """
    if ctx.budget.runner is not None:
        ctx.canonical_nquads(document)
    groups = canonicalize_and_group(
        document,
        hmac_key=hmac_key,
        groups={"mandatory": mandatory_pointers},
        loader=ctx.loader,
        budget=ctx.budget,
    )
    mandatory = [groups.nquads[i] for i in groups.matching["mandatory"]]
    non_mandatory = [groups.nquads[i] for i in groups.non_matching("mandatory")]
    return mandatory, non_mandatory


def create_base_proof(
    document: Mapping[str, Any],
    options: Mapping[str, Any],
    signer: Signer,
    ctx: SuiteContext,
    *,
    mandatory_pointers: Sequence[str] = (),
    hmac_key: bytes | None = None,
) -> dict[str, Any]:
    """https://www.w3.org/TR/vc-di-ecdsa/#create-base-proof-ecdsa-sd-2023 : a fresh HMAC key and ephemeral
    P-256 key for every proof (``hmac_key`` is given only to reproduce the spec's vectors)."""
    if getattr(signer, "algorithm", None) != P256:
        raise InvalidInput("ecdsa-sd-2023 signs with a P-256 key")
    proof = dict(options)
    proof_hash = _proof_hash(document, proof, ctx)
    key = secrets.token_bytes(32) if hmac_key is None else hmac_key
    mandatory, non_mandatory = base_transformation(document, mandatory_pointers, key, ctx)
    ephemeral = EcdsaSigner.generate(algorithm=P256, verification_method="urn:ecdsa-sd-2023:ephemeral")
    public_key = MULTICODEC_HEADERS[P256] + bytes(ephemeral.public_key)
    signatures = tuple(ephemeral.sign(nquad.encode("utf-8")) for nquad in non_mandatory)
    base_signature = signer.sign(serialize_sign_data(proof_hash, public_key, _mandatory_hash(mandatory)))
    proof["proofValue"] = serialize_base_proof_value(
        BaseProofValue(base_signature, public_key, key, signatures, tuple(mandatory_pointers))
    )
    return proof


def verify_base_proof(
    document: Mapping[str, Any], proof: Mapping[str, Any], key: PublicKey, ctx: SuiteContext
) -> bool:
    """A base proof checked as its issuer made it: the same grouping of the whole document by the mandatory
    pointers, the base signature over the proof hash, ephemeral key and mandatory hash, and each other statement's
    signature by the ephemeral key."""
    parsed = parse_base_proof_value(proof.get("proofValue"))
    proof_hash = _proof_hash(document, proof, ctx)
    mandatory, non_mandatory = base_transformation(document, parsed.mandatory_pointers, parsed.hmac_key, ctx)
    return _verify_signatures(
        key,
        parsed.base_signature,
        serialize_sign_data(proof_hash, parsed.public_key, _mandatory_hash(mandatory)),
        parsed.public_key,
        parsed.signatures,
        non_mandatory,
    )


def verify_derived_proof(
    document: Mapping[str, Any], proof: Mapping[str, Any], key: PublicKey, ctx: SuiteContext
) -> bool:
    """https://www.w3.org/TR/vc-di-ecdsa/#verify-derived-proof-ecdsa-sd-2023"""
    data = create_verify_data(document, proof, ctx)
    return _verify_signatures(
        key,
        data.base_signature,
        serialize_sign_data(data.proof_hash, data.public_key, data.mandatory_hash),
        data.public_key,
        data.signatures,
        data.non_mandatory,
    )


def _verify_signatures(
    key: PublicKey,
    base_signature: bytes,
    to_verify: bytes,
    ephemeral_key: bytes,
    signatures: Sequence[bytes],
    non_mandatory: Sequence[str],
) -> bool:
    if len(signatures) != len(non_mandatory):
        return False
    ephemeral = _ephemeral_key(ephemeral_key)
    if not key.verify(base_signature, to_verify):
        return False
    return all(
        ephemeral.verify(signature, nquad.encode("utf-8"))
        for signature, nquad in zip(signatures, non_mandatory, strict=True)
    )


class EcdsaSd2023:
    """DataIntegrityProof with cryptosuite ``ecdsa-sd-2023``: base proofs signed (no mandatory pointers through
    ``suites.sign``; :func:`create_base_proof` takes them) and verified, derived proofs verified."""

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
        """https://www.w3.org/TR/vc-di-ecdsa/#create-base-proof-ecdsa-sd-2023"""
        return create_base_proof(document, options, signer, ctx)

    def verify_proof(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], public_key: bytes, ctx: SuiteContext
    ) -> bool:
        """https://www.w3.org/TR/vc-di-ecdsa/#verify-derived-proof-ecdsa-sd-2023 (and base proofs)"""
        key = checked_key(public_key, self.key_algorithms)
        try:
            if _raw_proof_value(proof.get("proofValue")).startswith(BASE_HEADER):
                return verify_base_proof(document, proof, key, ctx)
            return verify_derived_proof(document, proof, key, ctx)
        except ProofError as exc:
            raise InvalidInput(exc.detail) from None
