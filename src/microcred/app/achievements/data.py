"""Data access for achievements: definitions, versions and the catalogue; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred.app.db.tables import (
    Achievement,
    AchievementVersion,
    Institution,
)
from microcred.vc.errors import NotFound

__all__ = [
    "add_achievement",
    "add_version",
    "catalogue",
    "get_achievement",
    "latest_version",
    "list_achievements",
    "newest_version_by_public_id",
    "version_by_id",
    "version_of",
]


def add_achievement(
    session: Session, *, institution: Institution, public_id: str, now: datetime
) -> Achievement:
    """Insert an achievement (without versions)."""
    achievement = Achievement(public_id=public_id, institution_id=institution.id, created_at=now)
    session.add(achievement)
    session.flush()
    return achievement


def add_version(
    session: Session,
    *,
    achievement: Achievement,
    version: int,
    name: str,
    eqf_level: int,
    ects: float,
    isced_f: str | None,
    definition: dict[str, Any],
    document: dict[str, Any],
    now: datetime,
) -> AchievementVersion:
    """Insert version ``version`` of ``achievement``."""
    row = AchievementVersion(
        achievement_id=achievement.id,
        version=version,
        name=name,
        eqf_level=eqf_level,
        ects=ects,
        isced_f=isced_f,
        definition=definition,
        document=document,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def version_by_id(session: Session, *, version_id: int) -> AchievementVersion | None:
    """The achievement version with the row id ``version_id``, or None."""
    return session.get(AchievementVersion, version_id)


def get_achievement(
    session: Session, *, public_id: str, institution: Institution | None = None
) -> Achievement:
    """The achievement ``public_id`` (of ``institution`` when given); NotFound otherwise."""
    query = select(Achievement).where(Achievement.public_id == public_id)
    if institution is not None:
        query = query.where(Achievement.institution_id == institution.id)
    achievement = session.scalar(query)
    if achievement is None:
        raise NotFound(f'no achievement "{public_id}"', pointer="/achievement")
    return achievement


def latest_version(session: Session, *, achievement: Achievement) -> AchievementVersion:
    """The newest version of ``achievement``."""
    row = session.scalar(
        select(AchievementVersion)
        .where(AchievementVersion.achievement_id == achievement.id)
        .order_by(AchievementVersion.version.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f'achievement "{achievement.public_id}" has no version')
    return row


def newest_version_by_public_id(
    session: Session, *, public_id: str, institution: Institution
) -> AchievementVersion:
    """The newest version of the institution's achievement ``public_id`` in one query (the issuing hot path);
    NotFound when the achievement is not the institution's (or has no version)."""
    row = session.scalar(
        select(AchievementVersion)
        .join(Achievement, Achievement.id == AchievementVersion.achievement_id)
        .where(Achievement.public_id == public_id, Achievement.institution_id == institution.id)
        .order_by(AchievementVersion.version.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f'no achievement "{public_id}"', pointer="/achievement")
    return row


def version_of(session: Session, *, achievement: Achievement, version: int) -> AchievementVersion:
    """Version ``version`` of ``achievement``; NotFound otherwise."""
    row = session.scalar(
        select(AchievementVersion).where(
            AchievementVersion.achievement_id == achievement.id, AchievementVersion.version == version
        )
    )
    if row is None:
        raise NotFound(f'achievement "{achievement.public_id}" has no version {version}')
    return row


def list_achievements(session: Session, *, institution: Institution) -> Sequence[Achievement]:
    """The institution's achievements, oldest first."""
    return session.scalars(
        select(Achievement).where(Achievement.institution_id == institution.id).order_by(Achievement.id)
    ).all()


def catalogue(
    session: Session,
    *,
    title: str | None = None,
    level: int | None = None,
    field: str | None = None,
    ects_min: float | None = None,
    ects_max: float | None = None,
    limit: int = 500,
) -> Sequence[tuple[AchievementVersion, Achievement, Institution]]:
    """The latest version of every achievement of every institution, filtered; ordered by name."""
    newest = (
        select(AchievementVersion.achievement_id, func.max(AchievementVersion.version).label("version"))
        .group_by(AchievementVersion.achievement_id)
        .subquery()
    )
    query = (
        select(AchievementVersion, Achievement, Institution)
        .join(
            newest,
            (newest.c.achievement_id == AchievementVersion.achievement_id)
            & (newest.c.version == AchievementVersion.version),
        )
        .join(Achievement, Achievement.id == AchievementVersion.achievement_id)
        .join(Institution, Institution.id == Achievement.institution_id)
    )
    if title:
        query = query.where(func.lower(AchievementVersion.name).contains(title.lower(), autoescape=True))
    if level is not None:
        query = query.where(AchievementVersion.eqf_level == level)
    if field:
        query = query.where(AchievementVersion.isced_f.startswith(field, autoescape=True))
    if ects_min is not None:
        query = query.where(AchievementVersion.ects >= ects_min)
    if ects_max is not None:
        query = query.where(AchievementVersion.ects <= ects_max)
    rows = session.execute(query.order_by(AchievementVersion.name, Achievement.id).limit(limit)).all()
    return [(r[0], r[1], r[2]) for r in rows]
