"""Trust registries: whether a register of trustworthy providers lists the issuer.

Registries themselves come in their own issue; here is the interface and the "no registry configured" answer.
https://trustoverip.github.io/tswg-trust-registry-protocol/ (TRQP authorization query)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from verifier.report import Check, CheckStatus

__all__ = ["NoRegistry", "TrustAnswer", "TrustRegistry", "check_trust"]


@dataclass(frozen=True)
class TrustAnswer:
    """A registry's answer: ``trusted`` None when the registry could not answer."""

    trusted: bool | None
    registry: str
    sentence: str


class TrustRegistry(Protocol):
    """Answers whether ``issuer`` may issue ``resource`` (e.g. an EU micro-credential) at ``when``."""

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        """The registry's answer for one issuer."""
        ...


class NoRegistry:
    """The registry used when none is configured: every answer is "not checked"."""

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        """Always unknown."""
        return TrustAnswer(
            None, "none", "No trust registry is configured, so the issuer's standing was not checked."
        )


def check_trust(issuer: str | None, *, registry: TrustRegistry, now: datetime) -> tuple[Check, bool | None]:
    """The ``trust`` check and the ``trusted`` value of the report."""
    if issuer is None:
        return Check(
            id="trust", status="not-checked", sentence="The credential names no issuer to look up."
        ), None
    answer = registry.lookup(issuer, resource="eu-microcredential", when=now)
    status: CheckStatus = (
        "not-checked" if answer.trusted is None else "passed" if answer.trusted else "failed"
    )
    return Check(id="trust", status=status, sentence=answer.sentence, value=answer.registry), answer.trusted
