"""The registry is a plain library: it imports vc, contexts, keys and suites only (no verifier, issuer, web or DB);
and the verifier reads the registry's published format without importing the registry package."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2] / "src" / "microcred"
OURS = {"app", "issuer", "verifier", "registry", "migrations", "vc", "contexts", "keys", "suites"}
ALLOWED = {"registry", "vc", "contexts", "keys", "suites"}


def root(module: str) -> str:
    """The layer of a ``microcred.<layer>...`` module, or the top-level name of any other."""
    parts = module.split(".")
    return parts[1] if parts[0] == "microcred" and len(parts) > 1 else parts[0]


def imported_roots(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(root(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "microcred":  # from microcred import suites
                names.update(alias.name for alias in node.names)
            else:
                names.add(root(node.module))
    return names


def test_registry_imports_only_the_lower_layers() -> None:
    files = sorted((ROOT / "registry").glob("*.py"))
    assert len(files) >= 4
    offending = {
        f"{p.name}: {name}"
        for p in files
        for name in imported_roots(p)
        if (name in OURS and name not in ALLOWED) or name in {"fastapi", "sqlalchemy", "jinja2", "httpx"}
    }
    assert offending == set()


def test_the_verifier_never_imports_the_registry_package() -> None:
    offending = {p.name for p in (ROOT / "verifier").glob("*.py") if "registry" in imported_roots(p)}
    assert offending == set()
