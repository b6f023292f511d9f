"""Adding and verifying Data Integrity proofs: the public API of ``suites``.

https://www.w3.org/TR/vc-data-integrity/#algorithms

- :func:`sign` adds one proof; a document that already has proofs gets a proof set (each proof signs the
  document without the others), or a proof chain when ``previous_proof`` names earlier proofs
  (https://www.w3.org/TR/vc-data-integrity/#add-proof-set-chain).
- :func:`verify` checks **every** proof and passes only if all of them verify, each against the purpose, challenge
  and domain the caller expects (https://www.w3.org/TR/vc-data-integrity/#verify-proof-sets-and-chains). "All"
  rather than "any": a credential carrying a proof that fails is reported as failed, never silently reduced
  to its good proofs.

Bad credentials (wrong signature, unknown key, key not authorised for the purpose, lossy JSON-LD, poison
graphs) give a failed :class:`ProofResult` with a problem type; misuse (not a JSON object, unknown suite, an
authentication check without a challenge) raises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from microcred.contexts import DocumentLoader
from microcred.keys import Signer
from microcred.suites.base import SuiteContext, check_created
from microcred.suites.rdfc import DEFAULT_BUDGET, SIGNING_BUDGET, Budget
from microcred.suites.registry import suite_for, suite_named
from microcred.suites.resolver import Resolver, resolve_verification_method
from microcred.vc.errors import InvalidInput, MicrocredError, ProofError

__all__ = [
    "INVALID_CHALLENGE_ERROR",
    "INVALID_DOMAIN_ERROR",
    "PARSING_ERROR",
    "PROOF_VERIFICATION_ERROR",
    "PURPOSES",
    "ProofResult",
    "ProofVerification",
    "sign",
    "verify",
]

_SECURITY = "https://w3id.org/security#"
PROOF_VERIFICATION_ERROR = _SECURITY + "PROOF_VERIFICATION_ERROR"
"""The problem type of a proof that does not verify (VC Data Integrity, section 2.2 "Processing errors")."""
INVALID_CHALLENGE_ERROR = _SECURITY + "INVALID_CHALLENGE_ERROR"
"""The problem type of a presentation proof whose challenge is not the one expected."""
INVALID_DOMAIN_ERROR = _SECURITY + "INVALID_DOMAIN_ERROR"
"""The problem type of a presentation proof whose domain is not the one expected."""
PARSING_ERROR = _SECURITY + "PARSING_ERROR"
"""The problem type of a proof or document that cannot be read."""

# Suites that do not say which key algorithms they verify with predate the ECDSA suites: Ed25519 only.
ED25519_ONLY = frozenset({"Ed25519"})

PURPOSES = frozenset({"assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation"})


@dataclass(frozen=True)
class ProofResult:
    """The outcome for one proof: whether it verified, with which key and suite, and if not, why."""

    index: int
    verified: bool
    suite: str | None = None
    proof_id: str | None = None
    verification_method: str | None = None
    controller: str | None = None
    purpose: str | None = None
    problem_type: str | None = None
    detail: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProofVerification:
    """All proofs' results; ``verified`` only if there is at least one proof and every proof verified."""

    verified: bool
    results: tuple[ProofResult, ...]
    detail: str | None = None

    @property
    def controllers(self) -> tuple[str, ...]:
        """Controllers (DIDs) of the keys of the verified proofs, for binding them to the issuer or holder."""
        return tuple(r.controller for r in self.results if r.verified and r.controller)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the verified proofs were accepted with reservations for (a legacy suite name, a bare DID)."""
        return tuple(w for r in self.results if r.verified for w in r.warnings)


def _proof_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _timestamp(created: datetime) -> str:
    if created.tzinfo is None:
        raise InvalidInput('"created" must be a timezone-aware datetime')
    return created.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _matching_proofs(all_proofs: Sequence[Any], previous: Any) -> list[Any]:
    """The proofs a chained proof signs over (https://www.w3.org/TR/vc-data-integrity/#add-proof-set-chain)."""
    wanted = previous if isinstance(previous, list) else [previous]
    matching = []
    for proof_id in wanted:
        found = [p for p in all_proofs if isinstance(p, Mapping) and p.get("id") == proof_id]
        if not isinstance(proof_id, str) or not found:
            raise InvalidInput(
                f'"proof.previousProof" names {proof_id!r}, which is not a proof of the document'
            )
        matching.extend(found)
    return matching


def sign(
    document: Mapping[str, Any],
    *,
    signer: Signer,
    loader: DocumentLoader,
    created: datetime,
    suite: str = "eddsa-rdfc-2022",
    purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    budget: Budget = SIGNING_BUDGET,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with one more proof by ``signer`` (https://www.w3.org/TR/vc-data-integrity/#add-proof).

    Raises UnknownCryptosuite, UnsafeJsonLd (lossy JSON-LD is never signed), ContextNotAllowed,
    CanonicalizationLimit, InvalidInput or ProofError. The default budget also refuses documents that
    jsonld.js verifiers would refuse to canonicalize (:data:`suites.rdfc.SIGNING_BUDGET`).
    """
    if not isinstance(document, Mapping):
        raise InvalidInput("the document to sign must be a JSON object")
    chosen = suite_named(suite)
    if purpose not in PURPOSES:
        raise InvalidInput(f'"proofPurpose" must be one of {sorted(PURPOSES)}, not "{purpose}"')
    existing = _proof_list(document.get("proof"))
    unsecured = chosen.prepare_document({k: v for k, v in document.items() if k != "proof"})
    options: dict[str, Any] = {"type": chosen.proof_type}
    if proof_id is not None:
        options["id"] = proof_id
    if chosen.cryptosuite is not None:
        options["cryptosuite"] = chosen.cryptosuite
    options["created"] = _timestamp(created)
    options["verificationMethod"] = signer.verification_method
    options["proofPurpose"] = purpose
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    to_sign = unsecured
    if previous_proof is not None:
        previous = previous_proof if isinstance(previous_proof, str) else list(previous_proof)
        options["previousProof"] = previous
        to_sign = {**unsecured, "proof": _matching_proofs(existing, previous)}
    proof = chosen.create_proof(to_sign, options, signer, SuiteContext(loader=loader, budget=budget))
    signed = dict(unsecured)
    signed["proof"] = [*existing, proof] if existing else proof
    return signed


def _domain_matches(value: Any, expected: str) -> bool:
    return value == expected or (isinstance(value, list) and expected in value)


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def verify(
    document: Mapping[str, Any],
    *,
    resolver: Resolver,
    loader: DocumentLoader,
    purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    budget: Budget = DEFAULT_BUDGET,
    now: datetime | None = None,
) -> ProofVerification:
    """Verify every proof on ``document`` (https://www.w3.org/TR/vc-data-integrity/#verify-proof).

    ``challenge`` and ``domain``, when given, must match each proof's (presentations); ``purpose``
    ``authentication`` requires a ``challenge``. ``now``, when given, rejects proofs past their ``expires``.
    Raises InvalidInput for misuse and UnknownCryptosuite for a proof type/cryptosuite we do not implement.
    """
    if not isinstance(document, Mapping):
        raise InvalidInput("the document to verify must be a JSON object")
    if purpose not in PURPOSES:
        raise InvalidInput(f'"purpose" must be one of {sorted(PURPOSES)}, not "{purpose}"')
    if purpose == "authentication" and challenge is None:
        raise InvalidInput("verifying an authentication proof needs the challenge that was issued")
    proofs = _proof_list(document.get("proof"))
    if not proofs:
        return ProofVerification(False, (), detail='the document has no "proof"')
    if budget.max_proofs is not None and len(proofs) > budget.max_proofs:
        return ProofVerification(
            False,
            (),
            detail=f"the document carries {len(proofs)} proofs; this verifier checks at most {budget.max_proofs}",
        )
    # Dispatch first, so an unknown suite is reported before any work is done.
    for proof in proofs:
        if isinstance(proof, Mapping) and isinstance(proof.get("type"), str):
            suite_for(proof)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    ctx = SuiteContext(loader=loader, budget=budget)
    results = tuple(
        _verify_one(
            index,
            proof,
            proofs,
            unsecured,
            ctx,
            resolver=resolver,
            purpose=purpose,
            challenge=challenge,
            domain=domain,
            now=now,
        )
        for index, proof in enumerate(proofs)
    )
    return ProofVerification(all(r.verified for r in results), results)


def _verify_one(
    index: int,
    proof: Any,
    all_proofs: Sequence[Any],
    unsecured: Mapping[str, Any],
    ctx: SuiteContext,
    *,
    resolver: Resolver,
    purpose: str,
    challenge: str | None,
    domain: str | None,
    now: datetime | None,
) -> ProofResult:
    if not isinstance(proof, Mapping):
        return ProofResult(
            index, False, problem_type=PARSING_ERROR, detail=f'"proof[{index}]" is not an object'
        )
    if not isinstance(proof.get("type"), str):
        return ProofResult(
            index,
            False,
            problem_type=PROOF_VERIFICATION_ERROR,
            detail='"proof.type" is missing or not a string',
        )
    suite = suite_for(proof)

    def text(name: str) -> str | None:
        value = proof.get(name)
        return value if isinstance(value, str) else None

    base = ProofResult(
        index,
        False,
        suite=suite.name,
        proof_id=text("id"),
        verification_method=text("verificationMethod"),
        purpose=text("proofPurpose"),
    )

    def failed(problem: str, detail: str) -> ProofResult:
        return replace(base, problem_type=problem, detail=detail)

    for required in ("verificationMethod", "proofPurpose", getattr(suite, "proof_value_field", "proofValue")):
        if not isinstance(proof.get(required), str):
            return failed(PROOF_VERIFICATION_ERROR, f'"proof.{required}" is missing or not a string')
    if proof["proofPurpose"] != purpose:
        return failed(
            PROOF_VERIFICATION_ERROR,
            f'"proof.proofPurpose" is "{proof["proofPurpose"]}", expected "{purpose}"',
        )
    if challenge is not None and proof.get("challenge") != challenge:
        return failed(INVALID_CHALLENGE_ERROR, '"proof.challenge" does not match the expected challenge')
    if domain is not None and not _domain_matches(proof.get("domain"), domain):
        return failed(INVALID_DOMAIN_ERROR, f'"proof.domain" does not match the expected domain "{domain}"')
    try:
        if "created" in proof:
            check_created(proof["created"])
        if now is not None and "expires" in proof:
            check_created(proof["expires"])
            if _parse_time(proof["expires"]) < now:
                return failed(PROOF_VERIFICATION_ERROR, f"the proof expired at {proof['expires']}")
    except (ProofError, ValueError) as exc:
        return failed(PROOF_VERIFICATION_ERROR, getattr(exc, "detail", str(exc)))
    try:
        key = resolve_verification_method(
            proof["verificationMethod"],
            resolver=resolver,
            purpose=purpose,
            key_types=suite.key_types,
            algorithms=getattr(suite, "key_algorithms", ED25519_ONLY),
        )
    except (InvalidInput, LookupError) as exc:
        return failed(PROOF_VERIFICATION_ERROR, getattr(exc, "detail", str(exc)))
    secured_input: Mapping[str, Any] = unsecured
    try:
        if "previousProof" in proof:
            secured_input = {**unsecured, "proof": _matching_proofs(all_proofs, proof["previousProof"])}
        valid = suite.verify_proof(secured_input, proof, key.public_key, ctx)
    except InvalidInput as exc:
        problem = exc.problem_type if type(exc) is not InvalidInput else PROOF_VERIFICATION_ERROR
        return failed(problem, exc.detail)
    except MicrocredError as exc:
        return failed(PROOF_VERIFICATION_ERROR, exc.detail)
    if not valid:
        return failed(
            PROOF_VERIFICATION_ERROR, "the signature does not verify: the document or proof was altered"
        )
    suite_warning: str | None = getattr(suite, "warning", None)
    warnings = ((suite_warning,) if suite_warning else ()) + key.warnings
    return replace(base, verified=True, controller=key.controller, warnings=warnings)
