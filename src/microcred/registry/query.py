"""Trust Registry Query Protocol (TRQP v2) authorization queries over the register's entries.

"Is entity X authorized for action Y on resource Z by authority A, at time T?" — ``entity_id`` is the provider's DID,
``action`` is ``issue``, ``resource`` is ``eu-microcredential`` (optionally ``eu-microcredential:eqf-6``),
``authority_id`` is this registry's DID, ``context.time`` is T; the credential's scope can be given as context
members ``achievementType``, ``eqfLevel`` and ``iscedF`` (comma-separated strings, as TRQP context values are strings).
No matching record is a denial (``authorized: false``), not an error.

https://trustoverip.github.io/tswg-trust-registry-protocol/ (core/schema/trqp_authorization_request.jsonschema,
trqp_authorization_response.jsonschema; HTTPS binding ``POST /authorization``)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microcred.registry.model import Entry, check_did, eqf_code, isced_code
from microcred.vc.errors import InvalidInput

__all__ = ["ACTION", "RESOURCE", "AuthorizationQuery", "Decision", "decide", "parse_query", "trqp_response"]

ACTION = "issue"
"""The TRQP action a registry authorizes: issuing."""
RESOURCE = "eu-microcredential"
"""The TRQP resource a registry authorizes: EU micro-credentials."""
_CONTEXT_KEYS = {"achievementType", "eqfLevel", "iscedF", "time", "locator"}


@dataclass(frozen=True)
class AuthorizationQuery:
    """A parsed TRQP authorization request."""

    entity_id: str
    authority_id: str
    action: str
    resource: str
    time: datetime | None
    types: tuple[str, ...] = ()
    eqf_levels: tuple[str, ...] = ()
    isced_fields: tuple[str, ...] = ()
    context: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Decision:
    """The registry's answer for one provider at one time, with the facts behind it."""

    authorized: bool
    message: str
    entry: Entry | None = None
    active_then: bool = False
    active_now: bool = False
    misses: tuple[str, ...] = ()


def _string(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f'"{name}" must be a non-empty string', pointer=f"/{name}")
    return value


def _time(value: Any) -> datetime:
    if not isinstance(value, str) or not value.endswith("Z"):
        raise InvalidInput(
            '"context.time" must be an RFC 3339 time in UTC ending in Z', pointer="/context/time"
        )
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            '"context.time" must be an RFC 3339 time in UTC ending in Z', pointer="/context/time"
        ) from None


def _codes(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def parse_query(body: Any) -> AuthorizationQuery:
    """A TRQP authorization request body → query; InvalidInput names the field that is wrong."""
    if not isinstance(body, Mapping):
        raise InvalidInput("a TRQP authorization request must be a JSON object")
    entity = check_did(_string(body, "entity_id"), pointer="/entity_id")
    authority = body.get("authority_id", body.get("ecosystem_id"))
    if not isinstance(authority, str) or not authority:
        raise InvalidInput('"authority_id" must be a non-empty string', pointer="/authority_id")
    action = _string(body, "action")
    resource = _string(body, "resource")
    context = body.get("context") or {}
    if not isinstance(context, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in context.items()
    ):
        raise InvalidInput('"context" must be an object of strings', pointer="/context")
    unknown = sorted(set(context) - _CONTEXT_KEYS)
    if unknown:
        raise InvalidInput(
            f'unknown "context" members {", ".join(unknown)}; known: {", ".join(sorted(_CONTEXT_KEYS))}',
            pointer="/context",
        )
    levels = list(_codes(context.get("eqfLevel", "")))
    base, _, qualifier = resource.partition(":")
    if qualifier:
        if not qualifier.startswith("eqf-"):
            raise InvalidInput(
                f'"resource" must be "{RESOURCE}" or "{RESOURCE}:eqf-<level>"', pointer="/resource"
            )
        levels.append(qualifier[4:])
    checked_levels = []
    for level in levels:
        code = eqf_code(level)
        if code is None:
            raise InvalidInput(f'"{level}" is not an EQF level (1..8)', pointer="/context/eqfLevel")
        checked_levels.append(code)
    return AuthorizationQuery(
        entity_id=entity,
        authority_id=authority,
        action=action,
        resource=base,
        time=_time(context["time"]) if "time" in context else None,
        types=_codes(context.get("achievementType", "")),
        eqf_levels=tuple(dict.fromkeys(checked_levels)),
        isced_fields=tuple(isced_code(c) for c in _codes(context.get("iscedF", ""))),
        context=dict(context),
    )


def _day(value: datetime) -> str:
    return value.date().isoformat()


def decide(
    entries: Iterable[Entry],
    *,
    entity: str,
    when: datetime,
    now: datetime,
    registry: str,
    types: Iterable[str] = (),
    eqf_levels: Iterable[str] = (),
    isced_fields: Iterable[str] = (),
    require_stated: bool = False,
) -> Decision:
    """Whether ``entity`` was listed, active and in scope at ``when``, and whether it still is at ``now``.

    A TRQP query may leave scope dimensions out (``require_stated`` false): only those it states are checked.
    """
    listing = [e for e in entries if entity in e.dids]
    if not listing:
        return Decision(False, f"{entity} is not listed in {registry}.")
    covering = [
        e for e in listing if e.valid_from <= when and (e.valid_until is None or when < e.valid_until)
    ]
    entry = covering[0] if covering else max(listing, key=lambda e: e.valid_from)
    name = f"{entry.legal_name} ({entity})"
    then, current = entry.active_at(when), entry.active_at(now)
    misses = tuple(
        entry.scope.misses(
            types=set(types),
            eqf_levels=set(eqf_levels),
            isced_fields=set(isced_fields),
            require_stated=require_stated,
        )
    )
    qa = entry.qa_body + (f", {entry.qa_reference}" if entry.qa_reference else "")
    if not then:
        state = entry.state_at(when)
        why = (
            f"it was {state} then"
            if covering
            else f"its listing runs from {_day(entry.valid_from)}"
            + (f" to {_day(entry.valid_until)}" if entry.valid_until else "")
        )
        return Decision(
            False, f"{name} is listed in {registry} but was not accredited on {_day(when)}: {why}.", entry
        )
    if misses:
        return Decision(
            False,
            f"{name} is accredited in {registry} ({qa}), but not for this credential: {'; '.join(misses)}.",
            entry,
            True,
            current,
            misses,
        )
    message = f"{name} was accredited in {registry} ({qa}) on {_day(when)}"
    if current or when >= now:
        message += " and still is."
    else:
        withdrawn = entry.withdrawn_at()
        if withdrawn is not None and withdrawn > when:
            message += f"; the accreditation was withdrawn on {_day(withdrawn)}."
        else:
            message += f"; today it is {entry.state_at(now)}" + (
                " (validity ended)." if entry.valid_until and now >= entry.valid_until else "."
            )
    return Decision(True, message, entry, True, current)


def trqp_response(
    query: AuthorizationQuery, *, entries: Iterable[Entry], authority_id: str, registry: str, now: datetime
) -> dict[str, Any]:
    """The TRQP authorization response for ``query`` (``authorized`` false for anything not recognised)."""
    when = query.time or now
    if query.authority_id != authority_id:
        decision = Decision(False, f"{registry} answers for the authority {authority_id} only.")
    elif query.action != ACTION or query.resource != RESOURCE:
        decision = Decision(False, f'{registry} records only action "{ACTION}" on resource "{RESOURCE}".')
    else:
        decision = decide(
            entries,
            entity=query.entity_id,
            when=when,
            now=now,
            registry=registry,
            types=query.types,
            eqf_levels=query.eqf_levels,
            isced_fields=query.isced_fields,
        )
    response: dict[str, Any] = {
        "entity_id": query.entity_id,
        "authority_id": query.authority_id,
        "action": query.action,
        "resource": query.resource,
        "authorized": decision.authorized,
        "time_evaluated": now.isoformat().replace("+00:00", "Z"),
        "message": decision.message,
    }
    if query.time is not None:
        response["time_requested"] = query.time.isoformat().replace("+00:00", "Z")
    if query.context:
        response["context"] = dict(query.context)
    return response
