"""``microcred verify FILE|URL``: the verifier's report on the command line (the same JSON as ``POST /verify``).

A presentation's holder proof is checked when ``--challenge`` (and, if it names one, ``--domain``) is given, as
``POST /presentations/verify`` does with ``options.challenge`` / ``options.domain``.

Exit status: 0 verified, 2 read but not verified, 1 unreadable input or a refused fetch.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from microcred.app.core.settings import Settings
from microcred.app.verification.service import build_verifier, verify_read
from microcred.vc.errors import MicrocredError
from microcred.verifier.inputs import InputLimits, read_input

__all__ = ["verify_command"]

_MEDIA = {
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".jwt": "text/plain",
    ".jws": "text/plain",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
}
_MARK = {"passed": "ok  ", "failed": "FAIL", "not-checked": "----"}


def _print_report(report: dict[str, Any]) -> None:
    # the sentence starts with the verdict in words ("Not valid: …"): say it once, in capitals
    sentence = report["verdictSentence"]
    _, _, reasons = sentence.partition(": ")
    typer.echo(f"{report['verdict'].upper()}: {reasons or sentence}")
    typer.echo(
        f"verified: {json.dumps(report['verified'])}   trusted: {json.dumps(report.get('trusted'))}   "
        f"EU complete: {json.dumps(report.get('euComplete'))}"
    )
    for check in report["report"]["checks"]:
        line = f"  [{_MARK[check['status']]}] {check['id']}: {check['sentence']}"
        if check.get("value") is not None and check["id"].startswith("eu:"):
            line += f"  = {json.dumps(check['value'], ensure_ascii=False)}"
        typer.echo(line)
    for index, inner in enumerate(report.get("credentials", [])):
        typer.echo(f"credential {index + 1}:")
        _print_report(inner)


def verify_command(
    target: Annotated[
        str, typer.Argument(help="a credential file (JSON, VC-JWT, baked PNG/SVG) or an https URL")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="print the JSON report (as POST /verify answers)")
    ] = False,
    challenge: Annotated[
        str | None,
        typer.Option(
            help="for a presentation: the challenge it must be signed over (the holder proof is checked)"
        ),
    ] = None,
    domain: Annotated[
        str | None, typer.Option(help="for a presentation: the domain its proof must name")
    ] = None,
) -> None:
    """Verify a credential and print every check: passed, failed or not checked, each with a sentence."""
    settings = Settings()
    limits = InputLimits(max_bytes=settings.max_body_bytes)
    client = httpx.Client(follow_redirects=False, trust_env=False)
    verifier = build_verifier(settings, client=client)
    try:
        if target.startswith(("https://", "http://")):
            fetched = verifier.fetcher.get(
                target, accept="application/vc, application/json, image/png, image/svg+xml"
            )
            read = read_input(fetched.body, media_type=fetched.content_type or None, limits=limits)
        else:
            path = Path(target)
            if not path.is_file():
                raise typer.BadParameter(f"{target} is not a file or an http(s) URL")
            if path.stat().st_size > limits.max_bytes:
                raise MicrocredError(f"{target} is larger than {limits.max_bytes} bytes")
            read = read_input(path.read_bytes(), media_type=_MEDIA.get(path.suffix.lower()), limits=limits)
        report = verify_read(verifier, read, now=datetime.now(UTC), challenge=challenge, domain=domain)
    except MicrocredError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        client.close()
    report["input"] = {"source": read.source}
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    raise typer.Exit(0 if report["verified"] else 2)
