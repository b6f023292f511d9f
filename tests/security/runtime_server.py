"""A real uvicorn server in a thread, for measuring what a client sees while another request is being worked on."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` (lifespan included) on a free local port; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def healthz_latencies(base: str, stop: threading.Event, *, every: float = 0.05) -> list[float]:
    """GET /healthz until ``stop`` is set; the seconds each answer took (a fresh connection each time)."""
    latencies: list[float] = []
    while not stop.is_set():
        started = time.monotonic()
        response = httpx.get(f"{base}/healthz", timeout=10)
        latencies.append(time.monotonic() - started)
        assert response.status_code == 200
        time.sleep(every)
    return latencies
