"""The ``microcred`` command: serve both apps, migrate, and manage institutions, keys and API keys.

One module per command group, each adding its commands with ``register``; shared helpers are in ``common``.
Errors print one clear line on stderr and exit with status 1 (no tracebacks).
"""

from __future__ import annotations

import typer

from microcred.app.cli import db, export, institutions, issue, learner_link, registry, serve, status
from microcred.app.cli.verify import verify_command

__all__ = ["cli", "main"]

cli = typer.Typer(
    help="microcred: issue and verify EU micro-credentials (Open Badges 3.0).", no_args_is_help=True
)
institutions.register(cli)  # institution, keys, apikey
issue.register(cli)  # issue --csv, worker
registry.register(cli)  # registry add-institution, list, state, export
status.register(cli)  # revoke, suspend, reinstate
learner_link.register(cli)  # learner-link
export.register(cli)  # export elm
cli.command("verify")(verify_command)
db.register(cli)  # migrate
serve.register(cli)


def main() -> None:
    """Entry point of the ``microcred`` script."""
    cli()
