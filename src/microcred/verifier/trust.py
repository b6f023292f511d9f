"""Trust registries: whether a register of trustworthy providers lists the issuer, for this kind of credential.

A registry answers either a plain ``lookup`` (issuer, resource, time) or, when it can judge scope and dates, an
``evaluate`` of a :class:`TrustQuery` built from the credential: who issued it, when, and what it is (OB3
achievement type, EQF level, ISCED-F fields). Registry clients live beside this module (``trust_microcred``,
``trust_dcc``, ``trust_ebsi``) and are combined by ``trust_policy``.
https://trustoverip.github.io/tswg-trust-registry-protocol/ (TRQP authorization query)
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from microcred.vc.errors import InvalidInput
from microcred.verifier.dates import parse_datetime
from microcred.verifier.report import Check, CheckStatus

__all__ = [
    "NoRegistry",
    "ScopedTrustRegistry",
    "TrustAnswer",
    "TrustQuery",
    "TrustRegistry",
    "check_trust",
    "trust_query",
]

EQF_URI = "http://data.europa.eu/snb/eqf/"
ISCED_URI = "http://data.europa.eu/snb/isced-f/"


@dataclass(frozen=True)
class TrustAnswer:
    """A registry's answer: ``trusted`` None when the registry could not answer; ``details`` for the report."""

    trusted: bool | None
    registry: str
    sentence: str
    details: Mapping[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class TrustQuery:
    """What a registry is asked about one credential: issuer, issuance time, now, and what was issued."""

    issuer: str
    issued: datetime
    now: datetime
    achievement_types: tuple[str, ...] = ()
    eqf_levels: tuple[str, ...] = ()
    isced_fields: tuple[str, ...] = ()
    credential_types: tuple[str, ...] = ()
    resource: str = "eu-microcredential"


class TrustRegistry(Protocol):
    """Answers whether ``issuer`` may issue ``resource`` (e.g. an EU micro-credential) at ``when``."""

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        """The registry's answer for one issuer."""
        ...


@runtime_checkable
class ScopedTrustRegistry(Protocol):
    """A registry that also judges the credential's scope and its issuance date."""

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        """The registry's answer for one issuer, without a credential."""
        ...

    def evaluate(self, query: TrustQuery) -> TrustAnswer:
        """The registry's answer for one credential."""
        ...


class NoRegistry:
    """The registry used when none is configured: every answer is "not checked"."""

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        """Always unknown."""
        return TrustAnswer(
            None, "none", "No trust registry is configured, so the issuer's standing was not checked."
        )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in _list(value) if isinstance(v, str)))


def _eqf(achievement: Mapping[str, Any]) -> tuple[str, ...]:
    levels = [v for v in _strings(achievement.get("eqfLevel"))]
    for alignment in _list(achievement.get("alignment")):
        if not isinstance(alignment, Mapping):
            continue
        url = alignment.get("targetUrl")
        if isinstance(url, str) and url.startswith(EQF_URI):
            levels.append(url)
    codes = (v[len(EQF_URI) :] if v.startswith(EQF_URI) else v for v in levels)
    return tuple(dict.fromkeys(c for c in codes if c in {str(n) for n in range(1, 9)}))


def trust_query(credential: Mapping[str, Any], *, issuer: str, now: datetime) -> TrustQuery:
    """The question for the registries: issuer, issuance time (``validFrom``/``issuanceDate``, else now), scope."""
    issued = now
    for name in ("validFrom", "issuanceDate"):
        if name in credential:
            with contextlib.suppress(InvalidInput):
                issued = parse_datetime(credential[name])
            break
    subject = next(iter(_list(credential.get("credentialSubject"))), None)
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    if not isinstance(achievement, Mapping):
        achievement = {}
    fields = (
        v[len(ISCED_URI) :] if v.startswith(ISCED_URI) else v for v in _strings(achievement.get("iscedF"))
    )
    return TrustQuery(
        issuer=issuer,
        issued=issued,
        now=now,
        achievement_types=_strings(achievement.get("achievementType")),
        eqf_levels=_eqf(achievement),
        isced_fields=tuple(dict.fromkeys(fields)),
        credential_types=_strings(credential.get("type")),
    )


def check_trust(
    issuer: str | None,
    *,
    registry: TrustRegistry,
    now: datetime,
    credential: Mapping[str, Any] | None = None,
) -> tuple[Check, bool | None]:
    """The ``trust`` check and the ``trusted`` value of the report."""
    if issuer is None:
        return Check(
            id="trust", status="not-checked", sentence="The credential names no issuer to look up."
        ), None
    if credential is not None and isinstance(registry, ScopedTrustRegistry):
        answer = registry.evaluate(trust_query(credential, issuer=issuer, now=now))
    else:
        answer = registry.lookup(issuer, resource="eu-microcredential", when=now)
    status: CheckStatus = (
        "not-checked" if answer.trusted is None else "passed" if answer.trusted else "failed"
    )
    value: Any = {"registry": answer.registry, **answer.details} if answer.details else answer.registry
    return Check(id="trust", status=status, sentence=answer.sentence, value=value), answer.trusted
