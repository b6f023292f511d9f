"""Bulk issuance over the database: a batch of learner rows, issued one transaction per chunk by signing workers.

Rows are claimed in chunks with a unique (batch, row), so an interrupted run is finished by the next one without
duplicates (ADR 0002).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session, sessionmaker

from microcred.app.batches import data as batches_data
from microcred.app.db.engine import begins_immediate
from microcred.app.db.tables import (
    AchievementVersion,
    Batch,
    BatchRow,
    Institution,
    IssuedCredential,
)
from microcred.app.issuance.service import Issuer, check_possible
from microcred.app.status.allocation import StatusAllocator
from microcred.issuer import EU_CONTEXT, Award
from microcred.issuer.issue_requests import award_from_row, row_fields
from microcred.issuer.signing import check_and_sign, check_signing_suite, sign_in_worker, signing_pool
from microcred.keys import KeyStore
from microcred.vc.errors import (
    InvalidInput,
    MicrocredError,
    NotFound,
)

__all__ = ["SIGNING_WORKERS", "BatchProgress", "create_batch", "process_batch"]

SIGNING_WORKERS = max(1, min(os.cpu_count() or 1, 4))
"""Signing processes per batch run (the API's background job, the resuming thread, ``microcred issue``)."""


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch stands."""

    total: int
    done: int
    failed: int
    remaining: int


def create_batch(
    session: Session,
    *,
    institution: Institution,
    version: AchievementVersion,
    rows: Sequence[tuple[int, dict[str, Any] | None, str | None]],
    suite: str,
    now: datetime,
) -> Batch:
    """A batch with one row per learner; rows that did not parse are stored failed with their error."""
    check_signing_suite(suite, pointer="/cryptosuite")
    if not rows:
        raise InvalidInput("the batch has no learner rows", pointer="/body")
    batch = Batch(
        public_id=str(uuid.uuid4()),
        institution_id=institution.id,
        achievement_version_id=version.id,
        suite=suite,
        total=len(rows),
        created_at=now,
    )
    session.add(batch)
    session.flush()
    session.add_all(
        BatchRow(
            batch_id=batch.id,
            row_number=number,
            payload=payload or {},
            state="failed" if error else "pending",
            error=error,
        )
        for number, payload, error in rows
    )
    session.flush()
    return batch


def process_batch(
    sessions: sessionmaker[Session],
    *,
    batch_id: int,
    keystore: KeyStore,
    clock: Callable[[], datetime],
    chunk: int = 200,
    progress: Callable[[BatchProgress], None] | None = None,
    max_chunks: int | None = None,
    kek: bytes | None = None,
    workers: int = 1,
    min_pool_rows: int = 50,
    status: StatusAllocator | None = None,
    eu_context: str = EU_CONTEXT,
) -> BatchProgress:
    """Issue every pending row of a batch, one transaction per chunk; safe to run in several workers at once.

    A chunk's credentials and row states commit together, so a crash loses at most the uncommitted chunk, whose
    rows stay pending and are issued by the next run; the unique (batch, row) key makes a duplicate impossible.
    With ``workers`` > 1 (and the ``kek``), checking and signing run in that many worker processes, each of
    which unseals the signer itself (started once a chunk has ``min_pool_rows`` rows). ``max_chunks`` stops early (a worker's share).
    """
    issuer: Issuer | None = None
    pool: ProcessPoolExecutor | None = None
    chunks = 0
    clean = False
    try:
        while True:
            with sessions() as session, session.begin():
                _take_write_lock(session, batch_id)
                batch = session.get(Batch, batch_id)
                if batch is None:
                    raise NotFound(f"no batch {batch_id}")
                version = session.get(AchievementVersion, batch.achievement_version_id)
                institution = session.get(Institution, batch.institution_id)
                if version is None or institution is None:  # foreign keys make this unreachable
                    raise NotFound(f"batch {batch_id} lost its achievement version or institution")
                if issuer is None:
                    issuer = Issuer(
                        institution=institution, keystore=keystore, status=status, eu_context=eu_context
                    )
                else:
                    issuer.institution = institution
                rows = batches_data.claim_rows(session, batch=batch, limit=chunk)
                if not rows:
                    counts = batches_data.batch_counts(session, batch=batch)
                    if batch.finished_at is None:
                        batch.finished_at = clock()
                    result = _progress(batch, counts)
                    break
                if pool is None and workers > 1 and kek is not None and len(rows) >= min_pool_rows:
                    pool = signing_pool(issuer.recipe(session, suite=batch.suite, kek=kek), workers=workers)
                _issue_rows(
                    session,
                    issuer=issuer,
                    batch=batch,
                    version=version,
                    rows=rows,
                    now=clock(),
                    pool=pool,
                    workers=workers,
                )
                counts = batches_data.batch_counts(session, batch=batch)
                current = _progress(batch, counts)
            if progress is not None:
                progress(current)
            chunks += 1
            if max_chunks is not None and chunks >= max_chunks:
                clean = True
                return current
        clean = True
    finally:
        if pool is not None:
            _close_pool(pool, clean=clean)
    if progress is not None:
        progress(result)
    return result


def _take_write_lock(session: Session, batch_id: int) -> None:
    """SQLite: start the chunk's transaction holding the one writer lock, so concurrent workers queue for it (busy
    timeout) instead of failing when a read snapshot cannot be upgraded: ``app.db`` engines begin with ``BEGIN
    IMMEDIATE``; on another SQLite engine a no-op write takes it. PostgreSQL needs nothing: rows are claimed with
    SKIP LOCKED."""
    if session.get_bind().dialect.name == "sqlite" and not begins_immediate(session.connection()):
        session.execute(update(Batch).where(Batch.id == batch_id).values(total=Batch.total))


def _issue_rows(
    session: Session,
    *,
    issuer: Issuer,
    batch: Batch,
    version: AchievementVersion,
    rows: Sequence[BatchRow],
    now: datetime,
    pool: ProcessPoolExecutor | None,
    workers: int,
) -> None:
    """Issue one claimed chunk: awards parsed here, check + sign here or in the pool, rows and credentials added."""
    check_signing_suite(batch.suite, pointer="/options/cryptosuite")
    parsed: list[tuple[BatchRow, Award]] = []
    for row in rows:
        try:
            pointer = f"/rows/{row.row_number}"
            award = award_from_row(row.payload, now=now, pointer=pointer)
            check_possible(version, award, now=now, fields=row_fields(pointer))
            parsed.append((row, award))
        except MicrocredError as exc:
            row.state, row.error = "failed", exc.detail
    # The chunk's status entries are claimed together (a few multi-row statements, not three per credential).
    prepared = issuer.prepare_many(session, version=version, awards=[award for _, award in parsed])
    ready: list[tuple[BatchRow, Award, str, dict[str, Any]]] = []
    for (row, award), outcome in zip(parsed, prepared, strict=True):
        if isinstance(outcome, MicrocredError):
            row.state, row.error = "failed", outcome.detail
        else:
            ready.append((row, award, *outcome))
    if pool is not None:
        size = max(1, -(-len(ready) // (4 * workers)))
        futures: list[Future[list[tuple[bool, str]]]] = [
            pool.submit(sign_in_worker, [r[3] for r in ready[i : i + size]], batch.suite, now)
            for i in range(0, len(ready), size)
        ]
        outcomes = [outcome for future in _results(pool, futures) for outcome in future.result()]
    else:
        signer = issuer.signer(session, suite=batch.suite)
        outcomes = []
        for _, _, _, unsigned in ready:
            try:
                outcomes.append(
                    (
                        True,
                        check_and_sign(
                            unsigned, signer=signer, suite=batch.suite, now=now, loader=issuer.loader
                        ),
                    )
                )
            except MicrocredError as exc:
                outcomes.append((False, exc.detail))
    # Bulk statements (no per-object unit of work): one INSERT of the chunk's credentials and one UPDATE of its rows.
    inserts: list[dict[str, Any]] = []
    for (row, award, public_id, _), (ok, text) in zip(ready, outcomes, strict=True):
        if not ok:
            row.state, row.error = "failed", text
            continue
        inserts.append(
            {
                "public_id": public_id,
                "institution_id": issuer.institution.id,
                "achievement_version_id": version.id,
                "subject_did": award.learner.did,
                "suite": batch.suite,
                "document": text,
                "issued_at": now,
                "valid_from": award.valid_from,
                "valid_until": award.valid_until,
                "batch_id": batch.id,
                "batch_row": row.row_number,
            }
        )
        row.state, row.credential_id = "done", public_id
    if inserts:
        if version.used_at is None:
            version.used_at = now
        session.execute(insert(IssuedCredential), inserts)
    session.flush()


_WORKER_CHECK_SECONDS = 1.0


def _workers_lost(pool: ProcessPoolExecutor) -> bool:
    # The executor's own table of worker processes (CPython keeps it in ``_processes``).
    processes = getattr(pool, "_processes", None) or {}
    return any(not process.is_alive() for process in list(processes.values()))


def _results(
    pool: ProcessPoolExecutor, futures: list[Future[list[tuple[bool, str]]]]
) -> list[Future[list[tuple[bool, str]]]]:
    """The futures, once all are done. A worker that dies (killed, out of memory) should break the pool, but the
    executor can hang instead of saying so (its queues are left mid-message); so the workers are checked every
    second and a lost one raises BrokenProcessPool: the chunk rolls back and its rows are worked again later."""
    pending: set[Future[list[tuple[bool, str]]]] = set(futures)
    while pending:
        _, pending = wait(pending, timeout=_WORKER_CHECK_SECONDS, return_when=FIRST_EXCEPTION)
        if any(f.done() and f.exception() is not None for f in futures):
            break  # raised by the caller's result()
        if pending and _workers_lost(pool):
            raise BrokenProcessPool("a signing worker process died")
    return futures


def _close_pool(pool: ProcessPoolExecutor, *, clean: bool) -> None:
    """Shut the signing pool down; after a failure without waiting (a broken pool may never finish joining) and
    with its remaining workers killed, so none is left behind."""
    if clean:
        pool.shutdown(cancel_futures=True)
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()


def _progress(batch: Batch, counts: Mapping[str, int]) -> BatchProgress:
    return BatchProgress(
        total=batch.total, done=counts["done"], failed=counts["failed"], remaining=counts["pending"]
    )
