"""A batch posted through the API survives kill -9: of ``microcred serve``, of the issuer app process, of the signing
workers. No child process outlives its parent (the apps, the signing pool's fork server, its workers and the
resource tracker all end within seconds), and the service finishes the batch by itself - after a restart, or at
once when only the workers died - with every row issued exactly once (SQLite file or the PostgreSQL suite)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from microcred.app.db.tables import Batch, BatchRow, IssuedCredential

from .processes import cmdline, descendants, parent, running

ROWS = 2000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Service:
    """``microcred serve --dev`` in its own session, on free ports, against the suite's database."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        microcred = shutil.which("microcred", path=str(Path(sys.executable).parent))
        assert microcred, "the microcred entry point is not installed next to this Python"
        self.command = [microcred, "serve", "--dev"]
        self.cwd = tmp_path
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")}
        self.env.update(
            MICROCRED_ISSUER_PORT=str(port),
            MICROCRED_VERIFIER_PORT=str(_free_port()),
            MICROCRED_DATABASE_URL=database_url,
            MICROCRED_LOG_LEVEL="WARNING",
            MICROCRED_BATCH_RESUME_INTERVAL_SECONDS="1",
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.seen: set[int] = set()

    def start(self) -> None:
        log = (self.cwd / "serve.log").open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + 90
        while True:
            assert self.process.poll() is None, (self.cwd / "serve.log").read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the issuer app did not become ready"
            time.sleep(0.2)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {(self.cwd / 'var' / 'demo-api-key').read_text().strip()}"}

    def tree(self) -> set[int]:
        assert self.process is not None
        found = descendants(self.process.pid)
        self.seen |= found
        return found

    def issuer_app(self) -> int:
        return next(
            pid for pid in self.tree() if f"--port {self.env['MICROCRED_ISSUER_PORT']}" in cmdline(pid)
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def cleanup(self) -> None:
        """Whatever a failed test left behind."""
        self.stop()
        for pid in self.seen:
            if running(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Iterator[Service]:
    service = Service(tmp_path, database_url)
    yield service
    service.cleanup()


def _post_batch(service: Service) -> str:
    body = "email,grade\n" + "".join(f"learner{i}@example.org,Pass\n" for i in range(ROWS))
    response = httpx.post(
        f"{service.url}/batches?achievement=demo",
        content=body.encode(),
        headers={**service.headers, "Content-Type": "text/csv"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    batch_id: str = response.json()["id"]
    return batch_id


def _progress(service: Service, batch_id: str) -> dict[str, Any]:
    # On SQLite the request waits for the write lock, which a running batch takes chunk after chunk.
    response = httpx.get(f"{service.url}/batches/{batch_id}", headers=service.headers, timeout=120)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _wait_for(check: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _signing_workers(service: Service) -> list[int]:
    """The pool's worker processes: forked from the fork server, they share its command line."""
    tree = service.tree()
    return [pid for pid in tree if "forkserver" in cmdline(pid) and "forkserver" in cmdline(parent(pid))]


def _stored(database_url: str, batch_id: str) -> tuple[int, int, int]:
    """(credentials of the batch, distinct rows they cover, rows still pending) read from the database.

    A plain engine: on SQLite it reads a WAL snapshot without queueing for the write lock the batch holds."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            batch = connection.scalar(select(Batch.id).where(Batch.public_id == batch_id))
            pending = connection.scalar(
                select(func.count()).where(BatchRow.batch_id == batch, BatchRow.state == "pending")
            )
            rows = connection.execute(
                select(func.count(), func.count(func.distinct(IssuedCredential.batch_row))).where(
                    IssuedCredential.batch_id == batch
                )
            ).one()
            return int(rows[0]), int(rows[1]), int(pending or 0)
    finally:
        engine.dispose()


def _mid_batch(service: Service, database_url: str, batch_id: str) -> None:
    """Wait until some rows are committed, some pending, and the signing workers are running."""

    def ready() -> bool:
        issued, _, pending = _stored(database_url, batch_id)
        return issued > 0 and pending > 0 and len(_signing_workers(service)) > 0

    _wait_for(ready, "a batch half done with its signing workers running", 60)


@pytest.mark.parametrize("victim", ["serve", "issuer app"])
def test_kill_9_leaves_no_orphans_and_the_restarted_service_finishes_the_batch(
    service: Service, database_url: str, victim: str
) -> None:
    service.start()
    batch_id = _post_batch(service)
    _mid_batch(service, database_url, batch_id)
    children = service.tree()
    assert service.process is not None
    names = " | ".join(cmdline(pid) for pid in children)
    assert "forkserver" in names, names
    assert "resource_tracker" in names, names
    target = service.process.pid if victim == "serve" else service.issuer_app()
    os.kill(target, signal.SIGKILL)
    if victim == "serve":
        service.process.wait(timeout=10)
    else:  # serve sees its issuer app gone and stops the verifier app
        service.process.wait(timeout=30)
    _wait_for(lambda: not any(running(pid) for pid in children), "every child process to end", 5)

    issued, distinct, pending = _stored(database_url, batch_id)
    assert pending > 0
    assert issued == distinct
    service.start()  # a restart, and nothing else: no `microcred worker`
    _wait_for(
        lambda: _stored(database_url, batch_id)[2] == 0, "the restarted service to finish the batch", 180
    )
    final = _progress(service, batch_id)
    assert (final["total"], final["done"], final["failed"], final["remaining"]) == (ROWS, ROWS, 0, 0)
    assert _stored(database_url, batch_id) == (ROWS, ROWS, 0)
    service.stop()
    assert not any(running(pid) for pid in service.seen)


def test_killed_signing_workers_do_not_stop_the_batch(service: Service, database_url: str) -> None:
    service.start()
    batch_id = _post_batch(service)
    _mid_batch(service, database_url, batch_id)
    killed = 0
    for pid in _signing_workers(service):
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except ProcessLookupError:  # it had just ended by itself
            pass
    assert killed > 0
    # The chunk they were signing rolls back; the app's resuming thread starts a new pool and goes on.
    _wait_for(lambda: _stored(database_url, batch_id)[2] == 0, "the batch to finish without a restart", 180)
    final = _progress(service, batch_id)
    assert (final["done"], final["failed"], final["remaining"]) == (ROWS, 0, 0)
    assert _stored(database_url, batch_id) == (ROWS, ROWS, 0)
    assert service.process is not None
    assert service.process.poll() is None  # no restart happened
    assert "BrokenProcessPool" in (service.cwd / "serve.log").read_text()  # the kill did interrupt the batch
    service.stop()
    assert not any(running(pid) for pid in service.seen)
