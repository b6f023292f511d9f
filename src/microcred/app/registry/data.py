"""Data access for the trust registry: entries and signing keys; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from microcred.app.db.tables import RegistryEntry, RegistryKey
from microcred.keys import GeneratedKey
from microcred.vc.errors import NotFound

__all__ = ["RegistryKeyRows", "entry_row", "entry_rows", "registry_key"]


def entry_rows(session: Session, *, limit: int | None = None, offset: int = 0) -> Sequence[RegistryEntry]:
    """Entries with their DIDs and state history, oldest first (``limit`` from ``offset`` on)."""
    return session.scalars(
        select(RegistryEntry)
        .options(selectinload(RegistryEntry.dids), selectinload(RegistryEntry.events))
        .order_by(RegistryEntry.id)
        .limit(limit)
        .offset(offset)
    ).all()


def entry_row(session: Session, *, public_id: str) -> RegistryEntry:
    """The entry ``public_id``; NotFound otherwise."""
    row = session.scalar(select(RegistryEntry).where(RegistryEntry.public_id == public_id))
    if row is None:
        raise NotFound(f'no registry entry "{public_id}"')
    return row


def registry_key(session: Session, *, kid: str, for_update: bool = False) -> RegistryKey | None:
    """The registry key ``kid`` (retired or not), or None."""
    query = select(RegistryKey).where(RegistryKey.kid == kid)
    return session.scalar(query.with_for_update() if for_update else query)


class RegistryKeyRows:
    """The registry's key ring rows (``registry_key``): a key is published until ``retired_at`` is set, and the
    newest published key signs."""

    def count(self, session: Session) -> int:
        """How many keys the registry ever had."""
        return session.scalar(select(func.count()).select_from(RegistryKey)) or 0

    def published(self, session: Session) -> Sequence[RegistryKey]:
        """The unretired keys, oldest first."""
        return list(
            session.scalars(
                select(RegistryKey).where(RegistryKey.retired_at.is_(None)).order_by(RegistryKey.id)
            )
        )

    def active(self, session: Session) -> RegistryKey | None:
        """The newest unretired key."""
        published = self.published(session)
        return published[-1] if published else None

    def add(self, session: Session, *, kid: str, generated: GeneratedKey, now: datetime) -> RegistryKey:
        """Insert a key; the unique kid makes one of two concurrent makers fail (IntegrityError)."""
        key = RegistryKey(
            kid=kid,
            public_key_multibase=generated.public_key_multibase,
            sealed_secret=generated.sealed_secret,
            created_at=now,
        )
        with session.begin_nested():
            session.add(key)
        return key

    def deactivate(self, session: Session, *, now: datetime) -> None:
        """Nothing to do: a newer key signs simply by being newer."""
