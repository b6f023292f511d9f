"""The ``microcred`` command: serve both apps, migrate, and manage institutions, keys and API keys.

Errors print one clear line on stderr and exit with status 1 (no tracebacks).
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import httpx
import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from microcred.app.cli_issue import ensure_demo_catalogue
from microcred.app.cli_issue import register as register_issue_commands
from microcred.app.core.deps import utc_now
from microcred.app.core.settings import Settings
from microcred.app.db.engine import make_engine, make_sessions
from microcred.app.db.migrate import current_revision, downgrade, head_revision, upgrade
from microcred.app.institutions import data as repo
from microcred.app.institutions.keyring import key_summary, retire_keys, rotate_key
from microcred.app.institutions.service import (
    authenticate,
    create_institution,
    created_view,
    institution_summary,
    mint_api_key,
    revoke_api_key,
)
from microcred.app.learner_link_cli import register as register_learner_link_commands
from microcred.app.registry_cli import ensure_demo_listing
from microcred.app.registry_cli import register as register_registry_commands
from microcred.app.status_cli import register as register_status_commands
from microcred.app.verify_cli import verify_command
from microcred.issuer.lifeline import die_with_parent
from microcred.keys import KeyStore, LocalKeyStore
from microcred.vc.errors import ConfigurationError, MicrocredError, Unauthorized

__all__ = ["cli", "main"]

cli = typer.Typer(
    help="microcred: issue and verify EU micro-credentials (Open Badges 3.0).", no_args_is_help=True
)
institution_cli = typer.Typer(help="Create and list institutions.", no_args_is_help=True)
keys_cli = typer.Typer(help="Rotate and retire an institution's signing keys.", no_args_is_help=True)
apikey_cli = typer.Typer(help="Create and revoke an institution's API keys.", no_args_is_help=True)
cli.add_typer(institution_cli, name="institution")
cli.add_typer(keys_cli, name="keys")
cli.add_typer(apikey_cli, name="apikey")
register_issue_commands(cli)  # issue --csv, worker (app/cli_issue.py)
register_registry_commands(cli)  # registry add-institution, list, state, export (app/registry_cli.py)
register_status_commands(cli)  # revoke, suspend, reinstate (app/status_cli.py)
register_learner_link_commands(cli)  # learner-link (app/learner_link_cli.py)
cli.command("verify")(verify_command)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn expected failures into one line on stderr and exit status 1."""
    try:
        yield
    except MicrocredError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    except SQLAlchemyError as exc:
        typer.echo(f"error: database failure ({type(exc).__name__}); is the database reachable?", err=True)
        raise typer.Exit(1) from None


@dataclass
class _Db:
    sessions: sessionmaker[Session]
    keystore: KeyStore
    settings: Settings


@contextmanager
def _database(settings: Settings) -> Iterator[_Db]:
    """Sessions and the key store for a migrated database."""
    settings.validate_for_start()
    url = settings.resolved_database_url
    if current_revision(url) != head_revision():
        raise ConfigurationError(
            "the database is not migrated to the current schema: run `microcred migrate`"
        )
    engine = make_engine(url)
    try:
        yield _Db(make_sessions(engine), LocalKeyStore(settings.kek()), settings)
    finally:
        engine.dispose()


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2))


@cli.command()
def migrate(
    revision: Annotated[str, typer.Option(help="upgrade to this revision")] = "head",
    down: Annotated[
        str | None, typer.Option(help="downgrade to this revision instead (e.g. base, -1)")
    ] = None,
) -> None:
    """Apply (or undo) database migrations."""
    settings = Settings()
    with _errors():
        url = settings.resolved_database_url
        if down is not None:
            downgrade(url, revision=down)
        else:
            upgrade(url, revision=revision)
        typer.echo(f"database at revision {current_revision(url) or 'base (empty)'}")


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
    with _errors(), _database(settings) as db, db.sessions.begin() as session:
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
        _print_json(view)
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
    with _errors(), _database(settings) as db, db.sessions.begin() as session:
        rows = [institution_summary(i) for i in repo.list_institutions(session)]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['slug']}\t{row['did']}\t{row['name']}")


@keys_cli.command("rotate")
def keys_rotate(
    slug: str, as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False
) -> None:
    """Make a new active key; the previous one stays in the DID document (old credentials verify) until retired."""
    settings = Settings()
    with _errors(), _database(settings) as db, db.sessions.begin() as session:
        institution = repo.get_institution(session, slug=slug)
        key = rotate_key(session, keystore=db.keystore, institution=institution, now=utc_now())
        summary = key_summary(institution, key)
    if as_json:
        _print_json(summary)
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
    with _errors():
        if not key and not all_inactive:
            raise MicrocredError("name keys with --key KID or use --all-inactive")
        with _database(settings) as db, db.sessions.begin() as session:
            institution = repo.get_institution(session, slug=slug)
            retired = retire_keys(
                session, institution=institution, kids=key or [], all_inactive=all_inactive, now=utc_now()
            )
            kids = [k.kid for k in retired]
    typer.echo(f"{slug}: retired {', '.join(kids) if kids else 'no keys'}")


@keys_cli.command("list")
def keys_list(slug: str) -> None:
    """List an institution's signing keys (public parts only) as JSON."""
    settings = Settings()
    with _errors(), _database(settings) as db, db.sessions.begin() as session:
        institution = repo.get_institution(session, slug=slug)
        rows = [key_summary(institution, k) for k in institution.signing_keys]
    _print_json(rows)


@apikey_cli.command("create")
def apikey_create(
    slug: str, label: Annotated[str, typer.Option(help="a note on what the key is for")] = ""
) -> None:
    """Mint an API key for the institution (shown once)."""
    settings = Settings()
    with _errors(), _database(settings) as db, db.sessions.begin() as session:
        institution = repo.get_institution(session, slug=slug)
        minted = mint_api_key(session, institution=institution, label=label, now=utc_now())
    typer.echo(minted.key)


@apikey_cli.command("revoke")
def apikey_revoke(slug: str, prefix: str) -> None:
    """Revoke an API key by its prefix (the 8 characters after ``mc_``)."""
    settings = Settings()
    with _errors(), _database(settings) as db, db.sessions.begin() as session:
        institution = repo.get_institution(session, slug=slug)
        revoke_api_key(session, institution=institution, prefix=prefix, now=utc_now())
    typer.echo(f"{slug}: revoked API key {prefix}")


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (mode 0600), replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def ensure_demo(settings: Settings) -> tuple[str, str, str]:
    """Create the demo institution if missing; return (DID, API key, how the key was obtained)."""
    path = settings.demo_api_key_file
    with _database(settings) as db, db.sessions.begin() as session:
        institution = repo.find_institution(session, slug=settings.demo_slug)
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
            _write_private(path, created.api_key.key)
            return created.institution.did, created.api_key.key, f"new; written to {path}"
        saved = path.read_text(encoding="ascii").strip() if path.exists() else None
        try:
            if authenticate(session, key=saved).id == institution.id:
                return institution.did, str(saved), f"unchanged; from {path}"
        except Unauthorized:
            pass
        # Keys are stored hashed, so a lost or revoked demo key cannot be shown again: mint a fresh one.
        minted = mint_api_key(session, institution=institution, label="demo", now=utc_now())
        _write_private(path, minted.key)
        return (
            institution.did,
            minted.key,
            f"the saved key was missing or revoked, so a new one was minted; written to {path}",
        )


def _spawn(factory: str, *, settings: Settings, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "--factory", f"microcred.app.main:{factory}",
        "--host", settings.host, "--port", str(port),
        "--no-access-log", "--log-level", settings.log_level.lower(),
    ]  # fmt: skip
    env = {**os.environ, "MICROCRED_DATA_DIR": str(settings.data_dir)}
    parent = os.getpid()
    # SIGKILL, not SIGTERM: a killed ``serve`` takes its apps with it at once; an interrupted batch chunk rolls
    # back and the next start resumes it (ADR 0002).
    return subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        command, env=env, preexec_fn=lambda: die_with_parent(signal.SIGKILL, parent=parent)
    )


def _wait_healthy(url: str, process: subprocess.Popen[bytes], *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _unspecified(host: str) -> bool:
    """True for a listen-on-all address such as 0.0.0.0, which a browser cannot open."""
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


class _Stop(Exception):
    """SIGTERM received."""


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise _Stop


@cli.command()
def serve(
    dev: Annotated[
        bool, typer.Option("--dev", help="create local key files and the demo institution")
    ] = False,
) -> None:
    """Migrate, then run the issuer app and the verifier app, each in its own process; Ctrl-C stops both."""
    settings = Settings()
    with _errors():
        if dev and settings.mode == "production":
            raise ConfigurationError("--dev cannot be used with MICROCRED_MODE=production")
        settings.validate_for_start()
        upgrade(settings.resolved_database_url)
        settings.kek()  # dev: creates the key file before the apps start
        admin_token = settings.resolved_admin_token()
        demo = ensure_demo(settings) if dev else None
        demo_achievement = ensure_demo_catalogue(settings) if dev else None
        demo_registry = ensure_demo_listing(settings) if dev else None  # trust registry
    local = "127.0.0.1" if _unspecified(settings.host) else settings.host
    issuer_url = f"http://{local}:{settings.issuer_port}"
    verifier_url = f"http://{local}:{settings.verifier_port}"
    processes: list[subprocess.Popen[bytes]] = []
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        processes.append(_spawn("issuer_app_from_env", settings=settings, port=settings.issuer_port))
        processes.append(_spawn("verifier_app_from_env", settings=settings, port=settings.verifier_port))
        for url, process in ((issuer_url, processes[0]), (verifier_url, processes[1])):
            if not _wait_healthy(url, process, timeout=60):
                typer.echo(f"error: the app at {url} did not start (is the port free?)", err=True)
                raise typer.Exit(1)
        typer.echo("microcred is running (Ctrl-C stops both apps)")
        typer.echo(f"  issuer app:    {issuer_url}  (OpenAPI: {issuer_url}/docs)")
        typer.echo(f"  verifier app:  {verifier_url}  (OpenAPI: {verifier_url}/docs)")
        if admin_token is not None and settings.admin_token is None:
            typer.echo(f"  admin token:   in {settings.resolved_admin_token_file}")
        if demo is not None:
            did, key, how = demo
            typer.echo(f"  demo DID:      {did}")
            typer.echo(f"  DID document:  {settings.base_url}/issuers/{settings.demo_slug}/did.json")
            typer.echo(f"  demo API key:  {key}  ({how})")
            typer.echo(
                f"  demo micro-credential: {demo_achievement}  (catalogue: {settings.base_url}/catalogue)"
            )
            typer.echo(f"  demo registry: {demo_registry}")
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        typer.echo("error: an app stopped unexpectedly; stopping the other", err=True)
        raise typer.Exit(1)
    except (KeyboardInterrupt, _Stop):
        typer.echo("stopping")
    finally:
        _stop(processes)


def main() -> None:
    """Entry point of the ``microcred`` script."""
    cli()
