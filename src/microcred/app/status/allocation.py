"""Status list entries allocated inside the issuing transaction: a random free index of an open list per purpose,
a new list when none has room. https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from microcred.app.core.settings import Settings
from microcred.app.db.engine import begins_immediate
from microcred.app.db.tables import (
    Institution,
    StatusEntry,
    StatusList,
)
from microcred.issuer.status_list import (
    PURPOSES,
    Randomness,
    status_entry,
)

__all__ = [
    "RANDOM_PROBES",
    "Claim",
    "StatusAllocator",
    "StatusConfig",
    "allocate_entries",
    "allocate_entry",
    "list_url",
    "lock_for_writing",
]

RANDOM_PROBES = 32
"""Random indices tried before reading the list's used indices (only needed once a list is nearly full)."""


def list_url(base_url: str, public_id: str) -> str:
    """The public URL of a list: its ``statusListCredential`` and the list credential's ``id``."""
    return f"{base_url}/status/{public_id}"


@dataclass(frozen=True)
class StatusConfig:
    """What status lists are made of: sizes, purposes per institution, publishing times, randomness."""

    base_url: str
    list_size: int = 131_072
    suspension: bool = False
    suspension_institutions: Mapping[str, bool] = field(default_factory=dict)
    ttl_seconds: int = 1
    publish_interval_seconds: float = 0.0
    validity_seconds: int = 3600
    randbelow: Randomness = secrets.randbelow
    random_probes: int = RANDOM_PROBES

    @classmethod
    def from_settings(cls, settings: Settings) -> StatusConfig:
        """The configuration the settings describe (the README's status rows)."""
        return cls(
            base_url=settings.base_url,
            list_size=settings.status_list_size,
            suspension=settings.status_suspension,
            suspension_institutions=dict(settings.status_suspension_institutions),
            ttl_seconds=settings.status_list_ttl_seconds,
            publish_interval_seconds=settings.status_list_publish_interval_seconds,
            validity_seconds=settings.status_list_validity_seconds,
        )

    def purposes(self, institution: Institution) -> tuple[str, ...]:
        """Revocation always; suspension when the institution (or the global default) enables it."""
        enabled = self.suspension_institutions.get(institution.slug, self.suspension)
        return PURPOSES if enabled else ("revocation",)


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_for_writing(session: Session) -> None:
    """SQLite: make sure the transaction holds the database write lock, so the reads that follow and the writes
    they decide see one state. Engines of ``app.db.make_engine`` begin every transaction with ``BEGIN IMMEDIATE``
    (nothing to do); on another SQLite engine a no-op UPDATE takes the lock. PostgreSQL needs no such lock: unique
    keys and row locks decide there."""
    if not _postgres(session) and not begins_immediate(session.connection()):
        session.execute(text("UPDATE status_list SET version = version WHERE 0 = 1"))


def _insert_new(
    session: Session, table: type[StatusEntry] | type[StatusList], key: list[str], **values: Any
) -> int | None:
    """``INSERT … ON CONFLICT (key) DO NOTHING RETURNING id``: the new row's id, or None when ``key`` is taken - by
    a committed row, or on PostgreSQL by a concurrent transaction, whose outcome the statement waits for. One round
    trip; no savepoint, and any other constraint still raises."""
    dialect = postgresql if _postgres(session) else sqlite
    statement = (
        dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=key).returning(table.id)
    )
    new_id: int | None = session.scalar(statement)
    return new_id


def _open_list(
    session: Session, *, institution: Institution, purpose: str, config: StatusConfig, now: datetime
) -> StatusList:
    """The institution's open list for ``purpose``, opening the next one when none is left."""
    while True:
        found = session.scalars(
            select(StatusList)
            .where(
                StatusList.institution_id == institution.id,
                StatusList.purpose == purpose,
                StatusList.full.is_(False),
            )
            .order_by(StatusList.sequence)
            .limit(1)
        ).first()
        if found is not None:
            return found
        last = session.scalar(
            select(StatusList.sequence)
            .where(StatusList.institution_id == institution.id, StatusList.purpose == purpose)
            .order_by(StatusList.sequence.desc())
            .limit(1)
        )
        new_id = _insert_new(
            session,
            StatusList,
            ["institution_id", "purpose", "sequence"],
            public_id=str(uuid.uuid4()),
            institution_id=institution.id,
            purpose=purpose,
            sequence=(last or 0) + 1,
            size=config.list_size,
            full=False,
            version=0,
            created_at=now,
        )
        if new_id is not None:
            opened = session.get(StatusList, new_id)
            assert opened is not None  # just inserted by this transaction
            return opened
        # Another transaction opened that list first; loop and use it.


@dataclass(frozen=True)
class Claim:
    """An index claimed for a credential: the list, the index, the ``status_entry`` row's id."""

    status_list: StatusList
    index: int
    entry_id: int


def _claim_many(session: Session, status_list: StatusList, picks: Mapping[int, str]) -> dict[str, Claim]:
    """Claim ``picks`` (index -> credential public id) with ``INSERT … ON CONFLICT DO NOTHING RETURNING``, sent as
    multi-row statements by SQLAlchemy's "insertmanyvalues" (one compiled statement, indices ascending so concurrent
    transactions take their keys in one order); the claims won, by credential. An index taken by a committed or
    (PostgreSQL) concurrent transaction is simply not returned."""
    if not picks:
        return {}
    dialect = postgresql if _postgres(session) else sqlite
    statement = (
        dialect.insert(StatusEntry.__table__)
        .on_conflict_do_nothing(index_elements=["list_id", "list_index"])
        .returning(StatusEntry.id, StatusEntry.list_index, StatusEntry.credential_public_id)
    )
    values = [
        {"list_id": status_list.id, "list_index": index, "credential_public_id": public_id, "status": False}
        for index, public_id in sorted(picks.items())
    ]
    rows = session.connection().execute(statement, values)
    return {public_id: Claim(status_list, index, entry_id) for entry_id, index, public_id in rows}


def _random_candidates(size: int, count: int, avoid: set[int], randbelow: Randomness) -> list[int]:
    """Up to ``count`` distinct random indices of ``[0, size)`` outside ``avoid`` (fewer when draws repeat)."""
    picked: set[int] = set()
    for _ in range(4 * count):
        if len(picked) == count:
            break
        index = randbelow(size)
        if index not in avoid:
            picked.add(index)
    return list(picked)


def allocate_entries(
    session: Session,
    *,
    institution: Institution,
    purpose: str,
    credential_public_ids: list[str],
    config: StatusConfig,
    now: datetime,
) -> list[Claim]:
    """A random unused index of the institution's open ``purpose`` list for each credential, claimed in a few
    statements (not committed); the claims in the order of ``credential_public_ids``.

    Random probes first, all credentials at once: up to ``random_probes`` rounds of one multi-row INSERT that skips
    taken indices (no lock: the unique (list, index) key decides between concurrent issuers; only the losers are
    drawn again). Then - a nearly full list - the list's used indices are read once and the rest get random free
    ones (the k-th free index, k random, as ``choose_free_index``); when none is free the list is marked full and
    the next one opened.
    """
    lock_for_writing(session)
    claims: dict[str, Claim] = {}
    waiting = list(dict.fromkeys(credential_public_ids))
    while waiting:
        status_list = _open_list(session, institution=institution, purpose=purpose, config=config, now=now)
        taken: set[int] = set()
        for _ in range(config.random_probes):
            if not waiting:
                break
            candidates = _random_candidates(status_list.size, len(waiting), taken, config.randbelow)
            if not candidates:
                break
            won = _claim_many(session, status_list, dict(zip(candidates, waiting, strict=False)))
            claims.update(won)
            taken.update(candidates)  # won by us or taken by someone else: either way not free
            waiting = [public_id for public_id in waiting if public_id not in won]
        if not waiting:
            break
        used = set(
            session.scalars(select(StatusEntry.list_index).where(StatusEntry.list_id == status_list.id))
        )
        free = [index for index in range(status_list.size) if index not in used]
        while waiting and free:
            picks = {free.pop(config.randbelow(len(free))): public_id for public_id in waiting[: len(free)]}
            won = _claim_many(session, status_list, picks)
            claims.update(won)
            waiting = [public_id for public_id in waiting if public_id not in won]
        if waiting:
            session.execute(update(StatusList).where(StatusList.id == status_list.id).values(full=True))
            status_list.full = True
    return [claims[public_id] for public_id in credential_public_ids]


def allocate_entry(
    session: Session,
    *,
    institution: Institution,
    purpose: str,
    credential_public_id: str,
    config: StatusConfig,
    now: datetime,
) -> Claim:
    """A random unused index of the institution's open ``purpose`` list, claimed for the credential (not committed);
    ``allocate_entries`` for one credential."""
    [claim] = allocate_entries(
        session,
        institution=institution,
        purpose=purpose,
        credential_public_ids=[credential_public_id],
        config=config,
        now=now,
    )
    return claim


@dataclass(frozen=True)
class StatusAllocator:
    """The issuance hook: the ``credentialStatus`` of a credential about to be signed, entries claimed in the same
    transaction (one object with revocation only, as OB 3.0 allows; an array when suspension is on too)."""

    config: StatusConfig
    clock: Callable[[], datetime]

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], datetime]) -> StatusAllocator:
        """The allocator every issuance path uses: the status configuration the settings describe."""
        return cls(StatusConfig.from_settings(settings), clock)

    def __call__(self, session: Session, *, institution: Institution, credential_public_id: str) -> Any:
        [status] = self.many(session, institution=institution, credential_public_ids=[credential_public_id])
        return status

    def many(
        self, session: Session, *, institution: Institution, credential_public_ids: list[str]
    ) -> list[Any]:
        """The ``credentialStatus`` of each credential, in order; each purpose's entries claimed together."""
        per_purpose = [
            (
                purpose,
                allocate_entries(
                    session,
                    institution=institution,
                    purpose=purpose,
                    credential_public_ids=credential_public_ids,
                    config=self.config,
                    now=self.clock(),
                ),
            )
            for purpose in self.config.purposes(institution)
        ]
        statuses: list[Any] = []
        for position in range(len(credential_public_ids)):
            entries = [
                status_entry(
                    list_url=list_url(self.config.base_url, claims[position].status_list.public_id),
                    index=claims[position].index,
                    purpose=purpose,
                )
                for purpose, claims in per_purpose
            ]
            statuses.append(entries[0] if len(entries) == 1 else entries)
        return statuses


# --- Changing a status ----------------------------------------------------------------------------------------------
