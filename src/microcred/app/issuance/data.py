"""Data access for issued credentials; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.app.db.tables import (
    Achievement,
    AchievementVersion,
    Batch,
    Institution,
    IssuedCredential,
)
from microcred.vc.errors import NotFound

__all__ = [
    "credential_by_idempotency_key",
    "credential_or_none",
    "find_credential",
    "list_credentials",
]


def credential_by_idempotency_key(
    session: Session, *, institution: Institution, key: str
) -> IssuedCredential | None:
    """The credential issued for ``key`` by ``institution``, if any."""
    return session.scalar(
        select(IssuedCredential).where(
            IssuedCredential.institution_id == institution.id, IssuedCredential.idempotency_key == key
        )
    )


def credential_or_none(session: Session, *, public_id: str) -> IssuedCredential | None:
    """The credential ``public_id``, or None."""
    return session.scalar(select(IssuedCredential).where(IssuedCredential.public_id == public_id))


def find_credential(session: Session, *, public_id: str) -> IssuedCredential:
    """The credential ``public_id``; NotFound otherwise."""
    row = credential_or_none(session, public_id=public_id)
    if row is None:
        raise NotFound(f'no credential "{public_id}"')
    return row


def list_credentials(
    session: Session,
    *,
    institution: Institution,
    achievement: Achievement | None = None,
    subject: str | None = None,
    batch: Batch | None = None,
    issued_after: datetime | None = None,
    issued_before: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[IssuedCredential]:
    """The institution's credentials, newest first, filtered."""
    query = select(IssuedCredential).where(IssuedCredential.institution_id == institution.id)
    if achievement is not None:
        versions = select(AchievementVersion.id).where(AchievementVersion.achievement_id == achievement.id)
        query = query.where(IssuedCredential.achievement_version_id.in_(versions))
    if subject is not None:
        query = query.where(IssuedCredential.subject_did == subject)
    if batch is not None:
        query = query.where(IssuedCredential.batch_id == batch.id)
    if issued_after is not None:
        query = query.where(IssuedCredential.issued_at >= issued_after)
    if issued_before is not None:
        query = query.where(IssuedCredential.issued_at < issued_before)
    query = query.order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id.desc())
    return session.scalars(query.limit(limit).offset(offset)).all()
