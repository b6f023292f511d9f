"""The proof check: every embedded Data Integrity proof verified through ``suites``, read as one report check.

A key that could not be retrieved (network, unsupported DID method), a suite or a context this verifier does not
implement make the check not-checked, naming what is missing; a proof that was checked and is wrong makes it failed.

https://www.w3.org/TR/vc-data-integrity/#verify-proof ; https://www.w3.org/TR/vc-data-model-2.0/#verification
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from microcred import suites
from microcred.contexts import DocumentLoader
from microcred.vc.encodings import multibase_decode
from microcred.vc.errors import (
    ContextNotAllowed,
    FetchError,
    InvalidInput,
    MicrocredError,
    NotFound,
    UnknownCryptosuite,
)
from microcred.verifier.did import did_of
from microcred.verifier.report import Check

__all__ = [
    "CRYPTOGRAPHIC_SECURITY_ERROR",
    "PROOF_TRANSFORMATION_ERROR",
    "MemoResolver",
    "ProofOutcome",
    "check_proofs",
]

CRYPTOGRAPHIC_SECURITY_ERROR = "https://www.w3.org/TR/vc-data-model#CRYPTOGRAPHIC_SECURITY_ERROR"
PROOF_TRANSFORMATION_ERROR = "https://w3id.org/security#PROOF_TRANSFORMATION_ERROR"


@dataclass
class MemoResolver:
    """Wraps a resolver for one verification: resolves each DID once and remembers why one could not be."""

    inner: suites.Resolver
    documents: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    unreachable: dict[str, str] = field(default_factory=dict)
    unacceptable: dict[str, InvalidInput] = field(default_factory=dict)
    unsupported_keys: set[str] = field(default_factory=set)

    def resolve(self, did_or_url: str) -> Mapping[str, Any]:
        """The DID document (cached); fetch failures are remembered and reported as NotFound to the suites."""
        did = did_of(did_or_url)
        if did in self.documents:
            return self.documents[did]
        if did in self.unreachable:
            raise NotFound(self.unreachable[did])
        if did in self.unacceptable:
            raise self.unacceptable[did]
        try:
            document = self.inner.resolve(did)
        except (FetchError, NotFound) as exc:
            self.unreachable[did] = exc.detail
            raise NotFound(exc.detail) from None
        except InvalidInput as exc:
            unsupported = _unsupported_key_type(did)
            if unsupported is not None:
                # a key type this verifier does not implement is not a bad key: the signature is "not checked"
                self.unreachable[did] = unsupported
                self.unsupported_keys.add(did)
                raise NotFound(unsupported) from None
            self.unacceptable[did] = exc
            raise
        self.documents[did] = document
        return document

    def tried(self, did_or_url: str) -> bool:
        """Whether this verification already resolved (or failed to resolve) the DID: asking again fetches nothing."""
        did = did_of(did_or_url)
        return did in self.documents or did in self.unreachable or did in self.unacceptable


@dataclass(frozen=True)
class ProofOutcome:
    """The proof check plus the controllers of the keys that verified (for issuer/holder binding)."""

    check: Check
    controllers: tuple[str, ...]
    verified: bool


def check_proofs(
    document: Mapping[str, Any],
    *,
    resolver: MemoResolver,
    loader: DocumentLoader,
    now: datetime,
    purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    budget: suites.Budget = suites.DEFAULT_BUDGET,
    check_id: str = "proof",
) -> ProofOutcome:
    """Verify every proof; passed only when all verify (a proof set with one bad proof fails)."""
    if document.get("proof") is None:
        return ProofOutcome(
            Check(
                id=check_id,
                status="failed",
                sentence="The document carries no proof, so nothing shows who issued it or that it is unchanged.",
                problem_type=CRYPTOGRAPHIC_SECURITY_ERROR,
            ),
            (),
            False,
        )
    unsupported = _unsupported_suites(document.get("proof"))
    checked: Mapping[str, Any] = document
    if unsupported:
        supported = [p for p in _as_list(document.get("proof")) if p not in unsupported]
        if not supported:
            return _not_checked(check_id, _named_suites(unsupported))
        # the proofs this verifier implements are still checked: one of them failing is a failure
        checked = {**document, "proof": supported}
    try:
        result = suites.verify(
            checked,
            resolver=resolver,
            loader=loader,
            purpose=purpose,
            challenge=challenge,
            domain=domain,
            budget=budget,
            now=now,
        )
    except UnknownCryptosuite as exc:
        return _failed(check_id, f"The proof is not usable: {exc.detail}.")
    except MicrocredError as exc:
        return _failed(check_id, f"The proof could not be processed: {exc.detail}.", exc.problem_type)
    except (ValueError, TypeError, LookupError, RecursionError) as exc:
        # JSON-LD processing of hostile input can fail inside pyld with builtin errors (e.g. an empty
        # @context entry); that is a malformed document, never a server error.
        return _failed(
            check_id,
            f"The document could not be processed as JSON-LD ({type(exc).__name__}), so its proof cannot be checked.",
            PROOF_TRANSFORMATION_ERROR,
        )
    if result.verified and unsupported:
        described = ", ".join(f"{r.suite} by {r.verification_method}" for r in result.results)
        return _not_checked(check_id, f"{_named_suites(unsupported)} (the other proof verifies: {described})")
    if result.verified:
        # The signature covers the RDF dataset; every check after this one reads JSON keys. Only a document in
        # plain compacted form says in its JSON exactly what the dataset says (docs/adr/0005-checked-is-signed.md).
        problem = suites.plain_form_problem(document, loader=loader)
        if problem is not None:
            return _failed(
                check_id,
                "The signature verifies, but the document is not in the plain form its checks read, so what "
                f"would be checked is not what is signed: {problem}.",
                PROOF_TRANSFORMATION_ERROR,
            )
        described = ", ".join(f"{r.suite} by {r.verification_method}" for r in result.results)
        count = len(result.results)
        # accepted with reservations (an outdated suite name, a bare DID as the key): said, never hidden
        warnings = "".join(f" Warning: {w}." for w in result.warnings)
        return ProofOutcome(
            Check(
                id=check_id,
                status="passed",
                sentence=f"The signature{'s verify' if count > 1 else ' verifies'} ({described}); the content is unchanged.{warnings}",
                value=[r.suite for r in result.results],
            ),
            result.controllers,
            True,
        )
    bad = [r for r in result.results if not r.verified]
    if not bad:
        return _failed(
            check_id, f"The proof is not usable: {result.detail}.", suites.PROOF_VERIFICATION_ERROR
        )
    # What this verifier could not obtain (the key) or does not implement (a context) is "not checked"; the
    # signature is called altered only when the suite is implemented, the key was obtained and it does not verify.
    missing = [_missing(r, resolver) for r in bad]
    if all(missing):
        return _not_checked(check_id, "; ".join(dict.fromkeys(m for m in missing if m)))
    failures = [r for r, m in zip(bad, missing, strict=True) if m is None]
    reasons = "; ".join(f"proof {r.index + 1}: {r.detail}" for r in failures)
    return _failed(check_id, f"The signature check failed ({reasons}).", failures[0].problem_type)


_KEY_TYPES = {
    b"\x82\x24": "P-521",
    b"\x85\x24": "RSA",
    b"\xeb\x01": "BLS12-381 G2",
    b"\xec\x01": "X25519",
}
"""Multicodec headers of did:key key types this verifier does not implement (Ed25519, P-256, P-384 and secp256k1 it
does: keys/public_key.py) (https://github.com/multiformats/multicodec/blob/master/table.csv)."""


def _unsupported_key_type(did: str) -> str | None:
    """The sentence for a did:key that holds a well-formed key of a type this verifier does not implement."""
    if not did.startswith("did:key:z"):
        return None
    try:
        raw = multibase_decode(did.removeprefix("did:key:"))
    except InvalidInput:
        return None
    name = _KEY_TYPES.get(raw[:2])
    if name is None:
        return None
    return f"{did} holds a {name} key, a key type this verifier does not implement"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _unsupported_suites(proofs: Any) -> list[Mapping[str, Any]]:
    """The proofs whose ``(type, cryptosuite)`` names a suite this verifier does not implement."""
    found = []
    for proof in _as_list(proofs):
        if not isinstance(proof, Mapping) or not isinstance(proof.get("type"), str):
            continue
        if proof.get("cryptosuite") is not None and not isinstance(proof.get("cryptosuite"), str):
            continue
        try:
            suites.suite_for(proof)
        except UnknownCryptosuite:
            found.append(proof)
    return found


def _named_suites(proofs: list[Mapping[str, Any]]) -> str:
    names = list(dict.fromkeys(str(p.get("cryptosuite") or p.get("type")) for p in proofs))
    return f"signed with {' and '.join(names)}, which this verifier does not check"


def _missing(result: suites.ProofResult, resolver: MemoResolver) -> str | None:
    """Why a proof could not be checked (its key could not be obtained; a context is not available), or None when it
    was checked and is wrong."""
    method = result.verification_method
    if method and did_of(method) in resolver.unsupported_keys:
        return resolver.unreachable[did_of(method)]
    if method and did_of(method) in resolver.unreachable:
        return f"the signing key could not be retrieved ({resolver.unreachable[did_of(method)]})"
    if result.problem_type == ContextNotAllowed.problem_type:
        return f"it uses a JSON-LD context this verifier does not have ({result.detail})"
    return None


def _not_checked(check_id: str, reason: str) -> ProofOutcome:
    return ProofOutcome(
        Check(
            id=check_id,
            status="not-checked",
            sentence=f"The signature was not checked: {reason}.",
            problem_type=suites.PROOF_VERIFICATION_ERROR,
        ),
        (),
        False,
    )


def _failed(check_id: str, sentence: str, problem: str | None = None) -> ProofOutcome:
    return ProofOutcome(
        Check(
            id=check_id,
            status="failed",
            sentence=sentence,
            problem_type=problem or suites.PROOF_VERIFICATION_ERROR,
        ),
        (),
        False,
    )
