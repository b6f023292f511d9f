"""The Cryptosuite interface, the context suites run in, and shared Data Integrity steps.

https://www.w3.org/TR/vc-data-integrity/#cryptographic-suites

A suite turns (document, proof options) into a proof value and back. Everything around it (choosing the suite,
resolving the key, checking purpose, challenge and domain, proof sets and chains) lives in :mod:`suites.proofs`,
so a new suite (``eddsa-jcs-2022``, VC-JWT) is one module implementing :class:`Cryptosuite` plus one line in
:data:`suites.registry.SUITES`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from microcred.contexts import DocumentLoader, dealiased
from microcred.keys import Signer
from microcred.suites.rdf import to_dataset
from microcred.suites.rdfc import DEFAULT_BUDGET, Budget, canonicalize
from microcred.vc.errors import MicrocredError, ProofError

__all__ = [
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "Cryptosuite",
    "SuiteContext",
    "check_created",
    "check_data_integrity_options",
    "check_legacy_options",
    "context_urls",
    "proof_config",
]

DATA_INTEGRITY_PROOF = "DataIntegrityProof"
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"

_DATE_TIME = re.compile(
    r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?"
    r"(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))?$"
)


@dataclass
class SuiteContext:
    """What a suite needs besides the document: the offline loader and the canonicalization budget.

    It memoizes canonical N-Quads per document object for one sign/verify call, so a proof set canonicalizes
    the shared unsecured document once (and a poison graph costs one budget, not one per proof). The memo is
    keyed by identity (the memo holds the document, so the id is not reused): serializing the document to
    build a content key cost as much as a third of a verification.
    """

    loader: DocumentLoader
    budget: Budget = DEFAULT_BUDGET
    _memo: dict[tuple[int, str], tuple[Mapping[str, Any], str | MicrocredError]] = field(
        default_factory=dict, repr=False
    )

    def canonical_nquads(self, document: Mapping[str, Any], *, hash_algorithm: str = "sha256") -> str:
        """RDFC-1.0 canonical N-Quads of a JSON-LD document (safe mode, offline, within budget), with
        ``hash_algorithm`` as RDFC-1.0's hash function (sha256 unless a suite asks for sha384)."""
        key = (id(document), hash_algorithm)
        budget = (
            self.budget
            if hash_algorithm == self.budget.hash_algorithm
            else replace(self.budget, hash_algorithm=hash_algorithm)
        )
        entry = self._memo.get(key)
        if entry is not None:
            cached = entry[1]
            if isinstance(cached, MicrocredError):
                raise cached
            return cached
        # an aliased context URL (a deployment's copy of a pinned context) canonicalizes as the pinned URL: same
        # quads, and the fast path and the worker processes know the pinned one
        plain = dealiased(document, self.loader)
        try:
            if budget.runner is not None:
                result = budget.runner(plain, budget)
            else:
                result = canonicalize(to_dataset(plain, loader=self.loader), budget=budget)
        except MicrocredError as exc:
            self._memo[key] = (document, exc)
            raise
        self._memo[key] = (document, result)
        return result


class Cryptosuite(Protocol):
    """One Data Integrity cryptosuite: creates and checks proof values for one (type, cryptosuite) pair."""

    @property
    def name(self) -> str:
        """The name callers use to ask for it: the ``cryptosuite`` value, or the proof type for legacy suites."""
        ...

    @property
    def proof_type(self) -> str:
        """``proof.type`` (``DataIntegrityProof``, ``Ed25519Signature2020``)."""
        ...

    @property
    def cryptosuite(self) -> str | None:
        """``proof.cryptosuite`` or None for suites whose type says it all."""
        ...

    @property
    def key_types(self) -> frozenset[str]:
        """Verification method types whose ``publicKeyMultibase`` this suite verifies with."""
        ...

    def prepare_document(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """The document to sign, with any ``@context`` the suite needs added (spec "add suite context")."""
        ...

    def create_proof(
        self, document: Mapping[str, Any], options: Mapping[str, Any], signer: Signer, ctx: SuiteContext
    ) -> dict[str, Any]:
        """The proof (``options`` plus ``proofValue``) over ``document`` (which carries no ``proof``)."""
        ...

    def verify_proof(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], public_key: bytes, ctx: SuiteContext
    ) -> bool:
        """Whether ``proof.proofValue`` is a valid signature by ``public_key`` over ``document`` and ``proof``.

        Raises InvalidInput subclasses when the document cannot be transformed (unsafe JSON-LD, context not
        allowed, canonicalization budget exceeded).
        """
        ...


def context_urls(document: Mapping[str, Any]) -> list[Any]:
    """The document's ``@context`` as a list."""
    value = document.get("@context")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def check_created(value: Any) -> None:
    """``created`` must be an XML Schema dateTimeStamp (https://www.w3.org/TR/vc-data-integrity/#proofs)."""
    if not isinstance(value, str) or not _DATE_TIME.match(value):
        raise ProofError(f'"proof.created" must be an XML Schema dateTime, not {value!r}')


def check_data_integrity_options(options: Mapping[str, Any], cryptosuite: str) -> None:
    """``type`` must be DataIntegrityProof and ``cryptosuite`` the suite's (ProofError otherwise)."""
    if options.get("type") != DATA_INTEGRITY_PROOF or options.get("cryptosuite") != cryptosuite:
        raise ProofError(
            f'"proof.type" must be "{DATA_INTEGRITY_PROOF}" and "proof.cryptosuite" must be "{cryptosuite}"'
        )


def check_legacy_options(options: Mapping[str, Any], proof_type: str) -> None:
    """A suite named by its proof type alone: ``type`` must be it, with no ``cryptosuite`` (ProofError otherwise)."""
    if options.get("type") != proof_type or "cryptosuite" in options:
        raise ProofError(f'"proof.type" must be "{proof_type}" with no "proof.cryptosuite"')


def proof_config(
    unsecured: Mapping[str, Any],
    options: Mapping[str, Any],
    check: Callable[[Mapping[str, Any]], None],
    *,
    context_if_present: bool = False,
) -> dict[str, Any]:
    """The proof configuration every suite's "proof configuration" step builds: the options without
    ``proofValue``, checked by the suite, a valid ``created``, and the document's ``@context`` (only when it has
    one, for the JCS suites). https://www.w3.org/TR/vc-data-integrity/#add-proof"""
    config = {key: value for key, value in options.items() if key != "proofValue"}
    check(config)
    if "created" in config:
        check_created(config["created"])
    if not context_if_present or "@context" in unsecured:
        config["@context"] = unsecured.get("@context")
    return config


def sha256(data: str) -> bytes:
    """SHA-256 of UTF-8 text."""
    return hashlib.sha256(data.encode("utf-8")).digest()
