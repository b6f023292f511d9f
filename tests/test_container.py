"""The Dockerfile builds an image that can run: what it COPYs is the whole installable project.

No container engine runs here, so the image is simulated: exactly the paths the Dockerfile copies go into an
empty directory, and the apps, the CLI and the migrations are found there alone (the project checkout taken off the
path). A package root (``src/``) missing from the COPY lines fails here instead of at ``docker run``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = re.compile(r"^COPY\s+(?!--from)(.+?)\s+(\S+)\s*$", re.MULTILINE)


def copied_paths() -> list[str]:
    sources: list[str] = []
    for line_sources, _target in COPY.findall((ROOT / "Dockerfile").read_text()):
        sources.extend(line_sources.split())
    return sources


def package_roots() -> list[str]:
    """The folders setuptools finds the installable packages in (``where`` of ``packages.find``)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    roots: list[str] = project["tool"]["setuptools"]["packages"]["find"]["where"]
    return roots


def test_every_installable_package_is_copied_into_the_image() -> None:
    roots = set(package_roots())
    assert roots <= set(copied_paths()), f"not copied by the Dockerfile: {roots - set(copied_paths())}"


def test_the_apps_and_the_cli_import_from_the_copied_files_alone(tmp_path: Path) -> None:
    image = tmp_path / "srv"
    image.mkdir()
    for source in copied_paths():
        origin = ROOT / source
        if origin.is_dir():
            shutil.copytree(origin, image / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, image / source)
    program = (
        "import sys; "
        f"sys.path = [p for p in sys.path if p.rstrip('/') not in ({str(ROOT)!r}, '', '.')]; "
        f"sys.path[:0] = {[str(image / root) for root in package_roots()]!r}; "
        "import microcred.app.main, microcred.app.cli, microcred.app.db.migrate; "
        "from microcred.app.db.migrate import migrations_dir; "
        f"assert microcred.app.main.__file__.startswith({str(image)!r}), microcred.app.main.__file__; "
        f"assert str(migrations_dir()).startswith({str(image)!r}), migrations_dir(); "
        "print('ok')"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=image, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
