"""The trust registry's database side: entries with their DIDs and state history.

Validation lives in ``registry/`` (DIDs, scope codes, periods, overlaps, state changes) and ``issuer.geo`` (country,
region); these functions keep the rows in step and turn them into ``registry.Entry`` values.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from microcred.app.db.tables import RegistryEntry, RegistryEntryDid, RegistryStateEvent
from microcred.app.institutions import data as institutions_data
from microcred.app.registry import data as registry_data
from microcred.issuer.geo import check_country, check_region
from microcred.issuer.vocab import vocabulary
from microcred.keys import did_web
from microcred.registry import (
    STATES,
    Entry,
    Scope,
    ScopeVocabulary,
    State,
    StateChange,
    check_did,
    check_no_overlap,
    check_period,
    check_transition,
)
from microcred.vc.errors import InvalidInput

__all__ = [
    "EntryFields",
    "add_entry",
    "change_state",
    "ensure_listed",
    "get_entry",
    "list_entries",
    "registry_did",
    "scope_vocabulary",
    "update_entry",
]


@cache
def scope_vocabulary() -> ScopeVocabulary:
    """Scope codes: OB3 achievement types, EQF 1-8 and the issuer's shipped ISCED-F 2013 list."""
    return ScopeVocabulary(isced_fields=frozenset(c.code for c in vocabulary("isced-f").concepts))


def registry_did(base_url: str) -> str:
    """The registry's own DID: ``did:web:HOST:registry`` (its document is served at ``/registry/did.json``)."""
    return did_web(base_url, "registry")


@dataclass(frozen=True)
class EntryFields:
    """What an operator gives for an entry (checked by :func:`add_entry` / :func:`update_entry`)."""

    dids: Sequence[str]
    legal_name: str
    country: str
    qa_body: str
    valid_from: datetime
    region: str | None = None
    url: str | None = None
    qa_body_id: str | None = None
    qa_reference: str | None = None
    valid_until: datetime | None = None
    achievement_types: Sequence[str] = ()
    eqf_levels: Sequence[str] = ()
    isced_fields: Sequence[str] = ()
    institution: str | None = None


def _entry(row: RegistryEntry) -> Entry:
    return Entry(
        id=row.public_id,
        dids=tuple(d.did for d in row.dids),
        legal_name=row.legal_name,
        country=row.country,
        region=row.region,
        url=row.url,
        qa_body=row.qa_body,
        qa_body_id=row.qa_body_id,
        qa_reference=row.qa_reference,
        scope=Scope(
            achievement_types=tuple(row.achievement_types),
            eqf_levels=tuple(row.eqf_levels),
            isced_fields=tuple(row.isced_fields),
        ),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        history=tuple(StateChange(state=_state(e.state), at=e.at, reason=e.reason) for e in row.events),
        institution=row.institution_slug,
    )


def _state(value: str) -> State:
    """A stored state (the table's CHECK constraint keeps it one of STATES)."""
    return next(s for s in STATES if s == value)


def list_entries(session: Session, *, limit: int | None = None, offset: int = 0) -> list[Entry]:
    """The entries, oldest first: all of them, or ``limit`` from ``offset`` on (a page of the public listing)."""
    return [_entry(row) for row in registry_data.entry_rows(session, limit=limit, offset=offset)]


def get_entry(session: Session, *, entry_id: str) -> Entry:
    """One entry; NotFound otherwise."""
    return _entry(registry_data.entry_row(session, public_id=entry_id))


def _checked(fields: EntryFields) -> tuple[list[str], Scope]:
    if not fields.dids:
        raise InvalidInput("an entry needs at least one DID", pointer="/dids")
    dids = [check_did(d, pointer=f"/dids/{i}") for i, d in enumerate(fields.dids)]
    if len(set(dids)) != len(dids):
        raise InvalidInput("the same DID is given twice", pointer="/dids")
    if not fields.legal_name.strip():
        raise InvalidInput('"legalName" must not be empty', pointer="/legalName")
    if not fields.qa_body.strip():
        raise InvalidInput(
            '"qualityAssurance.body" must name the accreditation or QA body', pointer="/qualityAssurance/body"
        )
    check_country(fields.country, pointer="/country")
    if fields.region is not None:
        check_region(fields.region, country=fields.country, pointer="/region")
    if fields.url is not None:
        parts = urlsplit(fields.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput('"url" must be an http(s) URL with a host', pointer="/url")
    check_period(fields.valid_from, fields.valid_until)
    scope = Scope.checked(
        achievement_types=fields.achievement_types,
        eqf_levels=fields.eqf_levels,
        isced_fields=fields.isced_fields,
        vocabulary=scope_vocabulary(),
    )
    return dids, scope


def _apply(row: RegistryEntry, fields: EntryFields, dids: list[str], scope: Scope) -> None:
    row.legal_name = fields.legal_name.strip()
    row.country = fields.country
    row.region = fields.region
    row.url = fields.url
    row.qa_body = fields.qa_body.strip()
    row.qa_body_id = fields.qa_body_id
    row.qa_reference = fields.qa_reference
    row.achievement_types = list(scope.achievement_types)
    row.eqf_levels = list(scope.eqf_levels)
    row.isced_fields = list(scope.isced_fields)
    row.valid_from = fields.valid_from
    row.valid_until = fields.valid_until
    current = {d.did: d for d in row.dids}
    row.dids = [current.get(did) or RegistryEntryDid(did=did) for did in dids]


def add_entry(session: Session, *, fields: EntryFields, now: datetime, reason: str = "listed") -> Entry:
    """Validate and insert an active entry; Conflict if one of its DIDs is listed for an overlapping period."""
    dids, scope = _checked(fields)
    check_no_overlap(dids, fields.valid_from, fields.valid_until, others=list_entries(session))
    row = RegistryEntry(
        public_id=str(uuid.uuid4()), state="active", institution_slug=fields.institution, created_at=now
    )
    _apply(row, fields, dids, scope)
    row.events = [RegistryStateEvent(state="active", at=now, reason=reason)]
    session.add(row)
    session.flush()
    return _entry(row)


def update_entry(session: Session, *, entry_id: str, fields: EntryFields) -> Entry:
    """Replace an entry's facts (not its state); the same checks as when adding."""
    row = registry_data.entry_row(session, public_id=entry_id)
    dids, scope = _checked(fields)
    check_no_overlap(
        dids, fields.valid_from, fields.valid_until, others=list_entries(session), ignore=entry_id
    )
    _apply(row, fields, dids, scope)
    session.flush()
    return _entry(row)


def change_state(session: Session, *, entry_id: str, state: str, reason: str, now: datetime) -> Entry:
    """Suspend, reactivate or withdraw an entry, recording when and why (withdrawn is final)."""
    row = registry_data.entry_row(session, public_id=entry_id)
    current = _entry(row)
    new = check_transition(current.state, state)
    if len(reason) > 500:
        raise InvalidInput('"reason" must be at most 500 characters', pointer="/reason")
    row.state = new
    row.events.append(RegistryStateEvent(state=new, at=now, reason=reason))
    session.flush()
    return _entry(row)


def ensure_listed(
    session: Session,
    *,
    slug: str,
    qa_body: str,
    now: datetime,
    qa_reference: str | None = None,
    qa_body_id: str | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    achievement_types: Sequence[str] = (),
    eqf_levels: Sequence[str] = (),
    isced_fields: Sequence[str] = (),
) -> tuple[Entry, bool]:
    """List the institution ``slug`` from its microcred record (name, country, region, web site, did:web).

    Returns the entry and whether it was created; an institution already listed and active now is left as is.
    """
    institution = institutions_data.get_institution(session, slug=slug)
    for entry in list_entries(session):
        if institution.did in entry.dids and entry.active_at(now):
            return entry, False
    fields = EntryFields(
        dids=[institution.did],
        legal_name=institution.name,
        country=institution.country,
        region=institution.region,
        url=institution.url,
        qa_body=qa_body,
        qa_body_id=qa_body_id,
        qa_reference=qa_reference,
        valid_from=valid_from
        or institution.created_at.replace(microsecond=0),  # credentials carry whole seconds
        valid_until=valid_until,
        achievement_types=achievement_types,
        eqf_levels=eqf_levels,
        isced_fields=isced_fields,
        institution=slug,
    )
    return add_entry(
        session, fields=fields, now=now, reason=f"listed from microcred institution {slug}"
    ), True
