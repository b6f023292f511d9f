"""``microcred migrate``: apply or undo database migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from microcred.app.cli.common import errors
from microcred.app.core.settings import Settings
from microcred.app.db.migrate import current_revision, downgrade, upgrade

__all__ = ["migrate", "register"]


def migrate(
    revision: Annotated[str, typer.Option(help="upgrade to this revision")] = "head",
    down: Annotated[
        str | None, typer.Option(help="downgrade to this revision instead (e.g. base, -1)")
    ] = None,
) -> None:
    """Apply (or undo) database migrations."""
    settings = Settings()
    with errors():
        url = settings.resolved_database_url
        if down is not None:
            downgrade(url, revision=down)
        else:
            upgrade(url, revision=revision)
        typer.echo(f"database at revision {current_revision(url) or 'base (empty)'}")


def register(app: typer.Typer) -> None:
    """Add ``migrate`` to the ``microcred`` command."""
    app.command()(migrate)
