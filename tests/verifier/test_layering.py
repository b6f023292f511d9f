"""The verifier is a library of its own: it never imports ``issuer`` (nor the web/DB layer)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

VERIFIER = Path(__file__).parents[2] / "verifier"
FORBIDDEN = ("issuer", "app", "migrations", "fastapi", "sqlalchemy", "jinja2")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_verifier_module_imports_issuer_or_the_app_layer() -> None:
    files = sorted(VERIFIER.rglob("*.py"))
    assert len(files) > 10
    offending = {
        f"{path.name}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert offending == set()


def test_importing_the_verifier_loads_no_issuer_module() -> None:
    code = (
        "import sys, verifier, verifier.credential, verifier.presentation, verifier.jwt, verifier.inputs; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('issuer', 'app', 'fastapi', 'sqlalchemy')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
