"""How a verification request runs: in a worker thread under a total deadline, its JSON-LD work in worker
processes under a per-request work budget, with bounded fan-out (ADR 0006)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import anyio
import anyio.to_thread
from fastapi import Request

from microcred.contexts import offline_loader
from microcred.suites.isolation import ProcessCanonicalizer, WorkDeadline
from microcred.vc.errors import DeadlineExceeded
from microcred.verifier.credential import Verifier
from microcred.verifier.fetch import fetch_allowance
from microcred.verifier.limits import Limits

T = TypeVar("T")

__all__ = ["VerifierRuntime", "run_verification"]


@dataclass
class VerifierRuntime:
    """How verification requests run: in a worker thread under a total deadline, JSON-LD work in worker processes
    (``suites.isolation``) under a per-request work budget, with bounded fan-out."""

    deadline_seconds: float
    work_seconds: float
    limits: Limits
    pool: ProcessCanonicalizer | None = None

    def bind(self, verifier: Verifier) -> Verifier:
        """``verifier`` for one request: its JSON-LD work goes to the pool with this request's budget (when the
        verifier uses the pinned loader, the one the workers use), and the configured limits apply."""
        budget = replace(verifier.budget, max_proofs=self.limits.max_proofs)
        if self.pool is not None and verifier.document_loader is offline_loader():
            budget = replace(budget, runner=self.pool.until(WorkDeadline.after(self.work_seconds)))
        return replace(verifier, budget=budget, limits=self.limits)


async def run_verification(request: Request, work: Callable[[Verifier], T]) -> T:
    """Run ``work`` with the app's verifier in a worker thread, never on the event loop; past the total deadline
    the request is answered with a 503 problem and the thread is abandoned (its fetches and JSON-LD work end at
    their own deadlines)."""
    runtime: VerifierRuntime = request.app.state.verifier_runtime
    verifier = runtime.bind(request.app.state.verifier)

    def run() -> T:
        with fetch_allowance(runtime.limits.max_fetches):
            return work(verifier)

    try:
        with anyio.fail_after(runtime.deadline_seconds):
            return await anyio.to_thread.run_sync(run, abandon_on_cancel=True)
    except TimeoutError:
        raise DeadlineExceeded(
            f"the verification did not finish within {runtime.deadline_seconds:g} s; try again later"
        ) from None
