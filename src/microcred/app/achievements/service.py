"""Achievements over the database: definitions, their published versions and their URLs.

https://www.imsglobal.org/spec/ob/v3p0/#achievement ; Council Recommendation 2022/C 243/01 (EQF, ISCED-F).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from microcred.app.achievements import data as achievements_data
from microcred.app.db.tables import (
    Achievement,
    AchievementVersion,
    Institution,
)
from microcred.issuer import (
    AchievementDefinition,
    achievement_document,
    vocabulary,
)
from microcred.vc.errors import (
    InvalidInput,
    NotFound,
)

__all__ = [
    "achievement_url",
    "create_achievement",
    "resolve_achievement_url",
    "update_achievement",
    "version_url",
]


def achievement_url(base_url: str, public_id: str) -> str:
    """The catalogue URL of an achievement (its newest version)."""
    return f"{base_url}/achievements/{public_id}"


def version_url(base_url: str, public_id: str, version: int) -> str:
    """The immutable URL of one version: the ``achievement.id`` in credentials issued from it."""
    return f"{achievement_url(base_url, public_id)}/versions/{version}"


def _eqf(definition: AchievementDefinition) -> int:
    return int(vocabulary("eqf-levels").by_uri[definition.eqf_level].code)


def _isced(definition: AchievementDefinition) -> str | None:
    return vocabulary("isced-f").by_uri[definition.isced_f[0]].code if definition.isced_f else None


def create_achievement(
    session: Session,
    *,
    institution: Institution,
    definition: AchievementDefinition,
    base_url: str,
    now: datetime,
    public_id: str | None = None,
) -> AchievementVersion:
    """A new achievement with version 1 (vocabularies checked: ValidationFailed lists every bad value).

    ``public_id`` (default: a random UUID) is the id in its URLs; the dev demo uses a readable one.
    """
    normalized = definition.normalized()
    achievement = achievements_data.add_achievement(
        session, institution=institution, public_id=public_id or str(uuid.uuid4()), now=now
    )
    return _add_version(
        session, achievement=achievement, definition=normalized, version=1, base_url=base_url, now=now
    )


def _add_version(
    session: Session,
    *,
    achievement: Achievement,
    definition: AchievementDefinition,
    version: int,
    base_url: str,
    now: datetime,
) -> AchievementVersion:
    document = achievement_document(
        definition, achievement_id=version_url(base_url, achievement.public_id, version), version=version
    )
    return achievements_data.add_version(
        session,
        achievement=achievement,
        version=version,
        name=definition.name,
        eqf_level=_eqf(definition),
        ects=definition.ects,
        isced_f=_isced(definition),
        definition=definition.model_dump(mode="json", by_alias=True, exclude_none=True),
        document=document,
        now=now,
    )


def update_achievement(
    session: Session,
    *,
    achievement: Achievement,
    definition: AchievementDefinition,
    base_url: str,
    now: datetime,
) -> AchievementVersion:
    """Change an achievement: the newest version is edited while no credential used it, else a new version."""
    normalized = definition.normalized()
    latest = achievements_data.latest_version(session, achievement=achievement)
    if latest.used_at is None:
        latest.name = normalized.name
        latest.eqf_level = _eqf(normalized)
        latest.ects = normalized.ects
        latest.isced_f = _isced(normalized)
        latest.definition = normalized.model_dump(mode="json", by_alias=True, exclude_none=True)
        latest.document = achievement_document(
            normalized,
            achievement_id=version_url(base_url, achievement.public_id, latest.version),
            version=latest.version,
        )
        latest.created_at = now
        session.flush()
        return latest
    return _add_version(
        session,
        achievement=achievement,
        definition=normalized,
        version=latest.version + 1,
        base_url=base_url,
        now=now,
    )


def resolve_achievement_url(
    session: Session, *, url: str, base_url: str, institution: Institution, pointer: str
) -> AchievementVersion:
    """The version an achievement URL of this catalogue names (the newest one for the unversioned URL)."""
    prefix = f"{base_url}/achievements/"
    if not isinstance(url, str) or not url.startswith(prefix):
        raise InvalidInput(
            f'"achievement.id" must be an achievement URL of this catalogue ({prefix}…)', pointer=pointer
        )
    parts = urlsplit(url).path.split("/achievements/", 1)[1].split("/")
    try:
        if len(parts) == 1:  # the common case, one query
            return achievements_data.newest_version_by_public_id(
                session, public_id=parts[0], institution=institution
            )
        achievement = achievements_data.get_achievement(session, public_id=parts[0], institution=institution)
        if len(parts) == 3 and parts[1] == "versions" and parts[2].isdigit():
            return achievements_data.version_of(session, achievement=achievement, version=int(parts[2]))
    except NotFound:
        raise InvalidInput(f'"{url}" is not an achievement of this institution', pointer=pointer) from None
    raise InvalidInput(f'"{url}" is not an achievement URL', pointer=pointer)
