"""A real uvicorn server in a thread, for measuring what a client sees while another request is being worked on."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
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
    # one client (building one costs tens of ms of TLS setup) without keep-alive: every poll is a new connection
    with httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        while not stop.is_set():
            started = time.monotonic()
            response = client.get(f"{base}/healthz")
            latencies.append(time.monotonic() - started)
            assert response.status_code == 200
            time.sleep(every)
    return latencies


@contextmanager
def serving_process(factory: str, env: dict[str, str]) -> Iterator[str]:
    """Serve the uvicorn app ``factory`` (e.g. ``microcred.app.main:issuer_app_from_env``) in its own process, so what the
    test's clients cost is not measured as the server's latency; yields its base URL."""
    port = _free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port)],
        env={**clean, "MICROCRED_LOG_LEVEL": "WARNING", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the server process exited"
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
