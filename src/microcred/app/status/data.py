"""Data access for status lists; the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import object_session

from microcred.app.db.tables import IssuedCredential, StatusEntry, StatusList

__all__ = ["set_statuses"]


def set_statuses(row: IssuedCredential) -> list[str]:
    """The status purposes whose bit is set for ``row`` (``revocation``, ``suspension``), from the issuer's lists."""
    session = object_session(row)
    if session is None:
        return []
    query = (
        select(StatusList.purpose)
        .join(StatusEntry, StatusEntry.list_id == StatusList.id)
        .where(StatusEntry.credential_public_id == row.public_id, StatusEntry.status.is_(True))
    )
    return sorted(session.scalars(query))
