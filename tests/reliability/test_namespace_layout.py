"""One installable namespace, and third-party data read in place.

- The distribution installs a single top-level package, ``microcred`` (no ``app``, ``keys``, ``vc``... beside
  other projects in site-packages), and its console script points into it.
- The layers are ``microcred.*`` subpackages; none of the old top-level names is importable from the checkout.
- Without ``../shared`` a test run leaves out the conformance tests that read it and names them; CI stops at once.

The wheel itself is built by ``.ci/run`` (building one here would need the package index for setuptools); this
file checks what the installed distribution declares, which setuptools derives from the same configuration.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from importlib.metadata import distribution, entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("app", "vc", "contexts", "keys", "suites", "registry", "issuer", "verifier", "migrations")


def test_the_distribution_installs_only_the_microcred_package() -> None:
    top_level = distribution("microcred").read_text("top_level.txt")
    assert top_level is not None
    assert top_level.split() == ["microcred"]


def test_the_console_script_lives_in_the_namespace() -> None:
    (script,) = entry_points(group="console_scripts", name="microcred")
    assert script.value == "microcred.app.cli:main"
    assert callable(script.load())


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_is_a_subpackage_and_no_longer_a_top_level_name(layer: str) -> None:
    spec = importlib.util.find_spec(f"microcred.{layer}")
    assert spec is not None
    assert spec.origin is not None
    assert Path(spec.origin).is_relative_to(ROOT / "src" / "microcred" / layer)
    top = importlib.util.find_spec(layer)
    assert top is None or top.origin is None or not Path(top.origin).is_relative_to(ROOT), top


def _project_without_shared(tmp_path: Path) -> Path:
    """A copy of the project's test configuration in a folder with no ``shared`` beside it."""
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    shutil.copy2(ROOT / "pyproject.toml", project / "pyproject.toml")
    for name in ("conftest.py", "factories.py"):
        shutil.copy2(ROOT / "tests" / name, project / "tests" / name)
    (project / "tests" / "__init__.py").write_text("")
    (project / "tests" / "test_sample.py").write_text(
        "import pytest\n"
        "from microcred.contexts import DocumentLoader\n\n\n"
        "def test_plain() -> None:\n"
        "    assert True\n\n\n"
        "def test_reads_the_examples_context(examples_loader: DocumentLoader) -> None:\n"
        "    assert examples_loader\n\n\n"
        "@pytest.mark.shared\n"
        "def test_marked() -> None:\n"
        "    assert True\n"
    )
    assert not (project.parent / "shared").exists()
    return project


def test_without_shared_the_conformance_tests_are_left_out_and_named(tmp_path: Path) -> None:
    project = _project_without_shared(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "MICROCRED_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-2000:]
    assert "1 passed, 2 deselected" in out
    assert "skipped" not in out
    assert "conformance suites not run" in out
    assert f"{tmp_path / 'shared'} is missing, so 2 tests" in out
    assert "tests/test_sample.py::test_reads_the_examples_context" in out
    assert "tests/test_sample.py::test_marked" in out
    assert "PASSED tests/test_sample.py::test_plain" in out


def test_the_real_suite_has_its_shared_data() -> None:
    # The project's own run reads ../shared in place; its presence is what CI (.ci/run) insists on.
    assert (ROOT.parent / "shared" / "vectors" / "vc-di-eddsa" / "TestVectors" / "keyPair.json").is_file()
    assert not (ROOT / "tests" / "vectors").exists()


def test_ci_stops_at_once_without_shared(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".ci").mkdir(parents=True)
    shutil.copy2(ROOT / ".ci" / "run", project / ".ci" / "run")
    done = subprocess.run(
        ["bash", str(project / ".ci" / "run")], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"expected {tmp_path}/shared/vectors" in done.stderr  # and it stopped before `make test` (exit 2)
