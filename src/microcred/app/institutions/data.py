"""Data access for institutions, their API keys and signing keys; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from microcred.app.db.tables import ApiKey, Institution, SigningKey
from microcred.keys import GeneratedKey
from microcred.vc.errors import NotFound

__all__ = [
    "PUBLISHED_STATES",
    "InstitutionKeyRows",
    "add_api_key",
    "add_institution",
    "add_signing_key",
    "count_signing_keys",
    "find_api_key",
    "find_institution",
    "get_institution",
    "institution_by_id",
    "list_institutions",
    "signing_keys",
]

PUBLISHED_STATES = ("active", "inactive")
"""The states of the keys a DID document lists (``retired`` keys are taken out)."""


def find_institution(session: Session, *, slug: str) -> Institution | None:
    """The institution with ``slug``, or None."""
    return session.scalar(select(Institution).where(Institution.slug == slug))


def get_institution(session: Session, *, slug: str) -> Institution:
    """The institution with ``slug``; NotFound otherwise."""
    institution = find_institution(session, slug=slug)
    if institution is None:
        raise NotFound(f'no institution "{slug}"', pointer="#/slug")
    return institution


def institution_by_id(session: Session, *, institution_id: int) -> Institution | None:
    """The institution with the row id ``institution_id``, or None."""
    return session.get(Institution, institution_id)


def list_institutions(session: Session) -> Sequence[Institution]:
    """All institutions, oldest first."""
    return session.scalars(select(Institution).order_by(Institution.id)).all()


def add_institution(
    session: Session,
    *,
    slug: str,
    name: str,
    url: str,
    country: str,
    region: str | None,
    did: str,
    now: datetime,
) -> Institution:
    """Insert an institution (flushed, so unique violations surface here)."""
    institution = Institution(
        slug=slug, name=name, url=url, country=country, region=region, did=did, created_at=now
    )
    session.add(institution)
    session.flush()
    return institution


def add_api_key(
    session: Session,
    *,
    institution: Institution,
    prefix: str,
    secret_hash: str,
    label: str,
    now: datetime,
    scopes: str = "institution",
) -> ApiKey:
    """Insert an API key record (prefix and hash only)."""
    record = ApiKey(
        institution_id=institution.id,
        prefix=prefix,
        secret_hash=secret_hash,
        label=label,
        scopes=scopes,
        created_at=now,
    )
    session.add(record)
    session.flush()
    return record


def find_api_key(session: Session, *, prefix: str) -> ApiKey | None:
    """The API key with ``prefix`` and its institution (one query: every authenticated request needs both), or None."""
    return session.scalar(
        select(ApiKey).where(ApiKey.prefix == prefix).options(joinedload(ApiKey.institution))
    )


def add_signing_key(
    session: Session,
    *,
    institution: Institution,
    kid: str,
    public_key_multibase: str,
    sealed_secret: bytes,
    now: datetime,
) -> SigningKey:
    """Insert a new active signing key."""
    record = SigningKey(
        institution_id=institution.id,
        kid=kid,
        public_key_multibase=public_key_multibase,
        sealed_secret=sealed_secret,
        state="active",
        created_at=now,
    )
    session.add(record)
    session.flush()
    return record


def signing_keys(
    session: Session, *, institution: Institution, states: Sequence[str]
) -> Sequence[SigningKey]:
    """The institution's keys in ``states``, oldest first."""
    return session.scalars(
        select(SigningKey)
        .where(SigningKey.institution_id == institution.id, SigningKey.state.in_(states))
        .order_by(SigningKey.id)
    ).all()


def count_signing_keys(session: Session, *, institution: Institution) -> int:
    """How many keys the institution ever had (numbers the next ``key-N``)."""
    return (
        session.scalar(
            select(func.count()).select_from(SigningKey).where(SigningKey.institution_id == institution.id)
        )
        or 0
    )


@dataclass(frozen=True)
class InstitutionKeyRows:
    """An institution's key ring rows (``signing_key``): each key ``active``, ``inactive`` or ``retired``."""

    institution: Institution

    def count(self, session: Session) -> int:
        """How many keys the institution ever had."""
        return count_signing_keys(session, institution=self.institution)

    def published(self, session: Session) -> Sequence[SigningKey]:
        """Active and inactive keys, oldest first."""
        return signing_keys(session, institution=self.institution, states=PUBLISHED_STATES)

    def active(self, session: Session) -> SigningKey | None:
        """The key in state ``active`` (a unique index allows one)."""
        active = signing_keys(session, institution=self.institution, states=("active",))
        return active[0] if active else None

    def add(self, session: Session, *, kid: str, generated: GeneratedKey, now: datetime) -> SigningKey:
        """Insert the new active key."""
        return add_signing_key(
            session,
            institution=self.institution,
            kid=kid,
            public_key_multibase=generated.public_key_multibase,
            sealed_secret=generated.sealed_secret,
            now=now,
        )

    def deactivate(self, session: Session, *, now: datetime) -> None:
        """The active key becomes ``inactive``: published, no longer signing."""
        for key in signing_keys(session, institution=self.institution, states=("active",)):
            key.state = "inactive"
            key.deactivated_at = now
        session.flush()
