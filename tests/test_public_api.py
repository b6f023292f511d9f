"""Each library package exports exactly the API docs/library.md lists, every exported name is documented, and the
README's library examples run as written, offline."""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import re
import socket
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["vc", "contexts", "keys", "suites", "registry", "issuer", "verifier"]


def documented_exports(text: str) -> dict[str, list[str]]:
    """Package → the names of its "Exports:" paragraph, from each "### `microcred.X`" section."""
    exports: dict[str, list[str]] = {}
    for package, body in re.findall(r"^### `microcred\.(\w+)`\n(.*?)(?=^### |\Z)", text, re.M | re.S):
        paragraph = re.search(r"^Exports: (.*?)(?:\n\n|\Z)", body, re.M | re.S)
        assert paragraph is not None, f"docs/library.md: microcred.{package} has no Exports paragraph"
        exports[package] = re.findall(r"`(\w+)`", paragraph.group(1))
    return exports


def attribute_docstrings(package: ModuleType) -> set[str]:
    """Module-level names of the package's modules that are followed by a docstring (``NAME = ...`` then a string)."""
    names: set[str] = set()
    for path in Path(package.__file__ or "").parent.glob("*.py"):
        body = ast.parse(path.read_text(encoding="utf-8")).body
        for statement, following in itertools.pairwise(body):
            if not (isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)):
                continue
            if not isinstance(following.value.value, str) or not following.value.value.strip():
                continue
            if isinstance(statement, ast.Assign):
                names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
            elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                names.add(statement.target.id)
    return names


def has_docstring(value: Any, name: str, documented_attributes: set[str]) -> bool:
    """A class or function documents itself (not through a base class); a constant or alias by the string after
    its assignment."""
    inner = inspect.unwrap(value) if callable(value) else value
    if inspect.isclass(inner):
        return bool((inner.__dict__.get("__doc__") or "").strip())
    if inspect.isfunction(inner):
        return bool((inner.__doc__ or "").strip())
    return name in documented_attributes


LISTED = documented_exports((ROOT / "docs" / "library.md").read_text(encoding="utf-8"))


def test_docs_list_every_library_package() -> None:
    assert sorted(LISTED) == sorted(PACKAGES)


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_the_documented_api(name: str) -> None:
    package = importlib.import_module(f"microcred.{name}")
    assert sorted(package.__all__) == sorted(LISTED[name])
    assert len(set(package.__all__)) == len(package.__all__)


@pytest.mark.parametrize("name", PACKAGES)
def test_every_exported_name_exists_and_is_documented(name: str) -> None:
    package = importlib.import_module(f"microcred.{name}")
    assert (package.__doc__ or "").strip()
    documented = attribute_docstrings(package)
    missing = [export for export in package.__all__ if not hasattr(package, export)]
    assert missing == []
    undocumented = [
        export
        for export in package.__all__
        if not has_docstring(getattr(package, export), export, documented)
    ]
    assert undocumented == []


def test_the_documentation_check_catches_an_undocumented_name() -> None:
    """``has_docstring`` would let everything through if it read inherited or type docstrings."""

    class Bare(ValueError):
        pass

    def bare() -> None:
        pass

    assert not has_docstring(Bare, "Bare", set())
    assert not has_docstring(bare, "bare", set())
    assert not has_docstring("https://example.org/constant", "CONSTANT", set())
    assert has_docstring("https://example.org/constant", "CONSTANT", {"CONSTANT"})


def readme_library_examples() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use as a library", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_readme_library_examples_run_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both front doors as the README shows them, in order, with the network unplugged."""
    examples = readme_library_examples()
    assert len(examples) == 2

    def unplugged(*args: Any, **kwargs: Any) -> Any:
        raise OSError("the README examples must not use the network")

    monkeypatch.setattr(socket, "getaddrinfo", unplugged)
    monkeypatch.setattr(socket.socket, "connect", unplugged)
    namespace: dict[str, Any] = {}
    for example in examples:
        exec(compile(example, "README.md", "exec"), namespace)
    assert namespace["report"].verified is True
    assert [p["cryptosuite"] for p in namespace["credential"]["proof"]] == ["eddsa-rdfc-2022"]
