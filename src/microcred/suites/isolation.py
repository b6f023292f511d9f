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
import resource
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from typing import Any

from pebble import ProcessExpired, ProcessPool

from microcred.contexts import offline_loader
from microcred.suites.rdf import fast_dataset, to_dataset
from microcred.suites.rdfc import Budget, Canonicalizer, canonicalize
from microcred.vc.errors import CanonicalizationLimit, MicrocredError

__all__ = ["ProcessCanonicalizer", "WorkDeadline"]

_V2 = "https://www.w3.org/ns/credentials/v2"
_V1 = "https://www.w3.org/2018/credentials/v1"
_OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_DATA_INTEGRITY = "https://w3id.org/security/data-integrity/v2"
# A document the fast path reads into at most this many quads is canonicalized in the calling thread, under at most
# these much smaller limits; past them (a blank-node poison) it goes to a worker with the request's full budget.
_IN_PROCESS_MAX_QUADS = 4096
_IN_PROCESS_NDEGREE_CALLS = 256
_IN_PROCESS_SECONDS = 0.05
_WARM_CONTEXTS = ([_V2], [_V2, _OB3], [_V1, _OB3], [_V1, _DATA_INTEGRITY], [_V1])


def _warm(memory_bytes: int) -> None:
    """Worker initializer: cap the worker's address space at ``memory_bytes`` (0: no cap), then process the usual
    pinned context combinations once, so a request's work budget is not spent on what every worker needs."""
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    loader = offline_loader()
    for contexts in _WARM_CONTEXTS:
        document = {"@context": contexts, "type": ["VerifiableCredential"], "issuer": "did:example:warm"}
        try:
            canonicalize(to_dataset(document, loader=loader))
        except MicrocredError:  # a combination a later change no longer supports: warming is best effort
            continue


def _ready() -> None:
    """A no-op task: scheduling it makes pebble start the pool's worker processes."""


def _canonical_nquads(document: Mapping[str, Any], budget: Budget) -> tuple[str, float]:
    """Runs in a worker: the same steps as ``SuiteContext.canonical_nquads`` without isolation, and the seconds
    they took (waiting for a free worker does not count against a request's work budget)."""
    started = time.monotonic()
    try:
        result = canonicalize(to_dataset(document, loader=offline_loader()), budget=budget)
    except MemoryError:
        raise CanonicalizationLimit(
            "too much memory: processing the document as JSON-LD needs more than this verifier allows; not checked"
        ) from None
    return result, time.monotonic() - started


def _in_process(document: Mapping[str, Any], budget: Budget) -> str | None:
    """Canonical N-Quads computed here when that is cheap by construction, else None.

    The fast path is one linear walk over pinned contexts (no inline context, no pyld), and a small dataset under a
    tight canonicalization budget costs at most milliseconds, so nearly every real credential skips the round
    trip to a worker (about 1 ms of pickling and IPC, three times the whole signature check). Everything else
    (pyld's reference path, big or poisoned datasets) goes to the workers under the request's budget.
    """
    dataset = fast_dataset(document)
    if dataset is None or len(dataset) > _IN_PROCESS_MAX_QUADS:
        return None
    tight = replace(
        budget,
        runner=None,
        max_ndegree_calls=min(budget.max_ndegree_calls, _IN_PROCESS_NDEGREE_CALLS),
        deadline_seconds=min(budget.deadline_seconds, _IN_PROCESS_SECONDS),
    )
    try:
        return canonicalize(dataset, budget=tight)
    except CanonicalizationLimit:
        return None  # possibly within the full budget: the worker decides


class ProcessCanonicalizer:
    """A small process pool; :meth:`until` gives a canonicalizer bound to one request's deadline."""

    def __init__(self, *, workers: int = 2, memory_bytes: int = 0) -> None:
        self.workers = workers
        self.memory_bytes = memory_bytes
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()

    def start(self) -> Future[None]:
        """Start the workers now, in the background (the app does this at startup); the future is done once one
        worker has started and warmed. pebble starts a pool's processes only with its first task, so without this
        the first request that needs a worker would wait for a process to spawn and warm."""
        ready: Future[None] = self._get_pool().schedule(_ready)
        return ready

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
                # spawn: workers are not forked from a web process that runs threads, nor from the fork server
                # that the signing pool preloads (its address space would count against the memory cap)
                self._pool = ProcessPool(
                    max_workers=self.workers,
                    initializer=_warm,
                    initargs=(self.memory_bytes,),
                    context=multiprocessing.get_context("spawn"),
                )
            return self._pool

    def until(self, deadline: WorkDeadline) -> Canonicalizer:
        """A canonicalizer whose calls share ``deadline`` (one request's work budget)."""

        def run(document: Mapping[str, Any], budget: Budget) -> str:
            cheap = _in_process(document, budget)
            if cheap is not None:
                return cheap
            left = deadline.left()
            if left <= 0:
                raise CanonicalizationLimit(deadline.exhausted())
            # pebble's timeout starts when a worker takes the task, so a cold or busy pool costs no budget
            future = self._get_pool().schedule(
                _canonical_nquads, args=(dict(document), replace(budget, runner=None)), timeout=left
            )
            try:
                result, seconds = future.result()
            except FutureTimeout:
                deadline.spend(left)
                raise CanonicalizationLimit(deadline.exhausted()) from None
            except ProcessExpired:
                deadline.spend(left)
                raise CanonicalizationLimit(
                    "processing the document stopped its worker (too much memory or work); not checked"
                ) from None
            deadline.spend(seconds)
            text: str = result
            return text

        return run


@dataclass
class WorkDeadline:
    """One request's work budget: seconds of JSON-LD work in the workers, shared by all its documents (the total
    wall-clock time of a request is bounded separately, by the app)."""

    seconds: float
    spent: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def after(cls, seconds: float) -> WorkDeadline:
        """A fresh budget of ``seconds``."""
        return cls(seconds)

    def left(self) -> float:
        """Seconds of work left (zero or negative once spent)."""
        return self.seconds - self.spent

    def spend(self, seconds: float) -> None:
        """Count ``seconds`` of work done."""
        with self._lock:
            self.spent += seconds

    def exhausted(self) -> str:
        """The plain sentence for a document that needed more than the budget."""
        return f"too much work: processing the document as JSON-LD needs more than {self.seconds:g} s; not checked"
