"""Running the independent node implementations (``tests/interop/*.mjs``) from the tests: one place that finds
node and the installed packages, fails (never skips) when either is missing, and reads the JSON answer."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

INTEROP = Path(__file__).resolve().parent


def run_script(script: str, job: dict[str, Any], *, package: str = "@digitalbazaar/vc") -> Any:
    """Run ``tests/interop/<script>`` with ``job`` as JSON on stdin; its JSON answer."""
    executable = shutil.which("node")
    if executable is None:
        pytest.fail(
            "node is not installed: the interop tests need Node.js >= 18 (Debian: apt-get install nodejs npm)"
        )
    if not (INTEROP / "node_modules" / package).is_dir():
        pytest.fail("tests/interop/node_modules is missing: run `make node` (npm ci in tests/interop)")
    completed = subprocess.run(
        [executable, str(INTEROP / script)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0 or not completed.stdout:
        pytest.fail(f"{script} failed ({completed.returncode}): {completed.stdout}{completed.stderr}")
    return json.loads(completed.stdout)


def run_di(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A batch of ``di.mjs`` jobs (sign, verify, canonize, bench) in one node process; one result per job."""
    results: list[dict[str, Any]] = run_script("di.mjs", {"action": "batch", "jobs": jobs})["results"]
    return results
