"""Bulk issuance: ``POST /batches`` takes learners as CSV or JSON Lines and returns at once; a background job
issues them (per-row errors with row numbers never stop valid rows); ``GET /batches/{id}`` shows progress.

The job state lives in the database (``batch``, ``batch_row``), so any worker — this process, ``microcred
worker`` elsewhere — can take part and a run after a crash finishes the batch without duplicates (ADR 0002).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.concurrency import run_in_threadpool

from microcred.app.achievements import data as achievements_data
from microcred.app.batches import data as batches_data
from microcred.app.batches.runner import BatchRunner
from microcred.app.batches.service import SIGNING_WORKERS, create_batch
from microcred.app.core.deps import CallerDep, ServicesDep, SessionDep
from microcred.issuer.bulk import parse_rows
from microcred.vc.errors import InvalidInput

__all__ = ["SIGNING_WORKERS", "router", "run_batch"]

router = APIRouter(tags=["batches"])
_AUTH: dict[int | str, dict[str, Any]] = {401: {"description": "missing, wrong or revoked API key"}}


def run_batch(runner: BatchRunner, batch_id: int) -> None:
    """Work a batch to its end from this process (checking and signing in one worker process per core)."""
    runner.run(batch_id)


def _view(session: Any, batch: Any, base_url: str) -> dict[str, Any]:
    counts = batches_data.batch_counts(session, batch=batch)
    return {
        "id": batch.public_id,
        "url": f"{base_url}/batches/{batch.public_id}",
        "total": batch.total,
        "done": counts["done"],
        "failed": counts["failed"],
        "remaining": counts["pending"],
        "finished": counts["pending"] == 0,
        "errors": [
            {"row": r.row_number, "error": r.error} for r in batches_data.batch_errors(session, batch=batch)
        ],
    }


@router.post("/batches", status_code=202, responses=_AUTH)
async def post_batch(
    request: Request,
    background: BackgroundTasks,
    caller: CallerDep,
    session: SessionDep,
    services: ServicesDep,
    achievement: Annotated[str, Query(description="achievement id (its newest version is awarded)")],
    cryptosuite: Annotated[str, Query()] = "eddsa-rdfc-2022",
) -> dict[str, Any]:
    """Start a batch: body ``text/csv`` (header row) or ``application/jsonl``, one learner per row."""
    media_type = request.headers.get("content-type", "")
    data = await request.body()
    if not data:
        raise InvalidInput("the body is empty: send CSV or JSON Lines", pointer="/body")

    def start() -> tuple[int, dict[str, Any]]:
        # parsing (100,000 rows take seconds) and the database work block: never on the event loop
        rows = parse_rows(data, media_type=media_type)
        found = achievements_data.get_achievement(session, public_id=achievement, institution=caller)
        version = achievements_data.latest_version(session, achievement=found)
        batch = create_batch(
            session, institution=caller, version=version, rows=rows, suite=cryptosuite, now=services.clock()
        )
        return batch.id, _view(session, batch, services.settings.base_url)

    batch_id, view = await run_in_threadpool(start)
    # Runs after the response (and after this request's commit); with TestClient it runs before the call returns.
    # A batch this process cannot finish (killed, restarted) is taken up by the resuming thread (app.batch_runner).
    background.add_task(run_batch, request.app.state.batch_runner, batch_id)
    return view


@router.get("/batches/{batch_id}", responses=_AUTH)
def get_batch(batch_id: str, caller: CallerDep, session: SessionDep, services: ServicesDep) -> dict[str, Any]:
    """Progress of a batch: done, failed (with row numbers and errors), remaining."""
    batch = batches_data.get_batch(session, public_id=batch_id, institution=caller)
    return _view(session, batch, services.settings.base_url)
