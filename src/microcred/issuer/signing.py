"""Check and sign a built credential, here or in a pool of worker processes (bulk issuance uses every core).

A worker process unseals its own Signer through ``keys.LocalKeyStore`` from a picklable ``SignerRecipe`` (the sealed
seed and the key-encryption key), so no private key ever crosses a process boundary in the clear. This module
imports only the library layers, so worker processes start fast.
https://www.w3.org/TR/vc-data-integrity/#add-proof
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import get_context
from typing import Any

from microcred.contexts import DocumentLoader, aliased_loader, declared_aliases, offline_loader
from microcred.issuer.completeness import check_before_signing
from microcred.issuer.lifeline import die_with_parent, watch_process
from microcred.keys import LocalKeyStore, Signer
from microcred.suites import sign, suite_named
from microcred.vc.errors import InvalidInput, KeyMaterialError, MicrocredError

__all__ = [
    "SIGNING_SUITES",
    "SignerRecipe",
    "check_and_sign",
    "check_signing_suite",
    "proof_as_set",
    "sign_in_worker",
    "signing_pool",
]

_LOADER = offline_loader()

SIGNING_SUITES: tuple[str, ...] = tuple(
    suite_named(name).name for name in ("eddsa-rdfc-2022", "Ed25519Signature2020")
)
"""The suites the issuer signs with, by the names of the suite registry (``suites.SUITES``): the registry also
verifies ``eddsa-jcs-2022``, which we do not issue. ``suite_named`` fails at import if a name leaves the registry."""


def check_signing_suite(suite: str, *, pointer: str) -> str:
    """``suite`` if the issuer signs with it, else InvalidInput naming the suites it does sign with."""
    if suite not in SIGNING_SUITES:
        raise InvalidInput(f'"cryptosuite" must be one of {", ".join(SIGNING_SUITES)}', pointer=pointer)
    return suite


def check_and_sign(
    unsigned: Mapping[str, Any],
    *,
    signer: Signer,
    suite: str,
    now: datetime,
    loader: DocumentLoader = _LOADER,
) -> str:
    """OB3 schema + EU completeness (ValidationFailed lists each failure), then the proof; the signed JSON text."""
    check_before_signing(unsigned)
    # our own credential: the EU context at this deployment's URL is the pinned copy its relatedResource names
    loader = aliased_loader(loader, declared_aliases(unsigned))
    signed = proof_as_set(sign(unsigned, signer=signer, loader=loader, created=now, suite=suite))
    return json.dumps(signed, ensure_ascii=False, separators=(",", ":"))


def proof_as_set(signed: dict[str, Any]) -> dict[str, Any]:
    """``signed`` with its one proof written as a one-element set, the form the OB 3.0 schema requires.

    VC Data Integrity allows a proof object or a set of proofs (https://www.w3.org/TR/vc-data-integrity/#proofs);
    both give the same proof graph, and the proof is never part of what it signs, so wrapping it after signing
    changes nothing a verifier checks. The published AchievementCredential schema accepts only the array.
    """
    proof = signed.get("proof")
    return {**signed, "proof": [proof]} if isinstance(proof, Mapping) else signed


@dataclass(frozen=True)
class SignerRecipe:
    """Picklable instructions for a worker process to unseal the signer through ``keys`` itself."""

    kek: bytes = field(repr=False)
    key_id: str
    sealed_secret: bytes = field(repr=False)
    verification_method: str

    def open(self) -> Signer:
        """The Signer (the seed is unsealed inside ``keys``)."""
        return LocalKeyStore(self.kek).signer(
            key_id=self.key_id, sealed_secret=self.sealed_secret, verification_method=self.verification_method
        )


_WORKER_SIGNER: Signer | None = None


def _open_worker_signer(recipe: SignerRecipe, owner: int) -> None:
    global _WORKER_SIGNER  # one signer per worker process, set once by the pool initializer
    # A worker's parent is the fork server, which exits when the pool's owner does (its "alive" pipe closes): the
    # kernel then kills the worker; the watch thread also catches an owner killed before this line ran. Otherwise
    # a SIGKILLed app would leave its workers (and through them the resource tracker) running, holding memory.
    die_with_parent(parent=os.getppid())
    watch_process(owner)
    _WORKER_SIGNER = recipe.open()


def sign_in_worker(unsigned: list[dict[str, Any]], suite: str, now: datetime) -> list[tuple[bool, str]]:
    """(True, signed JSON text) or (False, error detail) per credential, in order (runs in a pool worker)."""
    if _WORKER_SIGNER is None:
        raise KeyMaterialError("the signing worker was started without a signer")
    out: list[tuple[bool, str]] = []
    for document in unsigned:
        try:
            out.append((True, check_and_sign(document, signer=_WORKER_SIGNER, suite=suite, now=now)))
        except MicrocredError as exc:
            out.append((False, exc.detail))
    return out


def signing_pool(recipe: SignerRecipe, *, workers: int) -> ProcessPoolExecutor:
    """``workers`` processes forked from a server that preloaded this module, each holding the recipe's signer;
    they end when the process that made the pool ends, even by SIGKILL."""
    context = get_context("forkserver")
    context.set_forkserver_preload([__name__, "microcred.issuer._signing_warm"])
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_open_worker_signer,
        initargs=(recipe, os.getpid()),
    )
