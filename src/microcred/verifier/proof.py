"""The proof check: every embedded Data Integrity proof verified through ``suites``, read as one report check.

A key that could not be retrieved (network, unsupported DID method) makes the check not-checked; a proof that
was checked and is wrong makes it failed.

https://www.w3.org/TR/vc-data-integrity/#verify-proof ; https://www.w3.org/TR/vc-data-model-2.0/#verification
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from microcred import suites
from microcred.contexts import DocumentLoader
from microcred.vc.errors import FetchError, InvalidInput, MicrocredError, NotFound, UnknownCryptosuite
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
    try:
        result = suites.verify(
            document,
            resolver=resolver,
            loader=loader,
            purpose=purpose,
            challenge=challenge,
            domain=domain,
            budget=budget,
            now=now,
        )
    except UnknownCryptosuite as exc:
        return _failed(check_id, f"The proof uses a suite this verifier does not accept: {exc.detail}.")
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
    unreachable = [
        r for r in bad if r.verification_method and did_of(r.verification_method) in resolver.unreachable
    ]
    if bad and len(unreachable) == len(bad):
        reasons = "; ".join(resolver.unreachable[did_of(r.verification_method or "")] for r in unreachable)
        return ProofOutcome(
            Check(
                id=check_id,
                status="not-checked",
                sentence=f"The signing key could not be retrieved ({reasons}), so the signature was not checked.",
                problem_type=suites.PROOF_VERIFICATION_ERROR,
            ),
            (),
            False,
        )
    if not bad:
        return _failed(
            check_id, f"The proof is not usable: {result.detail}.", suites.PROOF_VERIFICATION_ERROR
        )
    first = bad[0]
    reasons = "; ".join(f"proof {r.index + 1}: {r.detail}" for r in bad)
    return _failed(check_id, f"The signature check failed ({reasons}).", first.problem_type)


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
