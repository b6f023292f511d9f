"""Data access for batches: batches, their rows and counts, claiming rows; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred.app.db.tables import (
    Batch,
    BatchRow,
    Institution,
)
from microcred.vc.errors import NotFound

__all__ = [
    "batch_counts",
    "batch_errors",
    "claim_rows",
    "get_batch",
    "pending_batches",
]


def get_batch(session: Session, *, public_id: str, institution: Institution | None = None) -> Batch:
    """The batch ``public_id`` (of ``institution`` when given); NotFound otherwise."""
    query = select(Batch).where(Batch.public_id == public_id)
    if institution is not None:
        query = query.where(Batch.institution_id == institution.id)
    batch = session.scalar(query)
    if batch is None:
        raise NotFound(f'no batch "{public_id}"')
    return batch


def batch_counts(session: Session, *, batch: Batch) -> dict[str, int]:
    """How many rows are pending, done and failed."""
    rows = session.execute(
        select(BatchRow.state, func.count()).where(BatchRow.batch_id == batch.id).group_by(BatchRow.state)
    ).all()
    counts = {"pending": 0, "done": 0, "failed": 0}
    counts.update({state: int(n) for state, n in rows})
    return counts


def batch_errors(session: Session, *, batch: Batch, limit: int = 1000) -> Sequence[BatchRow]:
    """The failed rows of a batch, by row number."""
    return session.scalars(
        select(BatchRow)
        .where(BatchRow.batch_id == batch.id, BatchRow.state == "failed")
        .order_by(BatchRow.row_number)
        .limit(limit)
    ).all()


def claim_rows(session: Session, *, batch: Batch, limit: int) -> Sequence[BatchRow]:
    """Lock up to ``limit`` pending rows of ``batch`` for this transaction.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so concurrent workers (threads, processes, machines) take disjoint
    rows. SQLite has a single writer; the unique (batch, row) key of ``credential`` still forbids duplicates.
    """
    return session.scalars(
        select(BatchRow)
        .where(BatchRow.batch_id == batch.id, BatchRow.state == "pending")
        .order_by(BatchRow.row_number)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def pending_batches(session: Session) -> Sequence[Batch]:
    """Batches that still have pending rows (e.g. after a crash), oldest first."""
    pending = select(BatchRow.batch_id).where(BatchRow.state == "pending").distinct()
    return session.scalars(select(Batch).where(Batch.id.in_(pending)).order_by(Batch.id)).all()
