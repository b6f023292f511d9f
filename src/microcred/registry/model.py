"""Entries of the register of trustworthy providers: who, accredited by whom, for what, when, in which state.

An entry lists one provider under one or more DIDs, with its quality-assurance (accreditation) body and
reference, a scope (OB3 achievement types, EQF levels, ISCED-F fields; empty = any), a validity period and a
state history (``active``, ``suspended``, ``withdrawn``; withdrawn is final). Council Recommendation 2022/C 243/01
and the MicroBOL "register of trustworthy providers"; shapes in ``shared/eu-elements.md`` §6.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from microcred.vc.errors import Conflict, InvalidInput, ValidationFailed

__all__ = [
    "EQF_LEVELS",
    "STATES",
    "Entry",
    "Scope",
    "ScopeVocabulary",
    "State",
    "StateChange",
    "achievement_types",
    "check_did",
    "check_no_overlap",
    "check_period",
    "check_transition",
    "eqf_code",
    "isced_code",
]

State = Literal["active", "suspended", "withdrawn"]
"""An entry's state: active, suspended or withdrawn."""
STATES: tuple[State, ...] = ("active", "suspended", "withdrawn")
"""Every state, in the order they are listed."""
EQF_LEVELS = frozenset(str(n) for n in range(1, 9))
EQF_URI = "http://data.europa.eu/snb/eqf/"
ISCED_URI = "http://data.europa.eu/snb/isced-f/"

# DID syntax, https://www.w3.org/TR/did-core/#did-syntax (method-specific id: idchars and pct-encoded, colons between)
_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
_DID = re.compile(rf"did:[a-z0-9]+:(?:{_IDCHAR}*:)*{_IDCHAR}+")
_MAX_DID = 500
_SCHEMA = Path(__file__).resolve().parents[1] / "vc" / "schemas" / "ob_v3p0_achievementcredential_schema.json"
_EXT_TYPE = re.compile(r"ext:[A-Za-z0-9._-]+")


@cache
def achievement_types() -> frozenset[str]:
    """The OB 3.0 ``achievementType`` enumeration, read from the pinned OB3 JSON Schema in ``vc/schemas``."""
    schema = json.loads(_SCHEMA.read_text(encoding="utf-8"))
    choices = schema["$defs"]["Achievement"]["properties"]["achievementType"]["oneOf"]
    return frozenset(v for choice in choices for v in choice.get("enum", ()))


def check_did(value: str, *, pointer: str = "/dids") -> str:
    """``value`` if it is a DID (DID Core syntax, no path, query or fragment); InvalidInput otherwise."""
    if not isinstance(value, str) or len(value) > _MAX_DID or not _DID.fullmatch(value):
        raise InvalidInput(
            f'"{value}" is not a DID: expected did:<method>:<id> (e.g. did:web:uni.example), '
            "without a path, query or fragment",
            pointer=pointer,
        )
    if value.startswith("did:web:") and not value.split(":")[2].replace("%3A", ":").split(":")[0]:
        raise InvalidInput(f'"{value}" has no host', pointer=pointer)
    return value


def eqf_code(value: str) -> str | None:
    """The EQF level code ("1".."8") of a code or an EU vocabulary URI, or None."""
    code = value[len(EQF_URI) :] if value.startswith(EQF_URI) else value
    return code if code in EQF_LEVELS else None


def isced_code(value: str) -> str:
    """The ISCED-F code of a code or an EU vocabulary URI (not checked against the list)."""
    return value[len(ISCED_URI) :] if value.startswith(ISCED_URI) else value


@dataclass(frozen=True)
class ScopeVocabulary:
    """The codes a scope may use; the ISCED-F list comes from the caller (the issuer's shipped vocabulary)."""

    isced_fields: frozenset[str]
    types: frozenset[str] = field(default_factory=achievement_types)


@dataclass(frozen=True)
class Scope:
    """What a provider is recognised for; an empty list means "any"."""

    achievement_types: tuple[str, ...] = ()
    eqf_levels: tuple[str, ...] = ()
    isced_fields: tuple[str, ...] = ()

    @classmethod
    def checked(
        cls,
        *,
        achievement_types: Iterable[str] = (),
        eqf_levels: Iterable[str] = (),
        isced_fields: Iterable[str] = (),
        vocabulary: ScopeVocabulary,
        pointer: str = "/scope",
    ) -> Scope:
        """A scope with every code checked and normalised (EQF and ISCED-F URIs become codes); lists each error."""
        errors: list[dict[str, str]] = []
        types: list[str] = []
        for i, value in enumerate(achievement_types):
            if value in vocabulary.types or (isinstance(value, str) and _EXT_TYPE.fullmatch(value)):
                types.append(value)
            else:
                errors.append(
                    {
                        "pointer": f"{pointer}/achievementTypes/{i}",
                        "detail": f'"{value}" is not an OB 3.0 achievementType (e.g. MicroCredential, Course, ext:Name)',
                    }
                )
        levels: list[str] = []
        for i, value in enumerate(eqf_levels):
            code = eqf_code(str(value))
            if code is None:
                errors.append(
                    {
                        "pointer": f"{pointer}/eqfLevels/{i}",
                        "detail": f'"{value}" is not an EQF level: use 1..8 or {EQF_URI}<n>',
                    }
                )
            else:
                levels.append(code)
        fields: list[str] = []
        for i, value in enumerate(isced_fields):
            code = isced_code(str(value))
            if code not in vocabulary.isced_fields:
                errors.append(
                    {
                        "pointer": f"{pointer}/iscedF/{i}",
                        "detail": f'"{value}" is not an ISCED-F 2013 field code (e.g. 06, 061, 0613)',
                    }
                )
            else:
                fields.append(code)
        if errors:
            detail = "; ".join(e["detail"] for e in errors)
            raise ValidationFailed(f"unknown scope codes: {detail}", errors=errors)
        return cls(
            achievement_types=tuple(dict.fromkeys(types)),
            eqf_levels=tuple(sorted(set(levels), key=int)),
            isced_fields=tuple(sorted(set(fields))),
        )

    def misses(
        self,
        *,
        types: Collection[str],
        eqf_levels: Collection[str],
        isced_fields: Collection[str],
        require_stated: bool = True,
    ) -> list[str]:
        """What of a credential falls outside this scope, as phrases (empty: in scope).

        A credential in scope must have one listed type and every EQF level and ISCED-F field it states covered
        (a field is covered by itself or a broader field: 06 covers 0613); when the scope restricts a dimension
        and the credential states nothing for it, that is a miss too (it cannot be shown to be in scope), unless
        ``require_stated`` is false (a TRQP query that leaves a dimension out asks about the others only).
        """
        misses: list[str] = []
        if self.achievement_types and not set(types) & set(self.achievement_types):
            if types:
                stated = ", ".join(sorted(types))
                misses.append(f"achievement type {stated} is not among {', '.join(self.achievement_types)}")
            elif require_stated:
                misses.append("the credential states no achievement type")
        if self.eqf_levels:
            if not eqf_levels and require_stated:
                misses.append("the credential states no EQF level")
            for level in sorted(eqf_levels):
                if level not in self.eqf_levels:
                    misses.append(f"EQF level {level} is not among levels {', '.join(self.eqf_levels)}")
        if self.isced_fields:
            if not isced_fields and require_stated:
                misses.append("the credential states no ISCED-F field")
            for code in sorted(isced_fields):
                if not any(code.startswith(f) for f in self.isced_fields):
                    misses.append(f"ISCED-F field {code} is not within {', '.join(self.isced_fields)}")
        return misses

    def as_json(self) -> dict[str, list[str]]:
        """The JSON form used by the API and the export."""
        return {
            "achievementTypes": list(self.achievement_types),
            "eqfLevels": list(self.eqf_levels),
            "iscedF": list(self.isced_fields),
        }


@dataclass(frozen=True)
class StateChange:
    """One step of an entry's state history."""

    state: State
    at: datetime
    reason: str = ""

    def as_json(self) -> dict[str, str]:
        """JSON form."""
        return {"state": self.state, "at": _iso(self.at), "reason": self.reason}


@dataclass(frozen=True)
class Entry:
    """One listed provider."""

    id: str
    dids: tuple[str, ...]
    legal_name: str
    country: str
    region: str | None
    url: str | None
    qa_body: str
    qa_body_id: str | None
    qa_reference: str | None
    scope: Scope
    valid_from: datetime
    valid_until: datetime | None
    history: tuple[StateChange, ...]
    institution: str | None = None

    @property
    def state(self) -> State:
        """The current state (the last history step)."""
        return self.history[-1].state

    def state_at(self, when: datetime) -> State:
        """The state in force at ``when``: the last change at or before it (the first state before any change)."""
        current = self.history[0].state
        for change in self.history:
            if change.at <= when:
                current = change.state
        return current

    def active_at(self, when: datetime) -> bool:
        """Within the validity period and in the ``active`` state at ``when``."""
        if when < self.valid_from or (self.valid_until is not None and when >= self.valid_until):
            return False
        return self.state_at(when) == "active"

    def effective_until(self) -> datetime | None:
        """When the listing ends: ``valid_until``, or earlier if it was withdrawn."""
        ends = [c.at for c in self.history if c.state == "withdrawn"]
        if self.valid_until is not None:
            ends.append(self.valid_until)
        return min(ends) if ends else None

    def withdrawn_at(self) -> datetime | None:
        """When the entry was withdrawn, if it was."""
        return next((c.at for c in self.history if c.state == "withdrawn"), None)

    def as_json(self) -> dict[str, Any]:
        """The entry as the API and the signed export show it."""
        return {
            "id": self.id,
            "dids": list(self.dids),
            "legalName": self.legal_name,
            "country": self.country,
            "region": self.region,
            "url": self.url,
            "qualityAssurance": {
                "body": self.qa_body,
                "bodyId": self.qa_body_id,
                "reference": self.qa_reference,
            },
            "scope": self.scope.as_json(),
            "validFrom": _iso(self.valid_from),
            "validUntil": _iso(self.valid_until) if self.valid_until else None,
            "state": self.state,
            "history": [c.as_json() for c in self.history],
            "institution": self.institution,
        }


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def check_period(valid_from: datetime, valid_until: datetime | None) -> None:
    """``validUntil`` must come after ``validFrom``; both timezone-aware."""
    if valid_from.tzinfo is None or (valid_until is not None and valid_until.tzinfo is None):
        raise InvalidInput('"validFrom" and "validUntil" need a time zone (e.g. 2026-01-01T00:00:00Z)')
    if valid_until is not None and valid_until <= valid_from:
        raise InvalidInput('"validUntil" must be later than "validFrom"', pointer="/validUntil")


def check_no_overlap(
    dids: Sequence[str],
    valid_from: datetime,
    valid_until: datetime | None,
    *,
    others: Iterable[Entry],
    ignore: str | None = None,
) -> None:
    """Conflict when another entry lists one of ``dids`` for an overlapping period (withdrawal ends a period)."""
    for other in others:
        if other.id == ignore:
            continue
        shared = sorted(set(dids) & set(other.dids))
        if not shared:
            continue
        other_end = other.effective_until()
        starts_before_other_ends = other_end is None or valid_from < other_end
        ends_after_other_starts = valid_until is None or valid_until > other.valid_from
        if starts_before_other_ends and ends_after_other_starts:
            until = _iso(other_end) if other_end else "open-ended"
            raise Conflict(
                f"{', '.join(shared)} is already listed by entry {other.id} for an overlapping period "
                f"({_iso(other.valid_from)} to {until}); end or withdraw that entry first"
            )


_TRANSITIONS: Mapping[State, frozenset[State]] = {
    "active": frozenset({"suspended", "withdrawn"}),
    "suspended": frozenset({"active", "withdrawn"}),
    "withdrawn": frozenset(),
}


def check_transition(current: State, new: str) -> State:
    """The new state if the change is allowed (withdrawn is final); InvalidInput or Conflict otherwise."""
    state = next((s for s in STATES if s == new), None)
    if state is None:
        raise InvalidInput(f'"state" must be one of {", ".join(STATES)}; got "{new}"', pointer="/state")
    if state not in _TRANSITIONS[current]:
        raise Conflict(f"an entry that is {current} cannot become {state}")
    return state
