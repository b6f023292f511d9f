"""The verification report: one check per step, each passed / failed / not-checked with a plain sentence.

https://www.w3.org/TR/vc-data-model-2.0/#verification ; https://w3c-ccg.github.io/vc-api/#verify-credential
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

__all__ = [
    "ADVISORY",
    "CORE_CHECKS",
    "Check",
    "CheckStatus",
    "Policy",
    "PresentationReport",
    "Verdict",
    "VerificationReport",
    "build_report",
]

CheckStatus = Literal["passed", "failed", "not-checked"]
Verdict = Literal["valid", "not valid", "could not fully check"]

CORE_CHECKS: tuple[str, ...] = ("structure", "schema", "contexts", "proof", "issuer", "validity", "status")
"""Checks that decide ``verified``; ``schema`` counts for OB3 credentials, ``status`` when there is an entry."""
NOT_APPLICABLE = frozenset({"no-status-entry", "not-applicable"})
ADVISORY = "advisory"
"""The value of a core check that reports without deciding: shown as a warning, never failing ``verified`` (the OB3
schema a credential does not declare; a status list shorter than the spec's minimum whose bit was still read)."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True, slots=True)
class Check:
    """One step of the verification, with a sentence a person can read."""

    id: str
    status: CheckStatus
    sentence: str
    problem_type: str | None = None
    value: Any = None

    def as_json(self) -> dict[str, Any]:
        """camelCase JSON (``problemType``); absent values are null."""
        return {
            "id": self.id,
            "status": self.status,
            "sentence": self.sentence,
            "problemType": self.problem_type,
            "value": self.value,
        }


@dataclass(frozen=True, slots=True)
class Policy:
    """What the caller requires beyond the core checks (trust registry, EU completeness)."""

    require_trust: bool = False
    require_eu_complete: bool = False


@dataclass(frozen=True)
class VerificationReport:
    """The result of verifying one credential; ``verified`` only when every core check passed."""

    verified: bool
    trusted: bool | None
    eu_complete: bool
    verdict: Verdict
    verdict_sentence: str
    checks: list[Check]
    credential_id: str | None = None
    issuer: str | None = None
    format: str = "json"
    policy: Policy = field(default_factory=Policy)

    def check(self, check_id: str) -> Check:
        """The check named ``check_id`` (KeyError when absent)."""
        for item in self.checks:
            if item.id == check_id:
                return item
        raise KeyError(check_id)

    def vc_api(self) -> dict[str, Any]:
        """The VC-API view: passed check names; errors = what makes ``verified`` false; warnings = the rest."""
        blocking = [c for c in self.checks if c.status != "passed" and self._blocking(c)]
        return {
            "verified": self.verified,
            "checks": [c.id for c in self.checks if c.status == "passed"],
            "warnings": [_problem(c) for c in self.checks if c.status != "passed" and c not in blocking],
            "errors": [_problem(c) for c in blocking],
        }

    def _blocking(self, check: Check) -> bool:
        if check.id in CORE_CHECKS:
            return not _optional_status(check)
        if check.id == "trust":
            return self.policy.require_trust
        if check.id.startswith("eu:"):
            return self.policy.require_eu_complete
        return False

    def as_json(self) -> dict[str, Any]:
        """Our full report plus the VC-API fields beside it (as the common VC-API verifiers answer)."""
        body: dict[str, Any] = {
            _camel(f.name): getattr(self, f.name) for f in fields(self) if f.name not in ("checks", "policy")
        }
        body["policy"] = {_camel(k): v for k, v in asdict(self.policy).items()}
        body.update(self.vc_api())
        body["report"] = {"checks": [c.as_json() for c in self.checks]}
        return body


@dataclass(frozen=True)
class PresentationReport:
    """The result of verifying a presentation: the holder's proof and each contained credential."""

    verified: bool
    verdict: Verdict
    verdict_sentence: str
    checks: list[Check]
    holder: str | None = None
    holder_is_subject: bool | None = None
    credentials: list[VerificationReport] = field(default_factory=list)

    def vc_api(self) -> dict[str, Any]:
        """The VC-API view over the presentation checks and every credential's checks."""
        own = list(self.checks)
        checks = [c.id for c in own if c.status == "passed"]
        warnings = [_problem(c) for c in own if c.status == "not-checked"]
        errors = [_problem(c) for c in own if c.status == "failed"]
        for index, report in enumerate(self.credentials):
            view = report.vc_api()
            checks += [f"verifiableCredential[{index}].{name}" for name in view["checks"]]
            warnings += [{**w, "credential": index} for w in view["warnings"]]
            errors += [{**e, "credential": index} for e in view["errors"]]
        return {"verified": self.verified, "checks": checks, "warnings": warnings, "errors": errors}

    def as_json(self) -> dict[str, Any]:
        """Our full report plus the VC-API fields beside it."""
        body: dict[str, Any] = {
            "verified": self.verified,
            "verdict": self.verdict,
            "verdictSentence": self.verdict_sentence,
            "holder": self.holder,
            "holderIsSubject": self.holder_is_subject,
            "credentials": [r.as_json() for r in self.credentials],
        }
        body.update(self.vc_api())
        body["report"] = {"checks": [c.as_json() for c in self.checks]}
        return body


def _problem(check: Check) -> dict[str, Any]:
    item: dict[str, Any] = {"check": check.id, "message": check.sentence}
    if check.problem_type:
        item["type"] = check.problem_type
    return item


def build_report(
    checks: list[Check],
    *,
    trusted: bool | None,
    eu_complete: bool,
    policy: Policy,
    credential_id: str | None = None,
    issuer: str | None = None,
    fmt: str = "json",
) -> VerificationReport:
    """Combine the checks into ``verified`` and the human verdict (valid / not valid / could not fully check).

    ``verified`` needs every core check passed (a missing status entry is fine, an unchecked one is not).
    The verdict is "valid" only when, in addition, the issuer is on a trust registry and the EU elements
    are complete; "not valid" when a core check failed or a required policy failed; otherwise the
    credential could not be fully checked.
    """
    present = {c.id for c in checks if c.id in CORE_CHECKS}
    core = [c for c in checks if c.id in CORE_CHECKS and c.value != ADVISORY]
    failed = [c for c in core if c.status == "failed"]
    unchecked = [c for c in core if c.status == "not-checked" and not _optional_status(c)]
    verified = not failed and not unchecked and present >= set(CORE_CHECKS)
    policy_failed: list[str] = []
    if policy.require_trust and trusted is not True:
        policy_failed.append("the issuer is not confirmed by a trust registry, which the policy requires")
    if policy.require_eu_complete and not eu_complete:
        policy_failed.append("the EU micro-credential elements are incomplete, which the policy requires")
    verdict: Verdict
    if failed:
        verdict = "not valid"
        sentence = "Not valid: " + "; ".join(c.sentence for c in failed)
    elif policy_failed and (trusted is False or (policy.require_eu_complete and not eu_complete)):
        verdict = "not valid"
        sentence = "Not valid: " + "; ".join(policy_failed)
    elif unchecked or policy_failed:
        verdict = "could not fully check"
        sentence = "Could not fully check: " + "; ".join([c.sentence for c in unchecked] + policy_failed)
    elif trusted is not True or not eu_complete:
        verdict = "could not fully check"
        parts = ["the credential is authentic and current"]
        if trusted is None:
            parts.append("but no trust registry confirmed the issuer")
        elif trusted is False:
            parts.append("but the issuer is not on the trust registry")
        if not eu_complete:
            parts.append("and some EU micro-credential elements are missing")
        sentence = "Could not fully check: " + " ".join(parts)
    else:
        verdict = "valid"
        sentence = "Valid: authentic, current, from a trusted issuer, with every EU element present"
    warnings = [c.sentence for c in checks if c.value == ADVISORY and c.status != "passed"]
    if warnings:
        sentence += " (" + " ".join(warnings) + ")"
    return VerificationReport(
        verified=verified and not policy_failed,
        trusted=trusted,
        eu_complete=eu_complete,
        verdict=verdict,
        verdict_sentence=sentence,
        checks=checks,
        credential_id=credential_id,
        issuer=issuer,
        format=fmt,
        policy=policy,
    )


def _optional_status(check: Check) -> bool:
    """A check that does not decide: not-checked only because it does not apply (no status entry; not an OB3
    credential), or advisory (a warning)."""
    if check.value == ADVISORY:
        return True
    return check.status == "not-checked" and isinstance(check.value, str) and check.value in NOT_APPLICABLE
