"""Shared by the CLI tests: running ``microcred`` in process against the test database."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from microcred.app.cli import cli

CREATE = ["institution", "create", "--slug", "uni-a", "--name", "University A", "--url", "https://uni-a.example",
          "--country", "IE", "--region", "IE-D"]  # fmt: skip


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output
