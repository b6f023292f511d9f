"""Typed SQLAlchemy models; the schema itself changes only through Alembic migrations (``migrations/``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["KEY_STATES", "ApiKey", "Base", "Institution", "SigningKey", "UtcDateTime"]

KEY_STATES = ("active", "inactive", "retired")
"""active: signs and is published; inactive: published (old credentials verify) but no longer signs;
retired: kept for the record, no longer in the DID document."""

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset, so it is restored on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with deterministic constraint names (so migrations can name them)."""

    metadata = MetaData(naming_convention=NAMING)


class Institution(Base):
    """An issuing institution: identified by its slug and its did:web."""

    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(2000))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(10))
    did: Mapped[str] = mapped_column(String(500), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="institution", order_by="ApiKey.id")
    signing_keys: Mapped[list[SigningKey]] = relationship(
        back_populates="institution", order_by="SigningKey.id"
    )

    __table_args__ = (CheckConstraint("length(country) = 2", name="country_alpha2"),)


class ApiKey(Base):
    """An institution's API key: only the visible prefix and a SHA-256 of the whole key are stored."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(8), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(200), default="institution")
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    institution: Mapped[Institution] = relationship(back_populates="api_keys")

    __table_args__ = (CheckConstraint("length(prefix) = 8", name="prefix_length"),)


class SigningKey(Base):
    """An Ed25519 signing key of an institution; the seed is sealed (``keys.LocalKeyStore``), never plain."""

    __tablename__ = "signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    kid: Mapped[str] = mapped_column(String(50))
    public_key_multibase: Mapped[str] = mapped_column(String(100))
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    institution: Mapped[Institution] = relationship(back_populates="signing_keys")

    __table_args__ = (
        UniqueConstraint("institution_id", "kid", name="uq_signing_key_institution_kid"),
        CheckConstraint("state IN ('active', 'inactive', 'retired')", name="state_known"),
        CheckConstraint("state = 'active' OR deactivated_at IS NOT NULL", name="deactivated_dated"),
        CheckConstraint("state <> 'retired' OR retired_at IS NOT NULL", name="retired_dated"),
        # At most one active key per institution: the signer is never ambiguous.
        Index(
            "uq_signing_key_one_active",
            "institution_id",
            unique=True,
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
    )
