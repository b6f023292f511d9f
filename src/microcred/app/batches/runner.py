"""Batches worked by the issuer app itself: a posted batch right after its response, and any batch left with pending
rows (the app was killed, a signing worker died, the database went away) by a background thread that looks at start
and then every ``batch_resume_interval_seconds``, so no one has to run ``microcred worker`` after a restart.

Several app processes (and ``microcred worker``) may work one batch at once: rows are claimed in the database and
the unique (batch, row) key forbids duplicates (ADR 0002). Within one process a batch runs on one thread at a time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from microcred.app.batches import data as batches_data
from microcred.app.batches.service import SIGNING_WORKERS, process_batch
from microcred.app.core.deps import Services
from microcred.app.status.allocation import StatusAllocator

__all__ = ["BatchRunner"]

_CHUNKS_PER_RUN = 10
"""The resuming thread checks for shutdown between runs of this many chunks (a signing pool per run)."""
log = logging.getLogger("microcred.batches")


class BatchRunner:
    """Runs batches in this process: ``run`` for one, ``start``/``stop`` for the resuming thread."""

    def __init__(self, services: Services, *, interval: float, workers: int = SIGNING_WORKERS) -> None:
        self.services = services
        self.interval = interval
        self.workers = workers
        self._running: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self, batch_id: int, *, stop: Callable[[], bool] = lambda: False) -> bool:
        """Work batch ``batch_id`` until no row is pending (or ``stop()``); False if this process is already on it.

        A failure (database unreachable, a signing worker killed) is logged, not raised: the chunk it interrupted
        rolled back, its rows are still pending and the resuming thread takes the batch up again."""
        with self._lock:
            if batch_id in self._running:
                return False
            self._running.add(batch_id)
        settings = self.services.settings
        try:
            while not stop():
                progress = process_batch(
                    self.services.sessions,
                    batch_id=batch_id,
                    keystore=self.services.keystore,
                    clock=self.services.clock,
                    kek=settings.kek(),
                    workers=self.workers,
                    status=StatusAllocator.from_settings(settings, self.services.clock),
                    eu_context=settings.eu_context,
                    max_chunks=_CHUNKS_PER_RUN,
                )
                if progress.remaining == 0:
                    break
        except Exception:  # any failure leaves the batch resumable; the thread that called us must go on
            log.exception("batch %s stopped; its pending rows are resumed later", batch_id)
        finally:
            with self._lock:
                self._running.discard(batch_id)
        return True

    def pending(self) -> list[int]:
        """Ids of the batches with pending rows (oldest first); empty while the database cannot be read."""
        try:
            with self.services.sessions() as session:
                return [batch.id for batch in batches_data.pending_batches(session)]
        except SQLAlchemyError as exc:
            log.warning("cannot look for pending batches: %s", type(exc).__name__)
            return []

    def resume_pending(self, batch_ids: list[int] | None = None) -> int:
        """Work every batch with pending rows (or those of ``batch_ids``) that this process is not already working;
        how many it took up."""
        taken = 0
        for batch_id in self.pending() if batch_ids is None else batch_ids:
            if self._stop.is_set():
                break
            taken += self.run(batch_id, stop=self._stop.is_set)
        return taken

    def start(self) -> None:
        """Look for pending batches now (before the app serves), then work them and look again every ``interval``
        seconds in a thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        first = self.pending()
        self._thread = threading.Thread(target=self._loop, args=(first,), name="batch-resume", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop after its current run of chunks and wait up to ``timeout`` seconds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self, first: list[int]) -> None:
        self.resume_pending(first)
        while self.interval > 0 and not self._stop.wait(self.interval):
            self.resume_pending()
