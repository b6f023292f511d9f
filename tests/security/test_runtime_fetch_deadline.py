"""One total deadline per outbound fetch: resolving, connect, headers and body together, however slowly a server
drips."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from microcred.app import Settings
from microcred.app.main import create_verifier_app
from microcred.vc.errors import FetchError
from microcred.verifier.fetch import FetchPolicy, GuardedFetcher

TIMEOUT = 2.0
SLACK = 0.6


def _drip_server(head: bytes, drip: bytes, stop: threading.Event) -> tuple[socket.socket, int]:
    """A server that answers every connection with ``head`` at once, then ``drip`` one byte per 0.5 s."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.sendall(head)
            for byte in drip:
                if stop.wait(0.5):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # the listener was closed
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    port: int = listener.getsockname()[1]
    return listener, port


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


@pytest.mark.parametrize(
    ("head", "drip"),
    [
        pytest.param(b"", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" * 20, id="header-bytes"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n",
            b"{" + b" " * 3998 + b"}",
            id="body-bytes",
        ),
    ],
)
def test_a_dripping_server_is_cut_off_at_the_fetch_deadline(
    tmp_path: Path, stop: threading.Event, head: bytes, drip: bytes
) -> None:
    listener, port = _drip_server(head, drip, stop)
    settings = Settings(
        data_dir=tmp_path,
        mode="dev",
        verifier_http_hosts=[f"127.0.0.1:{port}"],
        verifier_allow_private=["127.0.0.1"],
        verifier_fetch_timeout_seconds=TIMEOUT,
    )
    with listener, TestClient(create_verifier_app(settings), raise_server_exceptions=False) as client:
        started = time.monotonic()
        response = client.post("/verify", json={"url": f"http://127.0.0.1:{port}/credential.json"})
        elapsed = time.monotonic() - started
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "2 s" in response.json()["detail"]
    assert elapsed < TIMEOUT + SLACK, f"the fetch ended after {elapsed:.2f} s"


def test_a_slow_resolver_is_given_up_at_the_fetch_deadline() -> None:
    release = threading.Event()

    def slow_resolver(host: str, port: int) -> list[str]:
        release.wait(10)  # a resolver that retries for longer than the fetch may take
        return ["93.184.215.14"]

    fetcher = GuardedFetcher(
        httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200))),
        policy=FetchPolicy(timeout=0.5),
        resolve=slow_resolver,
    )
    started = time.monotonic()
    try:
        with pytest.raises(FetchError, match=r"could not be resolved within 0\.5 s"):
            fetcher.get("https://issuer.example/did.json")
    finally:
        release.set()
    assert time.monotonic() - started < 0.5 + SLACK
