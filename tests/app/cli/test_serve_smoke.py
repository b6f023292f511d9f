"""What a new user does: ``microcred serve --dev`` starts both apps; /healthz and the demo DID document answer."""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str, deadline: float) -> httpx.Response:
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _read_until(process: subprocess.Popen[bytes], marker: bytes, deadline: float) -> bytes:
    """stdout up to and including ``marker`` (the apps answer /healthz a moment before
    ``serve`` has seen both healthy and printed its banner)."""
    assert process.stdout is not None
    seen = b""
    while marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"serve printed no {marker!r} line: {seen.decode()!r}"
        ready, _, _ = select.select([process.stdout], [], [], left)
        if ready:
            chunk = os.read(process.stdout.fileno(), 65536)  # unbuffered: select sees every byte not yet read
            assert chunk, f"serve closed stdout before printing {marker!r}: {seen.decode()!r}"
            seen += chunk
    return seen


def test_serve_dev_starts_issuer_and_verifier(tmp_path: Path) -> None:
    microcred = shutil.which("microcred", path=str(Path(sys.executable).parent))
    assert microcred, "the microcred entry point is not installed next to this Python"
    issuer_port, verifier_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")}
    env.update(
        MICROCRED_ISSUER_PORT=str(issuer_port),
        MICROCRED_VERIFIER_PORT=str(verifier_port),
        MICROCRED_LOG_LEVEL="WARNING",
    )
    process = subprocess.Popen(
        [microcred, "serve", "--dev"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        issuer = f"http://127.0.0.1:{issuer_port}"
        assert _get(f"{issuer}/healthz", deadline).json() == {"status": "ok"}
        assert _get(f"http://127.0.0.1:{verifier_port}/healthz", deadline).json() == {"status": "ok"}
        assert _get(f"{issuer}/readyz", deadline).status_code == 200
        doc = _get(f"{issuer}/issuers/demo/did.json", deadline).json()
        assert doc["id"] == f"did:web:127.0.0.1%3A{issuer_port}:issuers:demo"
        assert doc["verificationMethod"][0]["type"] == "Multikey"
        key_file = tmp_path / "var" / "demo-api-key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "var" / "kek").stat().st_mode) == 0o600
        demo_key = key_file.read_text().strip()
        me = httpx.get(
            f"{issuer}/institutions/demo", headers={"Authorization": f"Bearer {demo_key}"}, timeout=5
        )
        assert me.status_code == 200
        banner = _read_until(process, b"demo registry:", deadline)
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=20)
        out = banner + rest
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    printed = out.decode()
    assert f"issuer app:    {issuer}" in printed
    assert f"verifier app:  http://127.0.0.1:{verifier_port}" in printed
    assert f"DID document:  {issuer}/issuers/demo/did.json" in printed
    assert f"demo API key:  {demo_key}" in printed
    assert "admin token:   in " in printed
    assert process.returncode == 0, err.decode()[-2000:]
    # Both apps stopped with the parent.
    for port in (issuer_port, verifier_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_serve_reports_a_busy_port_and_stops(tmp_path: Path) -> None:
    microcred = shutil.which("microcred", path=str(Path(sys.executable).parent))
    assert microcred
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        issuer_port, verifier_port = busy.getsockname()[1], _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")}
        env.update(MICROCRED_ISSUER_PORT=str(issuer_port), MICROCRED_VERIFIER_PORT=str(verifier_port))
        process = subprocess.Popen(
            [microcred, "serve", "--dev"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
    assert process.returncode == 1
    assert f"the app at http://127.0.0.1:{issuer_port} did not start (is the port free?)" in err.decode()
    with socket.socket() as sock:  # the verifier it had started was stopped too
        assert sock.connect_ex(("127.0.0.1", verifier_port)) != 0
