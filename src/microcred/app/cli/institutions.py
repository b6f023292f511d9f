"""``microcred institution``, ``keys`` and ``apikey``: create and list institutions, rotate and retire their
signing keys, mint and revoke their API keys; and the demo institution of ``serve --dev``."""

from __future__ import annotations

from typing import Annotated

import typer

from microcred.app.cli.common import database, errors, print_json, write_private
from microcred.app.core.deps import utc_now
from microcred.app.core.settings import Settings
from microcred.app.institutions import data as institutions_data
from microcred.app.institutions.keys import institution_keys, key_summary, retire_keys
from microcred.app.institutions.service import (
    authenticate,
    create_institution,
    created_view,
    institution_summary,
    mint_api_key,
    revoke_api_key,
)
from microcred.vc.errors import MicrocredError, Unauthorized

__all__ = ["apikey_cli", "ensure_demo", "institution_cli", "keys_cli", "register"]

institution_cli = typer.Typer(help="Create and list institutions.", no_args_is_help=True)
keys_cli = typer.Typer(help="Rotate and retire an institution's signing keys.", no_args_is_help=True)
apikey_cli = typer.Typer(help="Create and revoke an institution's API keys.", no_args_is_help=True)


@institution_cli.command("create")
def institution_create(
    slug: Annotated[str, typer.Option(help="lowercase identifier used in URLs and the did:web")],
    name: Annotated[str, typer.Option(help="display name")],
    url: Annotated[str, typer.Option(help="the institution's web site")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 code, e.g. IE")],
    region: Annotated[str | None, typer.Option(help="ISO 3166-2 (IE-D) or NUTS (IE061) code")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (institution, DID, API key)")] = False,
) -> None:
    """Create an institution with its did:web, a signing key and an API key (shown once)."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        created = create_institution(
            session,
            keystore=db.keystore,
            base_url=settings.base_url,
            slug=slug,
            name=name,
            url=url,
            country=country,
            region=region,
            now=utc_now(),
        )
        view = created_view(created, base_url=settings.base_url)
    if as_json:
        print_json(view)
        return
    typer.echo(f"created institution {slug}")
    typer.echo(f"  DID:          {view['did']}")
    typer.echo(f"  DID document: {view['didDocument']}")
    typer.echo(f"  did:key:      {view['signingKey']['didKey']}")
    typer.echo(f"  API key:      {view['apiKey']['key']}")
    typer.echo("  (the API key is shown only now; it is stored hashed)")


@institution_cli.command("list")
def institution_list(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """List institutions."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        rows = [institution_summary(i) for i in institutions_data.list_institutions(session)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['slug']}\t{row['did']}\t{row['name']}")


@keys_cli.command("rotate")
def keys_rotate(
    slug: str, as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False
) -> None:
    """Make a new active key; the previous one stays in the DID document (old credentials verify) until retired."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        institution = institutions_data.get_institution(session, slug=slug)
        key = institution_keys(institution).rotate(session, keystore=db.keystore, now=utc_now())
        summary = key_summary(institution, key)
    if as_json:
        print_json(summary)
    else:
        typer.echo(f"{slug}: new active key {summary['kid']} ({summary['verificationMethod']})")


@keys_cli.command("retire")
def keys_retire(
    slug: str,
    key: Annotated[
        list[str] | None, typer.Option("--key", help="kid to retire (repeatable), e.g. key-1")
    ] = None,
    all_inactive: Annotated[bool, typer.Option("--all-inactive", help="retire every inactive key")] = False,
) -> None:
    """Remove inactive keys from the DID document (credentials they signed stop verifying)."""
    settings = Settings()
    with errors():
        if not key and not all_inactive:
            raise MicrocredError("name keys with --key KID or use --all-inactive")
        with database(settings) as db, db.sessions.begin() as session:
            institution = institutions_data.get_institution(session, slug=slug)
            retired = retire_keys(
                session, institution=institution, kids=key or [], all_inactive=all_inactive, now=utc_now()
            )
            kids = [k.kid for k in retired]
    typer.echo(f"{slug}: retired {', '.join(kids) if kids else 'no keys'}")


@keys_cli.command("list")
def keys_list(slug: str) -> None:
    """List an institution's signing keys (public parts only) as JSON."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        institution = institutions_data.get_institution(session, slug=slug)
        rows = [key_summary(institution, k) for k in institution.signing_keys]
    print_json(rows)


@apikey_cli.command("create")
def apikey_create(
    slug: str, label: Annotated[str, typer.Option(help="a note on what the key is for")] = ""
) -> None:
    """Mint an API key for the institution (shown once)."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        institution = institutions_data.get_institution(session, slug=slug)
        minted = mint_api_key(session, institution=institution, label=label, now=utc_now())
    typer.echo(minted.key)


@apikey_cli.command("revoke")
def apikey_revoke(slug: str, prefix: str) -> None:
    """Revoke an API key by its prefix (the 8 characters after ``mc_``)."""
    settings = Settings()
    with errors(), database(settings) as db, db.sessions.begin() as session:
        institution = institutions_data.get_institution(session, slug=slug)
        revoke_api_key(session, institution=institution, prefix=prefix, now=utc_now())
    typer.echo(f"{slug}: revoked API key {prefix}")


def ensure_demo(settings: Settings) -> tuple[str, str, str]:
    """Create the demo institution if missing; return (DID, API key, how the key was obtained)."""
    path = settings.demo_api_key_file
    with database(settings) as db, db.sessions.begin() as session:
        institution = institutions_data.find_institution(session, slug=settings.demo_slug)
        if institution is None:
            created = create_institution(
                session,
                keystore=db.keystore,
                base_url=settings.base_url,
                slug=settings.demo_slug,
                name=settings.demo_name,
                url=settings.demo_url,
                country=settings.demo_country,
                region=settings.demo_region,
                now=utc_now(),
            )
            write_private(path, created.api_key.key)
            return created.institution.did, created.api_key.key, f"new; written to {path}"
        saved = path.read_text(encoding="ascii").strip() if path.exists() else None
        try:
            if authenticate(session, key=saved).id == institution.id:
                return institution.did, str(saved), f"unchanged; from {path}"
        except Unauthorized:
            pass
        # Keys are stored hashed, so a lost or revoked demo key cannot be shown again: mint a fresh one.
        minted = mint_api_key(session, institution=institution, label="demo", now=utc_now())
        write_private(path, minted.key)
        return (
            institution.did,
            minted.key,
            f"the saved key was missing or revoked, so a new one was minted; written to {path}",
        )


def register(app: typer.Typer) -> None:
    """Add ``institution``, ``keys`` and ``apikey`` to the ``microcred`` command."""
    app.add_typer(institution_cli, name="institution")
    app.add_typer(keys_cli, name="keys")
    app.add_typer(apikey_cli, name="apikey")
