"""Test modules never import other test modules: shared builders live in ``tests/<package>/factories.py`` (or a
``harness``), fixtures in ``conftest.py``, so a test file can move or be deleted without breaking another."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"


def imported_modules(source: str, package: list[str]) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every module or name ``source`` (a module of ``package``) imports, relative imports
    made absolute."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield node.lineno, module
            for alias in node.names:  # ``from tests.x import test_y`` imports a module too
                yield node.lineno, f"{module}.{alias.name}"


def named_test_module(name: str) -> Path | None:
    """The file of ``name`` when it is a test module or a conftest under tests/ (outside the exemption)."""
    if not name.startswith("tests."):
        return None
    file = ROOT.joinpath(*name.split(".")).with_suffix(".py")
    is_test = file.name.startswith("test_") or file.name == "conftest.py"
    if not is_test or not file.is_file():
        return None
    return file


def offending_imports(path: Path) -> list[str]:
    """``path:line imports module`` for each test module or conftest that the file at ``path`` imports."""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for line, name in imported_modules(path.read_text(encoding="utf-8"), package)
        if named_test_module(name) not in (None, path)
    ]


def test_no_test_module_imports_another() -> None:
    offenders = [
        problem
        for path in sorted(TESTS.rglob("*.py"))
        if "node_modules" not in path.parts
        for problem in offending_imports(path)
    ]
    assert offenders == [], "move what they share into factories.py:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        "from tests.verifier.conftest import loader",
        "from .test_status_concurrency import SIZE",
        "from ..verifier import conftest",
        "from tests.suites import test_rdf",
        "import tests.suites.test_proofs",
    ],
)
def test_the_scan_finds_every_import_form(source: str) -> None:
    """The check above would pass vacuously if the scan missed an import form (relative ones as from tests/db)."""
    names = [name for _, name in imported_modules(source, ["tests", "db"])]
    assert [name for name in names if named_test_module(name)] != []


def test_factories_are_allowed() -> None:
    source = "from tests.verifier.factories import NOW\nfrom tests.app.factories import KEK\nimport tests.factories\n"
    names = [name for _, name in imported_modules(source, ["tests", "db"])]
    assert [name for name in names if named_test_module(name)] == []
