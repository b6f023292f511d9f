"""The container refuses to start unless MICROCRED_MODE is set explicitly (the settings' default, dev, would make
its own keys and accept SQLite). No container engine runs here: docker-entrypoint.sh is run by /bin/sh with stub
``microcred`` and ``uvicorn`` commands that record how they were called."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker-entrypoint.sh"
STUB = '#!/bin/sh\necho "$(basename "$0") $*" >> "$STUB_LOG"\n'


def _run(tmp_path: Path, *args: str, mode: str | None) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    stubs = tmp_path / "bin"
    stubs.mkdir(exist_ok=True)
    for name in ("microcred", "uvicorn"):
        (stubs / name).write_text(STUB)
        (stubs / name).chmod(0o755)
    log = tmp_path / "calls.log"
    log.unlink(missing_ok=True)
    env = {
        "PATH": f"{stubs}:/usr/bin:/bin",
        "STUB_LOG": str(log),
        "MICROCRED_HOST": "0.0.0.0",  # as the Dockerfile sets it
        **({"MICROCRED_MODE": mode} if mode is not None else {}),
    }
    done = subprocess.run(
        ["/bin/sh", str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return done, calls


@pytest.mark.parametrize("args", [(), ("issuer",), ("verifier",), ("microcred", "registry", "list")])
@pytest.mark.parametrize("mode", [None, "", "staging"])
def test_the_entrypoint_refuses_to_start_without_an_explicit_mode(
    tmp_path: Path, args: tuple[str, ...], mode: str | None
) -> None:
    done, calls = _run(tmp_path, *args, mode=mode)
    assert done.returncode == 64
    assert "MICROCRED_MODE" in done.stderr
    assert "refusing to start" in done.stderr
    assert calls == []  # neither migrations nor a server ran


@pytest.mark.parametrize("mode", ["production", "dev"])
def test_the_entrypoint_starts_with_an_explicit_mode(tmp_path: Path, mode: str) -> None:
    done, calls = _run(tmp_path, mode=mode)
    assert done.returncode == 0, done.stderr
    assert calls[0] == "microcred migrate"
    assert calls[1].startswith(
        "uvicorn --factory microcred.app.main:issuer_app_from_env --host 0.0.0.0 --port 8000"
    )
    assert "--no-access-log" in calls[1]  # uvicorn's access line would carry the whole URL
    done, calls = _run(tmp_path, "verifier", mode=mode)
    assert done.returncode == 0, done.stderr
    assert calls == [
        "uvicorn --factory microcred.app.main:verifier_app_from_env --host 0.0.0.0 --port 8001 --proxy-headers --no-access-log"
    ]


def test_the_image_and_compose_leave_the_choice_to_the_deployment() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    instructions = [line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")]
    assert not any("MICROCRED_MODE" in line for line in instructions), "the image must not choose a mode"
    assert 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' in dockerfile
    assert "COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh" in dockerfile
    assert os.access(ENTRYPOINT, os.X_OK)
    # Every compose service built from the image says which mode it runs in.
    compose = (ROOT / "compose.yaml").read_text()
    services = compose.split("\nservices:\n", 1)[1].split("\nvolumes:", 1)[0]
    blocks = re.split(r"\n(?=  [a-z][\w-]*:\n)", "\n" + services)
    built = [block for block in blocks if "build:" in block]
    assert len(built) == 2
    for block in built:
        assert re.search(r"^      MICROCRED_MODE: production$", block, re.MULTILINE), block
