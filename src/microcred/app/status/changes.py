"""Revoking, suspending and reinstating a credential: its status bits flip in one transaction with an audit event,
for the credential and every wallet copy of it. https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.app.db.tables import (
    Institution,
    IssuedCredential,
    StatusEntry,
    StatusEvent,
    StatusList,
    WalletOffer,
)
from microcred.app.status.allocation import list_url, lock_for_writing
from microcred.issuer.status_list import PURPOSES
from microcred.vc.errors import Conflict, InvalidInput, NotFound

__all__ = [
    "Actor",
    "StatusChange",
    "change_status",
    "credential_status_view",
]


@dataclass(frozen=True)
class Actor:
    """Who asks for a change: an API key (id and visible prefix) or the command line."""

    label: str
    api_key_id: int | None = None


@dataclass(frozen=True)
class StatusChange:
    """The outcome of a status request: the credential's statuses after it, and whether anything changed."""

    credential_id: str
    purpose: str
    status: bool
    changed: bool
    statuses: dict[str, bool]
    copies: dict[str, bool] = field(default_factory=dict)
    """The credential's wallet copies (re-issued bound to a holder's DID), ``urn:uuid:…`` → whether this request
    changed that copy: a copy follows its original, so revoking the original revokes what the wallets hold."""


def _credential(session: Session, *, institution: Institution, credential_id: str) -> IssuedCredential:
    public_id = credential_id.removeprefix("urn:uuid:")
    row = session.scalar(
        select(IssuedCredential).where(
            IssuedCredential.public_id == public_id, IssuedCredential.institution_id == institution.id
        )
    )
    if row is None:  # another institution's credential is "not found" too: ids are not confirmed to strangers
        raise NotFound(f'no credential "{credential_id}" issued by this institution', pointer="/credentialId")
    return row


def _entries(
    session: Session, *, credential: IssuedCredential, lock: bool
) -> dict[str, tuple[StatusEntry, StatusList]]:
    query = (
        select(StatusEntry, StatusList)
        .join(StatusList, StatusList.id == StatusEntry.list_id)
        .where(
            StatusEntry.credential_public_id == credential.public_id,
            StatusList.institution_id == credential.institution_id,
        )
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update(of=StatusEntry)
    return {lst.purpose: (entry, lst) for entry, lst in session.execute(query)}


def change_status(
    session: Session,
    *,
    institution: Institution,
    credential_id: str,
    purpose: str,
    status: bool,
    reason: str | None,
    actor: Actor,
    now: datetime,
) -> StatusChange:
    """Set (``status`` true) or clear a credential's bit for ``purpose``, with an audit event; not committed.

    Revocation is final: clearing it, or changing anything of a revoked credential, is a Conflict. Unknown purpose:
    InvalidInput; a purpose the credential has no entry for: Conflict; a credential of another institution:
    NotFound. A refused request changes nothing. Asking for the status it already has changes nothing either.

    The same change goes to the credential's wallet copies (``wallet_offer`` links each DID-bound re-issue to its
    original), each audited with the original named in its reason; a copy that is already revoked, or has no
    entry for ``purpose``, is left as it is and reported unchanged.
    """
    if purpose not in PURPOSES:
        raise InvalidInput(
            f'"credentialStatus.statusPurpose" must be one of {", ".join(PURPOSES)}, not {purpose!r}',
            pointer="/credentialStatus/statusPurpose",
        )
    credential = _credential(session, institution=institution, credential_id=credential_id)
    lock_for_writing(session)
    # Lock the credential's entries first (changes to one credential are serialized), then the list row below.
    entries = _entries(session, credential=credential, lock=True)
    if purpose not in entries:
        raise Conflict(
            f"this credential was issued without a {purpose} entry, so its {purpose} status cannot change",
            pointer="/credentialStatus/statusPurpose",
        )
    if _revoked(entries) and not (purpose == "revocation" and status):
        raise Conflict(
            "this credential is revoked, and revocation is final: it cannot be reinstated, suspended or unrevoked",
            pointer="/status",
        )
    # Every entry to change is locked before any list row (the original's, then its copies', oldest first), and
    # list rows in ascending id: a direct change of a copy, or of another credential, never waits in a cycle.
    follows = f"follows urn:uuid:{credential.public_id}" + (f": {reason}" if reason else "")
    targets = [(credential, entries[purpose][0], reason)]
    copies: dict[str, bool] = {}
    for copy in _wallet_copies(session, credential):
        copy_entries = _entries(session, credential=copy, lock=True)
        follow = purpose in copy_entries and not _revoked(copy_entries)
        if follow:
            targets.append((copy, copy_entries[purpose][0], follows))
        copies[f"urn:uuid:{copy.public_id}"] = follow and copy_entries[purpose][0].status != status
    changing = [(row, entry, why) for row, entry, why in targets if entry.status != status]
    lists = (
        {
            locked.id: locked
            for locked in session.scalars(
                select(StatusList)
                .where(StatusList.id.in_({entry.list_id for _, entry, _ in changing}))
                .order_by(StatusList.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        }
        if changing
        else {}
    )
    for row, entry, why in changing:
        # The list row lock orders the changes of one list: each gets its own version number, none is lost.
        locked = lists[entry.list_id]
        locked.version += 1
        entry.status = status
        session.add(
            StatusEvent(
                entry_id=entry.id,
                credential_public_id=row.public_id,
                purpose=purpose,
                status=status,
                actor=actor.label,
                api_key_id=actor.api_key_id,
                reason=why,
                list_version=locked.version,
                created_at=now,
            )
        )
    session.flush()
    changed = bool(changing) and changing[0][0] is credential
    statuses = {p: e.status for p, (e, _) in entries.items()}
    return StatusChange(credential_id, purpose, status, changed, statuses, copies)


def _revoked(entries: Mapping[str, tuple[StatusEntry, StatusList]]) -> bool:
    return "revocation" in entries and entries["revocation"][0].status


def _wallet_copies(session: Session, original: IssuedCredential) -> list[IssuedCredential]:
    """The DID-bound re-issues of ``original`` delivered to wallets, oldest first."""
    copy_ids = select(WalletOffer.credential_id).where(
        WalletOffer.source_credential_id == original.public_id,
        WalletOffer.credential_id != original.public_id,
    )
    return list(
        session.scalars(
            select(IssuedCredential)
            .where(
                IssuedCredential.public_id.in_(copy_ids),
                IssuedCredential.institution_id == original.institution_id,
            )
            .order_by(IssuedCredential.id)
        )
    )


def credential_status_view(
    session: Session, *, institution: Institution, credential_id: str, base_url: str
) -> dict[str, Any]:
    """A credential's current statuses and its audit trail, oldest change first."""
    credential = _credential(session, institution=institution, credential_id=credential_id)
    entries = _entries(session, credential=credential, lock=False)
    events = session.scalars(
        select(StatusEvent)
        .where(StatusEvent.credential_public_id == credential.public_id)
        .order_by(StatusEvent.id)
    ).all()
    return {
        "credentialId": f"urn:uuid:{credential.public_id}",
        "statuses": [
            {
                "statusPurpose": purpose,
                "status": entry.status,
                "statusListCredential": list_url(base_url, lst.public_id),
                "statusListIndex": str(entry.list_index),
            }
            for purpose, (entry, lst) in sorted(entries.items())
        ],
        "events": [
            {
                "statusPurpose": e.purpose,
                "status": e.status,
                "actor": e.actor,
                "reason": e.reason,
                "listVersion": e.list_version,
                "at": e.created_at.isoformat().replace("+00:00", "Z"),
            }
            for e in events
        ],
    }


# --- Publishing -------------------------------------------------------------------------------------------------------
