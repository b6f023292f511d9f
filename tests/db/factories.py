"""Builders for the database tests: a migrated database with one institution and its demo achievement."""

from __future__ import annotations

from datetime import UTC, datetime

from microcred.app.achievements.service import create_achievement
from microcred.app.db.engine import make_engine, make_sessions
from microcred.app.db.migrate import upgrade
from microcred.app.institutions.service import create_institution
from microcred.issuer import DEMO_ACHIEVEMENT, AchievementDefinition
from microcred.keys import LocalKeyStore

KEK = bytes(range(32))
BASE = "http://testserver"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DID_KEY = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def prepare(url: str) -> int:
    """A migrated database with institution uni-a and its demo achievement; the version's id."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with make_sessions(engine).begin() as session:
            created = create_institution(
                session,
                keystore=LocalKeyStore(KEK),
                base_url=BASE,
                slug="uni-a",
                name="University A",
                url="https://uni-a.example",
                country="IE",
                region=None,
                now=NOW,
            )
            version = create_achievement(
                session,
                institution=created.institution,
                definition=AchievementDefinition.model_validate(DEMO_ACHIEVEMENT),
                base_url=BASE,
                now=NOW,
            )
            return version.id
    finally:
        engine.dispose()
