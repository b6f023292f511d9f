"""``microcred learner-link CREDENTIAL_ID [--revoke]``: the institution API's renew/revoke of a learner's private
link, from the command line (for credentials issued before learner keys existed, batch rows, or a leaked link).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from microcred.app.cli.common import database, errors
from microcred.app.core.deps import utc_now
from microcred.app.core.settings import Settings
from microcred.app.issuance import data as issuance_data
from microcred.app.issuance.learner_keys import learner_page_url, new_learner_key, revoke_learner_key
from microcred.vc.errors import NotFound

__all__ = ["learner_link", "register"]


def learner_link(
    credential: Annotated[str, typer.Argument(help="the credential id (urn:uuid:… or the bare UUID)")],
    revoke: Annotated[
        bool, typer.Option("--revoke", help="revoke the link instead of making a new one")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print a new private learner link (the old one stops working), or revoke it with --revoke."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        public_id = credential.removeprefix("urn:uuid:")
        row = issuance_data.credential_or_none(session, public_id=public_id)
        if row is None:
            raise NotFound(f'no credential "{credential}"')
        if revoke:
            revoke_learner_key(session, credential=row)
            answer = {"credentialId": f"urn:uuid:{public_id}", "learnerLink": None}
        else:
            made = new_learner_key(session, credential=row, base_url=settings.base_url, now=utc_now())
            answer = {"credentialId": f"urn:uuid:{public_id}", "learnerLink": made.link}
        answer["learnerPage"] = learner_page_url(settings.base_url, public_id)
    if as_json:
        typer.echo(json.dumps(answer))
    elif revoke:
        typer.echo(f"{answer['credentialId']}: learner link revoked")
    else:
        typer.echo(str(answer["learnerLink"]))


def register(app: typer.Typer) -> None:
    """Add ``learner-link`` to the ``microcred`` command."""
    app.command("learner-link")(learner_link)
