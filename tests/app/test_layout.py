"""The app layer by feature (ADR 0007): imports run routes -> service -> data -> tables, services never import
pages, only the composition root imports route modules, and the import graph (the CLI's included) has no cycle."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

APP = Path(__file__).parents[2] / "src" / "microcred" / "app"
FEATURES = (
    "achievements",
    "batches",
    "institutions",
    "issuance",
    "registry",
    "status",
    "verification",
    "wallets",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(APP).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def app_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(APP.rglob("*.py"))}


def imports(path: Path, *, top_level_only: bool = False) -> Iterator[tuple[str, int]]:
    """(module, line) of each ``microcred.app`` import, ``microcred.app.`` taken off; ``from microcred.app.x import
    y`` yields ``x.y`` when ``y`` is a module of its own."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    modules = app_modules()
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("microcred.app."):
                    yield alias.name.removeprefix("microcred.app."), node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("microcred.app"):
            base = node.module.removeprefix("microcred.app").removeprefix(".")
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                yield (candidate if candidate in modules else base), node.lineno


def graph() -> dict[str, set[str]]:
    return {name: {target for target, _ in imports(path)} for name, path in app_modules().items()}


def is_routes(name: str) -> bool:
    return name.rsplit(".", 1)[-1] == "routes" or name.endswith("_routes")


def is_page(name: str) -> bool:
    return name == "pages" or name.startswith("pages.")


def test_the_features_each_have_routes_and_the_old_flat_modules_are_gone() -> None:
    modules = app_modules()
    for feature in FEATURES:
        assert f"{feature}.routes" in modules, feature
    flat = {name for name in modules if "." not in name and name not in {"", "main"}}
    assert flat <= {"core", "db", "cli", "pages", *FEATURES}, flat


def test_data_access_imports_only_tables_and_libraries() -> None:
    offending = {
        f"{name} -> {target}"
        for name, targets in graph().items()
        if name.rsplit(".", 1)[-1] == "data"
        for target in targets
        if not (target.startswith("db.") or target.rsplit(".", 1)[-1] == "data")
    }
    assert offending == set()


@pytest.mark.parametrize("layer", ["db", "core"])
def test_db_and_core_import_no_feature(layer: str) -> None:
    allowed = {"db", "core"} if layer == "core" else {"db"}
    offending = {
        f"{name} -> {target}"
        for name, targets in graph().items()
        if name.split(".")[0] == layer
        for target in targets
        if target.split(".")[0] not in allowed
        # deps authenticates API keys: the one wiring that reaches into a feature's service
        and (name, target) != ("core.deps", "institutions.service")
    }
    assert offending == set()


def test_nothing_but_routes_and_the_composition_root_imports_pages() -> None:
    offending = {
        f"{name} -> {target}"
        for name, targets in graph().items()
        if not (is_routes(name) or is_page(name) or name == "main")
        for target in targets
        if is_page(target)
    }
    assert offending == set()


def test_only_the_composition_root_imports_route_modules() -> None:
    offending = {
        f"{name} -> {target}"
        for name, targets in graph().items()
        if name != "main"
        for target in targets
        if is_routes(target) and not (name == "pages" or name.startswith("pages."))
    }
    assert offending == set()


def test_the_app_import_graph_has_no_cycle() -> None:
    edges = graph()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            cycle = " -> ".join((*path[path.index(name) :], name))
            raise AssertionError(f"import cycle: {cycle}")
        if name in done or name not in edges:
            return
        for target in sorted(edges[name]):
            visit(target, (*path, name))
        done.add(name)

    for name in sorted(edges):
        visit(name, ())


def test_the_cli_imports_at_module_level() -> None:
    """A function-local import is how a cycle hides: every CLI module imports what it uses at the top."""
    offending = set()
    for name, path in app_modules().items():
        if name.split(".")[0] == "cli":
            everywhere = set(imports(path))
            offending |= {
                f"{name}:{line} {target}"
                for target, line in everywhere - set(imports(path, top_level_only=True))
            }
    assert offending == set()


def test_routes_pages_and_commands_query_through_data_access() -> None:
    """A route, a page or a command builds no SQL statement itself: that is its feature's data access."""
    statements = {"select", "insert", "update", "delete", "text"}
    offending = set()
    for name, path in app_modules().items():
        if is_routes(name) or is_page(name) or name.split(".")[0] == "cli" or name == "main":
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
                    offending |= {f"{name}: {a.name}" for a in node.names if a.name in statements}
    assert offending == set()
