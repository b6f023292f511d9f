"""Build the wheel and check it installs one top-level package, microcred, with its data files and migrations.

Run by .ci/run (building needs the package index for setuptools, so it is not part of pytest).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Files the running service opens by path: a wheel without them installs but cannot start or migrate.
REQUIRED = (
    "microcred/app/templates/base.html",
    "microcred/app/static/style.css",
    "microcred/contexts/manifest.json",
    "microcred/vc/schemas/ob_v3p0_achievementcredential_schema.json",
    "microcred/issuer/data/countries.json",
    "microcred/migrations/env.py",
    "microcred/migrations/script.py.mako",
    "microcred/migrations/versions/0001_institutions_api_keys_signing_keys.py",
)


def main() -> int:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(  # noqa: S603 - our own interpreter and project path
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out, str(ROOT)], check=True
        )
        (wheel,) = Path(out).glob("microcred-*.whl")
        names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    missing = [name for name in REQUIRED if name not in names]
    if top != {"microcred"} or missing:
        print(f"wheel {wheel.name}: top-level {sorted(top)}, missing {missing}", file=sys.stderr)
        return 1
    print(f"== wheel {wheel.name}: only microcred/ at top level, {len(names)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
