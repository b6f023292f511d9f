"""``microcred revoke|suspend|reinstate CREDENTIAL_ID``: the status request of the API, from the command line.

The change is audited with the actor ``cli:<user>``; the published list picks it up on its next read.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from typing import Annotated

import typer

from microcred.app.cli.common import database, errors
from microcred.app.core.deps import utc_now
from microcred.app.core.settings import Settings
from microcred.app.institutions import data as institutions_data
from microcred.app.issuance import data as issuance_data
from microcred.app.status.changes import Actor, StatusChange, change_status
from microcred.vc.errors import NotFound

__all__ = ["COMMANDS", "register"]

CredentialArg = Annotated[str, typer.Argument(help="the credential id (urn:uuid:… or the bare UUID)")]
InstitutionOpt = Annotated[
    str | None, typer.Option(help="institution slug (default: the institution that issued the credential)")
]
ReasonOpt = Annotated[str | None, typer.Option(help="why (kept in the audit trail)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


def _change(
    credential: str, *, purpose: str, status: bool, institution: str | None, reason: str | None, as_json: bool
) -> None:
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        if institution is not None:
            owner = institutions_data.get_institution(session, slug=institution)
        else:
            public_id = credential.removeprefix("urn:uuid:")
            issued = issuance_data.credential_or_none(session, public_id=public_id)
            found = (
                institutions_data.institution_by_id(session, institution_id=issued.institution_id)
                if issued is not None
                else None
            )
            if found is None:
                raise NotFound(f'no credential "{credential}"')
            owner = found
        change = change_status(
            session,
            institution=owner,
            credential_id=credential,
            purpose=purpose,
            status=status,
            reason=reason,
            actor=Actor(label=f"cli:{_user()}"),
            now=utc_now(),
        )
    _report(change, as_json=as_json)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def _report(change: StatusChange, *, as_json: bool) -> None:
    if as_json:
        typer.echo(
            json.dumps(
                {"credentialId": change.credential_id, "changed": change.changed, **change.statuses}
                | ({"walletCopies": change.copies} if change.copies else {})
            )
        )
        return
    state = ", ".join(
        f"{purpose} {'set' if value else 'clear'}" for purpose, value in sorted(change.statuses.items())
    )
    typer.echo(f"{change.credential_id}: {'changed' if change.changed else 'unchanged'} ({state})")
    for copy, changed in change.copies.items():
        typer.echo(f"  wallet copy {copy}: {'changed' if changed else 'unchanged'}")


def _status_command(purpose: str, status: bool, doc: str) -> Callable[..., None]:
    """One of the three commands: the same arguments, one status purpose set or cleared."""

    def command(
        credential: CredentialArg,
        institution: InstitutionOpt = None,
        reason: ReasonOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        _change(
            credential,
            purpose=purpose,
            status=status,
            institution=institution,
            reason=reason,
            as_json=as_json,
        )

    command.__doc__ = doc
    return command


COMMANDS = {
    "revoke": _status_command("revocation", True, "Revoke a credential (final: it cannot be reinstated)."),
    "suspend": _status_command(
        "suspension",
        True,
        "Suspend a credential (needs a suspension entry: see MICROCRED_STATUS_SUSPENSION).",
    ),
    "reinstate": _status_command(
        "suspension", False, "Lift a suspension (a revoked credential cannot be reinstated)."
    ),
}


def register(app: typer.Typer) -> None:
    """Add ``revoke``, ``suspend`` and ``reinstate`` to the ``microcred`` command."""
    for name, command in COMMANDS.items():
        app.command(name)(command)
