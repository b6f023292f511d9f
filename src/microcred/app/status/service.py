"""Status lists over the database: entries allocated inside the issuing transaction, status changes with their
audit trail, and the signed BitstringStatusListCredential derived from the entries' bits on read.

Nothing is published apart from the database: the list served is always computed from committed ``status_entry``
rows (re-signed when its version changed, or at most every ``publish_interval`` seconds), so a crash after a
change commits can never lose the change. https://www.w3.org/TR/vc-bitstring-status-list/
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from microcred.app.core.settings import Settings
from microcred.app.db.engine import begins_immediate
from microcred.app.db.tables import (
    Institution,
    IssuedCredential,
    StatusEntry,
    StatusEvent,
    StatusList,
    StatusListPublication,
    WalletOffer,
)
from microcred.app.institutions.keyring import active_signer
from microcred.contexts import offline_loader
from microcred.issuer.status_list import (
    PURPOSES,
    Bitstring,
    Randomness,
    list_credential,
    status_entry,
)
from microcred.keys import KeyStore
from microcred.suites import sign
from microcred.vc.errors import Conflict, InvalidInput, NotFound

__all__ = [
    "Actor",
    "Claim",
    "Publication",
    "StatusAllocator",
    "StatusChange",
    "StatusConfig",
    "allocate_entries",
    "allocate_entry",
    "change_status",
    "credential_status_view",
    "list_url",
    "publish",
]

RANDOM_PROBES = 32
"""Random indices tried before reading the list's used indices (only needed once a list is nearly full)."""

_LOADER = offline_loader()


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


def _lock_sqlite_for_writing(session: Session) -> None:
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
    _lock_sqlite_for_writing(session)
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
    _lock_sqlite_for_writing(session)
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


@dataclass(frozen=True)
class Publication:
    """A signed list credential as served: JSON text, strong ETag, version, max-age for Cache-Control."""

    document: str
    etag: str
    version: int
    max_age: int


def _fresh(
    latest: StatusListPublication, status_list: StatusList, *, config: StatusConfig, now: datetime
) -> bool:
    """Serve ``latest`` again? Yes while half its validity remains and either the list did not change since it
    was signed or the last signing is younger than the publish interval (the configured batching)."""
    half_life = timedelta(seconds=config.validity_seconds / 2)
    if now >= latest.signed_at + half_life:
        return False
    if latest.version == status_list.version:
        return True
    return now < latest.signed_at + timedelta(seconds=config.publish_interval_seconds)


def _bits(session: Session, status_list: StatusList) -> Bitstring:
    """The list's bits from the committed entries (the only source of truth)."""
    indices = session.scalars(
        select(StatusEntry.list_index).where(
            StatusEntry.list_id == status_list.id, StatusEntry.status.is_(True)
        )
    )
    return Bitstring.with_set(status_list.size, indices)


def publish(
    session: Session,
    *,
    list_public_id: str,
    config: StatusConfig,
    keystore: KeyStore,
    now: datetime,
    version: int | None = None,
) -> Publication:
    """The signed list credential to serve: the newest signing when still fresh, else a new one (stored; earlier
    ones are kept). ``version`` asks for a kept signing of that list version instead."""
    status_list = session.scalar(select(StatusList).where(StatusList.public_id == list_public_id))
    if status_list is None:
        raise NotFound(f'no status list "{list_public_id}"')
    query = select(StatusListPublication).where(StatusListPublication.list_id == status_list.id)
    if version is not None:
        kept = session.scalars(
            query.where(StatusListPublication.version == version)
            .order_by(StatusListPublication.id.desc())
            .limit(1)
        ).first()
        if kept is None:
            raise NotFound(f'status list "{list_public_id}" has no signed version {version}')
        return Publication(kept.document, kept.etag, kept.version, config.ttl_seconds)
    latest = session.scalars(query.order_by(StatusListPublication.id.desc()).limit(1)).first()
    if latest is not None and _fresh(latest, status_list, config=config, now=now):
        return Publication(latest.document, latest.etag, latest.version, config.ttl_seconds)
    institution = session.get(Institution, status_list.institution_id)
    if institution is None:  # the foreign key makes this unreachable
        raise NotFound(f'status list "{list_public_id}" lost its institution')
    unsigned = list_credential(
        list_url=list_url(config.base_url, status_list.public_id),
        issuer=institution.did,
        purpose=status_list.purpose,
        bits=_bits(session, status_list),
        valid_from=now,
        valid_for=timedelta(seconds=config.validity_seconds),
        ttl_ms=config.ttl_seconds * 1000,
    )
    signer = active_signer(session, keystore=keystore, institution=institution)
    signed = sign(unsigned, signer=signer, loader=_LOADER, created=now)
    text = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
    etag = hashlib.sha256(text.encode("utf-8")).hexdigest()
    session.add(
        StatusListPublication(
            list_id=status_list.id,
            version=status_list.version,
            document=text,
            etag=etag,
            signed_at=now,
            valid_until=now + timedelta(seconds=config.validity_seconds),
        )
    )
    session.flush()
    return Publication(text, etag, status_list.version, config.ttl_seconds)
