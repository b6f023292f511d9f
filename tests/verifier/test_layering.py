"""The verifier is a library of its own: it never imports ``issuer`` (nor the web/DB layer)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

VERIFIER = Path(__file__).parents[2] / "src" / "microcred" / "verifier"
FORBIDDEN = ("issuer", "app", "migrations", "fastapi", "sqlalchemy", "jinja2")


def imported_modules(path: Path) -> set[str]:
    """Imported module names, ``microcred.`` taken off so the layer comes first (``issuer.credential``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "microcred":  # from microcred import issuer
                names.update(alias.name for alias in node.names)
            else:
                names.add(node.module)
    return {name.removeprefix("microcred.") for name in names}


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
        "import sys, microcred.verifier, microcred.verifier.credential, microcred.verifier.presentation, "
        "microcred.verifier.jwt, microcred.verifier.inputs; "
        "print(sorted(m for m in sys.modules if m.startswith(('microcred.issuer', 'microcred.app')) "
        "or m.split('.')[0] in ('fastapi', 'sqlalchemy')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
