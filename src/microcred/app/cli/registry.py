"""``microcred registry ...``: list an institution in the trust registry in one command, change states, export.

``serve --dev`` calls :func:`ensure_demo_listing` so the demo institution is on the demo registry out of the box.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from microcred.app.cli.common import database, errors
from microcred.app.core.deps import utc_now
from microcred.app.core.settings import Settings
from microcred.app.registry.keys import registry_signer, retire_registry_key, rotate_registry_key
from microcred.app.registry.service import change_state, ensure_listed, list_entries, registry_did
from microcred.registry import dcc_export, export_document, sign_export
from microcred.vc.errors import InvalidInput

__all__ = ["DEMO_QA_BODY", "ensure_demo_listing", "register", "registry_cli"]

DEMO_QA_BODY = "microcred demo registry: a demonstration, not a real accreditation"

registry_cli = typer.Typer(
    help="The register of trustworthy providers: list institutions, change their state, export.",
    no_args_is_help=True,
)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{option} must be an ISO 8601 date-time with a zone, e.g. 2026-01-01T00:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{option} needs a time zone, e.g. 2026-01-01T00:00:00Z")
    return parsed


@registry_cli.command("add-institution")
def add_institution(
    slug: Annotated[str, typer.Argument(help="the microcred institution to list (its slug)")],
    qa_body: Annotated[str, typer.Option(help="accreditation / quality-assurance body, e.g. QQI")],
    qa_reference: Annotated[
        str | None, typer.Option(help="reference of the QA decision (e.g. a DEQAR report URL)")
    ] = None,
    qa_body_id: Annotated[
        str | None, typer.Option(help="identifier of the QA body (e.g. its EQAR id)")
    ] = None,
    achievement_type: Annotated[
        list[str] | None,
        typer.Option("--type", help="OB3 achievementType in scope (repeatable; default any)"),
    ] = None,
    eqf: Annotated[
        list[str] | None, typer.Option(help="EQF level in scope, 1-8 (repeatable; default any)")
    ] = None,
    isced: Annotated[
        list[str] | None, typer.Option(help="ISCED-F field in scope, e.g. 06 (repeatable; default any)")
    ] = None,
    valid_from: Annotated[str | None, typer.Option(help="default: when the institution was created")] = None,
    valid_until: Annotated[str | None, typer.Option(help="default: open-ended")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the entry as JSON")] = False,
) -> None:
    """List a microcred institution from its record (name, country, region, web site, did:web) in one step."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        entry, created = ensure_listed(
            session,
            slug=slug,
            qa_body=qa_body,
            qa_reference=qa_reference,
            qa_body_id=qa_body_id,
            valid_from=_when(valid_from, "--valid-from"),
            valid_until=_when(valid_until, "--valid-until"),
            achievement_types=achievement_type or (),
            eqf_levels=eqf or (),
            isced_fields=isced or (),
            now=utc_now(),
        )
    if as_json:
        _print_json(entry.as_json())
        return
    typer.echo(f"{'listed' if created else 'already listed'}: {entry.legal_name} ({', '.join(entry.dids)})")
    typer.echo(f"  entry: {entry.id}   state: {entry.state}   QA: {entry.qa_body}")


@registry_cli.command("list")
def list_command(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Every entry with its current state."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        entries = list_entries(session)
    if as_json:
        _print_json([e.as_json() for e in entries])
        return
    for e in entries:
        typer.echo(f"{e.id}\t{e.state}\t{e.legal_name}\t{' '.join(e.dids)}")


@registry_cli.command("state")
def state_command(
    entry_id: Annotated[str, typer.Argument(help="the entry id (see `microcred registry list`)")],
    state: Annotated[str, typer.Argument(help="active, suspended or withdrawn (final)")],
    reason: Annotated[str, typer.Option(help="why; kept in the entry's history")] = "",
) -> None:
    """Suspend, reactivate or withdraw an entry."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        entry = change_state(session, entry_id=entry_id, state=state, reason=reason, now=utc_now())
    typer.echo(f"{entry.id}: {entry.state}")


@registry_cli.command("export")
def export_command(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="write here instead of stdout")
    ] = None,
    dcc: Annotated[
        bool, typer.Option("--dcc", help="the DCC issuer-registry JSON instead of the signed export")
    ] = False,
) -> None:
    """The signed export (a compact JWS a verifier can use offline as a "file" registry) or the DCC JSON."""
    settings = Settings()
    now = utc_now()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        entries = list_entries(session)
        if dcc:
            created = min((e.history[0].at for e in entries), default=now)
            text = json.dumps(dcc_export(entries, now=now, created=created), indent=2)
        else:
            signer = registry_signer(session, keystore=db.keystore, base_url=settings.base_url, now=now)
            document = export_document(
                entries,
                registry_did=registry_did(settings.base_url),
                name=f"the microcred trust registry at {settings.base_url}/registry",
                url=f"{settings.base_url}/registry",
                now=now,
            )
            text = sign_export(document, signer=signer)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {output} (registry DID {registry_did(settings.base_url)})")


@registry_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Make a new registry signing key; earlier keys stay in the registry's DID document until retired, so
    exports signed before the rotation keep verifying."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        key = rotate_registry_key(session, keystore=db.keystore, base_url=settings.base_url, now=utc_now())
    typer.echo(f"registry: new signing key {key.kid} ({registry_did(settings.base_url)}#{key.kid})")


@registry_cli.command("retire-key")
def retire_key_command(
    kid: Annotated[str, typer.Argument(help='the key to remove from the DID document, e.g. "key-1"')],
) -> None:
    """Remove an earlier registry key from the DID document (exports it signed stop verifying)."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        retire_registry_key(session, kid=kid, now=utc_now())
    typer.echo(f"registry: retired {kid}")


def ensure_demo_listing(settings: Settings) -> str:
    """List the demo institution in the demo registry (``serve --dev``); returns a line for the start banner."""
    with database(settings) as db, db.sessions.begin() as session:
        entry, _created = ensure_listed(
            session,
            slug=settings.demo_slug,
            qa_body=DEMO_QA_BODY,
            achievement_types=["MicroCredential"],
            now=utc_now(),
        )
        registry_signer(session, keystore=db.keystore, base_url=settings.base_url, now=utc_now())
    return f"{settings.base_url}/registry (lists {entry.legal_name}; DID {registry_did(settings.base_url)})"


def register(app: typer.Typer) -> None:
    """Add ``registry`` to the ``microcred`` command."""
    app.add_typer(registry_cli, name="registry")
