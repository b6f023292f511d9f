"""Consulting a microcred trust registry through its signed export, fetched from a URL or read from a local file.

The export is a compact JWS (``alg`` EdDSA) whose ``kid`` must be a key the configured registry DID lists under
``assertionMethod``; its payload is ``{"type": "MicrocredTrustRegistry", "version": 1, "registry": {"id", ...},
"issued", "validUntil", "entries": [...]}`` (see ``docs/trust-registry.md``). An export that is unsigned, signed
by another key, malformed, stale or too large is not used: the answer is "not checked" with the reason.
This module reads the published format itself (it does not import the registry package).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from microcred import suites
from microcred.suites import jose
from microcred.vc.errors import InvalidInput, MicrocredError
from microcred.verifier.dates import parse_datetime
from microcred.verifier.fetch import Fetcher, read_source
from microcred.verifier.inputs import InputLimits, parse_json
from microcred.verifier.trust import TrustAnswer, TrustQuery

__all__ = ["MicrocredRegistry", "RegistryEntry", "decide", "read_export"]

EXPORT_TYPE = "MicrocredTrustRegistry"
_KEY_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})
_STATES = frozenset({"active", "suspended", "withdrawn"})


@dataclass(frozen=True)
class RegistryEntry:
    """One entry of an export, as far as the trust decision needs it."""

    dids: tuple[str, ...]
    legal_name: str
    qa: str
    valid_from: datetime
    valid_until: datetime | None
    history: tuple[tuple[str, datetime, str], ...]
    types: tuple[str, ...]
    eqf_levels: tuple[str, ...]
    isced_fields: tuple[str, ...]

    def state_at(self, when: datetime) -> str:
        """The state in force at ``when`` (the first state before any recorded change)."""
        current = self.history[0][0]
        for state, at, _reason in self.history:
            if at <= when:
                current = state
        return current

    def active_at(self, when: datetime) -> bool:
        """Inside the validity period and ``active`` at ``when``."""
        if when < self.valid_from or (self.valid_until is not None and when >= self.valid_until):
            return False
        return self.state_at(when) == "active"

    def withdrawn_at(self) -> datetime | None:
        """When it was withdrawn, if it was."""
        return next((at for state, at, _ in self.history if state == "withdrawn"), None)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{where} must be a list of strings")
    return tuple(value)


def _time(value: Any, where: str) -> datetime:
    try:
        return parse_datetime(value, require_zone=True)
    except InvalidInput:
        raise InvalidInput(f"{where} must be a date-time with a zone") from None


def _entry(raw: Any, index: int) -> RegistryEntry:
    where = f"entries[{index}]"
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"{where} must be an object")
    scope, qa = raw.get("scope"), raw.get("qualityAssurance")
    history = raw.get("history")
    if not isinstance(scope, Mapping) or not isinstance(qa, Mapping) or not isinstance(history, list):
        raise InvalidInput(f"{where} needs scope, qualityAssurance and history objects")
    if not history:
        raise InvalidInput(f"{where}.history must not be empty")
    steps = []
    for step in history:
        if not isinstance(step, Mapping) or step.get("state") not in _STATES:
            raise InvalidInput(f"{where}.history has a step without a known state")
        steps.append(
            (str(step["state"]), _time(step.get("at"), f"{where}.history.at"), str(step.get("reason", "")))
        )
    name, body = raw.get("legalName"), qa.get("body")
    if not isinstance(name, str) or not isinstance(body, str):
        raise InvalidInput(f"{where} needs legalName and qualityAssurance.body strings")
    reference = qa.get("reference")
    until = raw.get("validUntil")
    return RegistryEntry(
        dids=_strings(raw.get("dids"), f"{where}.dids"),
        legal_name=name,
        qa=body + (f", {reference}" if isinstance(reference, str) and reference else ""),
        valid_from=_time(raw.get("validFrom"), f"{where}.validFrom"),
        valid_until=None if until is None else _time(until, f"{where}.validUntil"),
        history=tuple(steps),
        types=_strings(scope.get("achievementTypes", []), f"{where}.scope.achievementTypes"),
        eqf_levels=_strings(scope.get("eqfLevels", []), f"{where}.scope.eqfLevels"),
        isced_fields=_strings(scope.get("iscedF", []), f"{where}.scope.iscedF"),
    )


def read_export(
    jws: bytes, *, registry_did: str, resolver: suites.Resolver, now: datetime, max_bytes: int
) -> tuple[dict[str, Any], list[RegistryEntry]]:
    """Verify a signed export and read its entries; InvalidInput says why it cannot be used."""
    if len(jws) > max_bytes:
        raise InvalidInput(f"the registry document is {len(jws)} bytes; the limit is {max_bytes}")
    text = jws.decode("ascii", errors="replace").strip()
    if text.startswith("{"):
        raise InvalidInput("the registry document is not signed (plain JSON, not a JWS)")
    limits = InputLimits(max_bytes=max_bytes, max_depth=32)
    try:
        token = jose.read_compact(text, limits=jose.JwsLimits(max_bytes=max_bytes, max_depth=32))
    except InvalidInput:
        raise InvalidInput("the registry document is not a compact JWS") from None
    header = token.header
    if header.get("alg") != "EdDSA":
        raise InvalidInput('the registry signature must use "alg": "EdDSA"')
    kid = header.get("kid")
    if not isinstance(kid, str) or kid.split("#", 1)[0] != registry_did:
        raise InvalidInput(f"the registry document is signed by {kid!r}, not by the registry {registry_did}")
    key = suites.resolve_verification_method(
        kid, resolver=resolver, purpose="assertionMethod", key_types=_KEY_TYPES
    )
    public_key = jose.key_from_native(Ed25519PublicKey.from_public_bytes(key.public_key))
    if not jose.verify_compact(token, public_key, algorithms={"EdDSA"}):
        raise InvalidInput(
            "the registry signature is invalid (the document was altered or signed by another key)"
        )
    document = parse_json(token.payload, limits=limits)
    if not isinstance(document, dict) or document.get("type") != EXPORT_TYPE:
        raise InvalidInput(f'the registry document is not a "{EXPORT_TYPE}" export')
    registry = document.get("registry")
    if not isinstance(registry, Mapping) or registry.get("id") != registry_did:
        raise InvalidInput(f"the export names another registry than {registry_did}")
    if _time(document.get("validUntil"), "validUntil") <= now:
        raise InvalidInput(f"the registry export expired at {document.get('validUntil')}; fetch a fresh one")
    raw_entries = document.get("entries")
    if not isinstance(raw_entries, list):
        raise InvalidInput('the export needs an "entries" list')
    return document, [_entry(raw, i) for i, raw in enumerate(raw_entries)]


def _misses(entry: RegistryEntry, query: TrustQuery) -> list[str]:
    misses: list[str] = []
    if entry.types and not set(query.achievement_types) & set(entry.types):
        misses.append(
            f"achievement type {', '.join(query.achievement_types)} is not among {', '.join(entry.types)}"
            if query.achievement_types
            else "the credential states no achievement type"
        )
    if entry.eqf_levels:
        if not query.eqf_levels:
            misses.append("the credential states no EQF level")
        misses += [
            f"EQF level {level} is not among levels {', '.join(entry.eqf_levels)}"
            for level in query.eqf_levels
            if level not in entry.eqf_levels
        ]
    if entry.isced_fields:
        if not query.isced_fields:
            misses.append("the credential states no ISCED-F field")
        misses += [
            f"ISCED-F field {code} is not within {', '.join(entry.isced_fields)}"
            for code in query.isced_fields
            if not any(code.startswith(f) for f in entry.isced_fields)
        ]
    return misses


def _day(value: datetime) -> str:
    return value.date().isoformat()


def decide(entries: Sequence[RegistryEntry], query: TrustQuery, *, name: str) -> TrustAnswer:
    """Listed? Accredited when issued, and now? In scope? One answer naming the registry."""
    issuer, when, now = query.issuer, query.issued, query.now
    listing = [e for e in entries if issuer in e.dids]
    if not listing:
        return TrustAnswer(False, name, f"The issuer {issuer} is not listed in {name}.", {"listed": False})
    covering = [
        e for e in listing if e.valid_from <= when and (e.valid_until is None or when < e.valid_until)
    ]
    entry = covering[0] if covering else max(listing, key=lambda e: e.valid_from)
    then, current = entry.active_at(when), entry.active_at(now)
    facts: dict[str, Any] = {
        "listed": True,
        "provider": entry.legal_name,
        "qualityAssurance": entry.qa,
        "activeWhenIssued": then,
        "activeNow": current,
    }
    who = f"{entry.legal_name} ({issuer})"
    if not then:
        why = (
            f"it was {entry.state_at(when)} then"
            if covering
            else f"its listing runs from {_day(entry.valid_from)}"
            + (f" to {_day(entry.valid_until)}" if entry.valid_until else "")
        )
        return TrustAnswer(
            False,
            name,
            f"{who} is listed in {name} but was not accredited when this credential was issued ({_day(when)}): {why}.",
            facts,
        )
    misses = _misses(entry, query)
    if misses:
        facts["outOfScope"] = misses
        return TrustAnswer(
            False,
            name,
            f"{who} is accredited in {name} ({entry.qa}), but not for this credential: {'; '.join(misses)}.",
            facts,
        )
    sentence = f"{who} is accredited in {name} ({entry.qa}) for this credential, and was when it was issued ({_day(when)})"
    withdrawn = entry.withdrawn_at()
    if current:
        sentence += "."
    elif withdrawn is not None and withdrawn > when:
        facts["withdrawn"] = withdrawn.isoformat().replace("+00:00", "Z")
        sentence = (
            f"{who} was accredited in {name} ({entry.qa}) when this credential was issued ({_day(when)}); "
            f"the accreditation was withdrawn on {_day(withdrawn)}."
        )
    else:
        ended = entry.valid_until is not None and now >= entry.valid_until
        sentence = (
            f"{who} was accredited in {name} ({entry.qa}) when this credential was issued ({_day(when)}); "
            f"today the listing is {'expired' if ended else entry.state_at(now)}."
        )
    return TrustAnswer(True, name, sentence, facts)


@dataclass
class MicrocredRegistry:
    """A microcred registry's signed export, from ``url`` (through the guarded fetcher) or a local ``path``."""

    name: str
    registry_did: str
    resolver: suites.Resolver
    fetcher: Fetcher | None = None
    url: str | None = None
    path: Path | None = None
    max_bytes: int = 4_194_304
    _last: tuple[bytes, list[RegistryEntry]] | None = field(default=None, repr=False)

    def _raw(self) -> bytes:
        return read_source(
            path=self.path,
            fetcher=self.fetcher,
            url=self.url,
            max_bytes=self.max_bytes,
            accept="application/jose, application/jwt, text/plain",
        )

    def entries(self, *, now: datetime) -> list[RegistryEntry]:
        """The verified entries (the last verified export is reused while the same bytes come back)."""
        raw = self._raw()
        if self._last is not None and self._last[0] == raw:
            return self._last[1]
        _document, entries = read_export(
            raw, registry_did=self.registry_did, resolver=self.resolver, now=now, max_bytes=self.max_bytes
        )
        self._last = (raw, entries)
        return entries

    def evaluate(self, query: TrustQuery) -> TrustAnswer:
        """The registry's answer for one credential; "not checked" when the registry cannot be used."""
        try:
            entries = self.entries(now=query.now)
        except MicrocredError as exc:
            return TrustAnswer(
                None, self.name, f"{self.name} could not be consulted: {exc.detail}", {"reason": exc.detail}
            )
        return decide(entries, query, name=self.name)

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        """Without a credential: listed and active at ``when``, any scope."""
        return self.evaluate(TrustQuery(issuer=issuer, issued=when, now=when, resource=resource))
