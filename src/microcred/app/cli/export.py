"""``microcred export elm CREDENTIAL_ID``: an issued credential in another data model, printed as JSON-LD.

``elm``: its ELM v3 form (a Europass ``EuropeanDigitalCredential``), signed by the institution's key; the same
document as ``GET /credentials/{id}/elm``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from microcred.app.cli.common import database, errors
from microcred.app.core.settings import Settings
from microcred.app.issuance import data as issuance_data
from microcred.app.issuance.elm import signed_elm

__all__ = ["elm", "register"]

export_cli = typer.Typer(help="Print an issued credential in another data model.", no_args_is_help=True)


@export_cli.command("elm")
def elm(
    credential: Annotated[str, typer.Argument(help="the credential id (urn:uuid:… or the bare UUID)")],
) -> None:
    """Print the credential's signed ELM v3 (Europass EDC) JSON-LD."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        row = issuance_data.find_credential(session, public_id=credential.removeprefix("urn:uuid:"))
        document = signed_elm(session, keystore=db.keystore, row=row)
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Add ``export elm`` to the ``microcred`` command."""
    app.add_typer(export_cli, name="export")
