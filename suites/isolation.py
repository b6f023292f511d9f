"""JSON-LD → canonical N-Quads in worker processes with a hard deadline: the one CPU-heavy verification step.

https://www.w3.org/TR/rdf-canon/#dataset-poisoning ; https://www.w3.org/TR/vc-data-integrity/#verify-proof

pyld's expansion of an inline context, ``@set``/``@nest`` documents and poisoned graphs can cost seconds to
minutes of pure-Python CPU. In a thread that work holds the GIL and starves the web server's event loop, and a
thread cannot be stopped. Here it runs in a small pebble process pool: each call gets the time left of the
request's work budget, and a worker still busy at its deadline is killed and replaced, so a hostile document
costs at most that budget and the web process stays responsive. Workers use the pinned offline loader
(``contexts.offline_loader()``), which is the loader the verifier app uses.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from typing import Any

from pebble import ProcessExpired, ProcessPool

from contexts import DocumentLoader, offline_loader
from suites.rdf import to_dataset
from suites.rdfc import Budget, Canonicalizer, canonicalize
from vc.errors import CanonicalizationLimit

__all__ = ["ProcessCanonicalizer", "WorkDeadline"]

_LOADER: DocumentLoader | None = None


def _warm() -> None:
    """Worker initializer: build the loader and process the pinned contexts once, before the first request."""
    global _LOADER
    _LOADER = offline_loader()


def _canonical_nquads(document: Mapping[str, Any], budget: Budget) -> str:
    """Runs in a worker: the same steps as ``SuiteContext.canonical_nquads`` without isolation."""
    loader = _LOADER or offline_loader()
    return canonicalize(to_dataset(document, loader=loader), budget=budget)


class ProcessCanonicalizer:
    """A small process pool; :meth:`until` gives a canonicalizer bound to one request's deadline."""

    def __init__(self, *, workers: int = 2) -> None:
        self.workers = workers
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the workers now (the app does this at startup; otherwise the first request does)."""
        self._get_pool()

    def stop(self) -> None:
        """Stop the workers (app shutdown); a later call starts new ones."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves stop() unannotated
            pool.join(timeout=5)

    def _get_pool(self) -> ProcessPool:
        with self._lock:
            if self._pool is None or not self._pool.active:
                # forkserver: workers are not forked from a web process that runs threads
                self._pool = ProcessPool(
                    max_workers=self.workers,
                    initializer=_warm,
                    context=multiprocessing.get_context("forkserver"),
                )
            return self._pool

    def until(self, deadline: WorkDeadline) -> Canonicalizer:
        """A canonicalizer whose calls share ``deadline`` (one request's work budget)."""

        def run(document: Mapping[str, Any], budget: Budget) -> str:
            left = deadline.left()
            if left <= 0:
                raise CanonicalizationLimit(deadline.exhausted())
            future = self._get_pool().schedule(
                _canonical_nquads, args=(dict(document), replace(budget, runner=None)), timeout=left
            )
            try:
                result: str = future.result()
            except FutureTimeout:
                raise CanonicalizationLimit(deadline.exhausted()) from None
            except ProcessExpired:
                raise CanonicalizationLimit(
                    "processing the document stopped its worker (too much memory or work); not checked"
                ) from None
            return result

        return run


@dataclass(frozen=True)
class WorkDeadline:
    """The end of one request's work budget (``time.monotonic()`` seconds) and its length, for messages."""

    at: float
    seconds: float

    @classmethod
    def after(cls, seconds: float) -> WorkDeadline:
        """The deadline ``seconds`` from now."""
        return cls(time.monotonic() + seconds, seconds)

    def left(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - time.monotonic()

    def exhausted(self) -> str:
        """The plain sentence for a document that needed more than the budget."""
        return f"too much work: processing the document as JSON-LD needs more than {self.seconds:g} s; not checked"
