"""``microcred serve``: migrate, then run the issuer app and the verifier app, each in its own process."""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Annotated

import httpx
import typer

from microcred.app.cli.common import errors
from microcred.app.cli.institutions import ensure_demo
from microcred.app.cli.issue import ensure_demo_catalogue
from microcred.app.cli.registry import ensure_demo_listing
from microcred.app.core.settings import Settings
from microcred.app.db.migrate import upgrade
from microcred.issuer.lifeline import die_with_parent
from microcred.vc.errors import ConfigurationError

__all__ = ["register", "serve"]


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


def serve(
    dev: Annotated[
        bool, typer.Option("--dev", help="create local key files and the demo institution")
    ] = False,
) -> None:
    """Migrate, then run the issuer app and the verifier app, each in its own process; Ctrl-C stops both."""
    settings = Settings()
    with errors():
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


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``microcred`` command."""
    app.command()(serve)
