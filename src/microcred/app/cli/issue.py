"""``microcred issue --csv FILE`` (bulk issuance with a progress bar) and ``microcred worker`` (finish batches).

Both work on the database directly, as the API's background job does: a batch and its rows are stored first,
then issued one transaction per chunk, so an interrupted run is finished by the next one without duplicates.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from microcred.app.achievements import data as achievements_data
from microcred.app.achievements.service import achievement_url, create_achievement
from microcred.app.batches import data as batches_data
from microcred.app.batches.service import SIGNING_WORKERS, BatchProgress, create_batch, process_batch
from microcred.app.cli.common import database, errors
from microcred.app.core.deps import utc_now
from microcred.app.core.settings import Settings
from microcred.app.db.tables import AchievementVersion, Institution
from microcred.app.institutions import data as institutions_data
from microcred.app.status.allocation import StatusAllocator
from microcred.issuer import DEMO_ACHIEVEMENT, AchievementDefinition
from microcred.issuer.bulk import parse_rows
from microcred.vc.errors import MicrocredError

DEMO_ACHIEVEMENT_ID = "demo"
"""The demo micro-credential's id: ``{base URL}/achievements/demo`` (the README's one-curl issue uses it)."""

__all__ = [
    "DEMO_ACHIEVEMENT_ID",
    "ensure_demo_achievement",
    "ensure_demo_catalogue",
    "issue",
    "register",
    "worker",
]

DEMO_ACHIEVEMENT_ID = "demo"
"""The demo micro-credential's id: ``{base URL}/achievements/demo`` (the README's one-curl issue uses it)."""


def ensure_demo_achievement(
    session: Session, *, institution: Institution, base_url: str
) -> AchievementVersion:
    """The demo institution's complete demo micro-credential, created once (``serve --dev``)."""
    existing = achievements_data.list_achievements(session, institution=institution)
    if existing:
        return achievements_data.latest_version(session, achievement=existing[0])
    definition = AchievementDefinition.model_validate(DEMO_ACHIEVEMENT)
    return create_achievement(
        session,
        institution=institution,
        definition=definition,
        base_url=base_url,
        now=utc_now(),
        public_id=DEMO_ACHIEVEMENT_ID,
    )


def ensure_demo_catalogue(settings: Settings) -> str:
    """Give the demo institution its demo micro-credential if it has none; return the achievement's URL."""
    with database(settings) as db, db.sessions.begin() as session:
        institution = institutions_data.get_institution(session, slug=settings.demo_slug)
        version = ensure_demo_achievement(session, institution=institution, base_url=settings.base_url)
        return achievement_url(settings.base_url, version.achievement.public_id)


def issue(
    csv: Annotated[
        Path,
        typer.Option("--csv", help="learners: a CSV file with a header row", exists=True, dir_okay=False),
    ],
    achievement: Annotated[
        str | None, typer.Option(help="achievement id (default: the institution's first achievement)")
    ] = None,
    institution: Annotated[
        str | None, typer.Option(help="institution slug (default: the demo institution)")
    ] = None,
    cryptosuite: Annotated[
        str, typer.Option(help="eddsa-rdfc-2022 or Ed25519Signature2020")
    ] = "eddsa-rdfc-2022",
    chunk: Annotated[int, typer.Option(min=1, max=5000, help="rows per transaction")] = 200,
    workers: Annotated[int, typer.Option(min=0, max=64, help="signing processes (0: one per core)")] = 0,
) -> None:
    """Issue one credential per CSV row, with a progress bar; row errors are listed and do not stop the others."""
    settings = Settings()
    with errors(), database(settings) as db:
        rows = parse_rows(csv.read_bytes(), media_type="text/csv")
        with db.sessions.begin() as session:
            owner = institutions_data.get_institution(session, slug=institution or settings.demo_slug)
            if achievement:
                found = achievements_data.get_achievement(session, public_id=achievement, institution=owner)
            else:
                mine = achievements_data.list_achievements(session, institution=owner)
                if not mine:
                    raise MicrocredError(f'institution "{owner.slug}" has no achievement: create one first')
                found = mine[0]
            version = achievements_data.latest_version(session, achievement=found)
            batch = create_batch(
                session, institution=owner, version=version, rows=rows, suite=cryptosuite, now=utc_now()
            )
            batch_id, public_id, total = batch.id, batch.public_id, batch.total
        typer.echo(f"batch {public_id}: {total} row(s)")
        with typer.progressbar(length=total, label="issuing", file=sys.stderr) as bar:
            seen = {"n": 0}

            def advance(progress: BatchProgress) -> None:
                handled = progress.done + progress.failed
                bar.update(handled - seen["n"])
                seen["n"] = handled

            result = process_batch(
                db.sessions,
                batch_id=batch_id,
                keystore=db.keystore,
                clock=utc_now,
                chunk=chunk,
                progress=advance,
                kek=settings.kek(),
                workers=workers or SIGNING_WORKERS,
                status=StatusAllocator.from_settings(settings, utc_now),
                eu_context=settings.eu_context,
            )
        with db.sessions() as session:
            failed_rows = batches_data.batch_errors(
                session, batch=batches_data.get_batch(session, public_id=public_id)
            )
            for row in failed_rows:
                typer.echo(f"row {row.row_number}: {row.error}", err=True)
    typer.echo(f"issued {result.done}, failed {result.failed}, remaining {result.remaining}")


def worker(
    chunk: Annotated[int, typer.Option(min=1, max=5000, help="rows per transaction")] = 200,
) -> None:
    """Finish every batch that has pending rows (after a crash, or as an extra worker; safe to run several)."""
    settings = Settings()
    with errors(), database(settings) as db:
        with db.sessions() as session:
            batches = [(b.id, b.public_id) for b in batches_data.pending_batches(session)]
        for batch_id, public_id in batches:
            result = process_batch(
                db.sessions,
                batch_id=batch_id,
                keystore=db.keystore,
                clock=utc_now,
                chunk=chunk,
                kek=settings.kek(),
                workers=SIGNING_WORKERS,
                status=StatusAllocator.from_settings(settings, utc_now),
                eu_context=settings.eu_context,
            )
            typer.echo(
                f"batch {public_id}: done {result.done}, failed {result.failed}, remaining {result.remaining}"
            )
    if not batches:
        typer.echo("no pending batches")


def register(app: typer.Typer) -> None:
    """Add ``issue`` and ``worker`` to the ``microcred`` command."""
    app.command("issue")(issue)
    app.command("worker")(worker)
