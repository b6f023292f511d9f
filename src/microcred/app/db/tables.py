"""Typed SQLAlchemy models; the schema itself changes only through Alembic migrations (``migrations/``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "KEY_STATES",
    "Achievement",
    "AchievementVersion",
    "ApiKey",
    "Base",
    "Batch",
    "BatchRow",
    "Institution",
    "IssuedCredential",
    "LearnerKey",
    "RegistryEntry",
    "RegistryEntryDid",
    "RegistryKey",
    "RegistryStateEvent",
    "SigningKey",
    "StatusEntry",
    "StatusEvent",
    "StatusList",
    "StatusListPublication",
    "UtcDateTime",
    "WalletNonce",
    "WalletOffer",
]

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


# --- Issuance: achievements and their versions, credentials, bulk batches ------------------------------


class Achievement(Base):
    """A micro-credential in an institution's catalogue; its content lives in immutable versions."""

    __tablename__ = "achievement"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    institution: Mapped[Institution] = relationship()
    versions: Mapped[list[AchievementVersion]] = relationship(
        back_populates="achievement", order_by="AchievementVersion.version"
    )


class AchievementVersion(Base):
    """One version of an achievement: the normalized definition and its OB3 Achievement; frozen once used."""

    __tablename__ = "achievement_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievement.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(300))
    eqf_level: Mapped[int] = mapped_column()
    ects: Mapped[float] = mapped_column(Float)
    isced_f: Mapped[str | None] = mapped_column(String(4))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    achievement: Mapped[Achievement] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("achievement_id", "version", name="uq_achievement_version_number"),)


class IssuedCredential(Base):
    """A signed credential as issued (the exact JSON text), with what it may be looked up by."""

    __tablename__ = "credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    achievement_version_id: Mapped[int] = mapped_column(ForeignKey("achievement_version.id"), index=True)
    subject_did: Mapped[str | None] = mapped_column(String(500))
    suite: Mapped[str] = mapped_column(String(40))
    document: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id", ondelete="SET NULL"))
    batch_row: Mapped[int | None] = mapped_column()

    __table_args__ = (
        # A retried request (same Idempotency-Key) can never make a second credential...
        UniqueConstraint("institution_id", "idempotency_key", name="uq_credential_idempotency"),
        # ...nor a re-run batch row.
        UniqueConstraint("batch_id", "batch_row", name="uq_credential_batch_row"),
    )


class Batch(Base):
    """A bulk issuance job: one achievement version, many rows; workers claim pending rows in chunks."""

    __tablename__ = "batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    achievement_version_id: Mapped[int] = mapped_column(ForeignKey("achievement_version.id"))
    suite: Mapped[str] = mapped_column(String(40))
    total: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class BatchRow(Base):
    """One learner row of a batch: its input, and its outcome (pending, done with a credential, or failed)."""

    __tablename__ = "batch_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    credential_id: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (
        UniqueConstraint("batch_id", "row_number", name="uq_batch_row_number"),
        CheckConstraint("state IN ('pending', 'done', 'failed')", name="state_known"),
        Index("ix_batch_row_batch_state", "batch_id", "state"),
    )


# --- Trust registry: the register of trustworthy providers and the registry's own signing key ----------


class RegistryEntry(Base):
    """A listed provider: legal name, place, QA body and reference, scope, validity and current state."""

    __tablename__ = "registry_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    legal_name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(10))
    url: Mapped[str | None] = mapped_column(String(2000))
    qa_body: Mapped[str] = mapped_column(String(300))
    qa_body_id: Mapped[str | None] = mapped_column(String(200))
    qa_reference: Mapped[str | None] = mapped_column(String(500))
    achievement_types: Mapped[list[str]] = mapped_column(JSON)
    eqf_levels: Mapped[list[str]] = mapped_column(JSON)
    isced_fields: Mapped[list[str]] = mapped_column(JSON)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(10))
    institution_slug: Mapped[str | None] = mapped_column(String(63))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    dids: Mapped[list[RegistryEntryDid]] = relationship(
        back_populates="entry", order_by="RegistryEntryDid.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[RegistryStateEvent]] = relationship(
        back_populates="entry", order_by="RegistryStateEvent.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("state IN ('active', 'suspended', 'withdrawn')", name="state_known"),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="period_ordered"),
    )


class RegistryEntryDid(Base):
    """One DID under which a listed provider issues."""

    __tablename__ = "registry_entry_did"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("registry_entry.id", ondelete="CASCADE"))
    did: Mapped[str] = mapped_column(String(500), index=True)

    entry: Mapped[RegistryEntry] = relationship(back_populates="dids")

    __table_args__ = (UniqueConstraint("entry_id", "did", name="uq_registry_entry_did_entry_did"),)


class RegistryStateEvent(Base):
    """The state history of an entry: every change (the first is the listing), with its reason."""

    __tablename__ = "registry_state_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("registry_entry.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(String(500), default="")

    entry: Mapped[RegistryEntry] = relationship(back_populates="events")

    __table_args__ = (CheckConstraint("state IN ('active', 'suspended', 'withdrawn')", name="state_known"),)


class RegistryKey(Base):
    """A registry Ed25519 key (sealed like institution keys); the newest unretired one signs the exports, every
    unretired one is in the registry's DID document (so exports signed before a rotation keep verifying)."""

    __tablename__ = "registry_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(50), unique=True)
    public_key_multibase: Mapped[str] = mapped_column(String(100))
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """Set by ``microcred registry retire-key``: the key leaves the DID document; exports it signed stop verifying."""


# --- Status lists: Bitstring Status Lists, each credential's entries, the audit trail of changes, and
# every signed version of a list. The published bits are derived from status_entry rows, never stored apart. ------


class StatusList(Base):
    """One Bitstring Status List of an institution for one purpose; ``version`` counts its status changes."""

    __tablename__ = "status_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    sequence: Mapped[int] = mapped_column()
    size: Mapped[int] = mapped_column()
    full: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        # Two transactions opening "the next list" at once: one wins, the other retries and uses it.
        UniqueConstraint("institution_id", "purpose", "sequence", name="uq_status_list_sequence"),
        CheckConstraint("purpose IN ('revocation', 'suspension')", name="purpose_known"),
        CheckConstraint("size > 0 AND size % 8 = 0", name="size_bytes"),
    )


class StatusEntry(Base):
    """A credential's place in a list; ``status`` is its current bit. (list, index) is never shared."""

    __tablename__ = "status_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("status_list.id", ondelete="CASCADE"))
    list_index: Mapped[int] = mapped_column()
    # The credential's public id: the entry is allocated before the credential is signed and stored (same
    # transaction), so it names the credential rather than referencing its row.
    credential_public_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        UniqueConstraint("list_id", "list_index", name="uq_status_entry_list_index"),
        UniqueConstraint("credential_public_id", "list_id", name="uq_status_entry_credential_list"),
        Index("ix_status_entry_list_set", "list_id", "status"),
    )


class StatusEvent(Base):
    """The audit trail: one row per status change (who: API key or CLI, when, why, the list version it made)."""

    __tablename__ = "status_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("status_entry.id", ondelete="CASCADE"), index=True)
    credential_public_id: Mapped[str] = mapped_column(String(36), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    status: Mapped[bool] = mapped_column()
    actor: Mapped[str] = mapped_column(String(200))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    list_version: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StatusListPublication(Base):
    """A signed BitstringStatusListCredential of one list version (kept: earlier versions stay on record)."""

    __tablename__ = "status_list_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("status_list.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    document: Mapped[str] = mapped_column(Text)
    etag: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_status_list_publication_list_version", "list_id", "version"),)


# --- Wallets: offers for OpenID4VCI / VC-API exchanges, and c_nonces ----------------------------------


class WalletOffer(Base):
    """A pending award offered to a learner's wallet; every secret is stored as a hash (or wrapped, see
    ``issuer.offers``); the current pre-authorized code lives from ``code_minted_at`` to ``code_expires_at``.

    ``offered`` → ``token`` (the pre-authorized code was redeemed) → ``issued``; ``blocked`` after too many wrong
    transaction codes. The exchange flow goes ``offered`` → ``issued`` directly.
    """

    __tablename__ = "wallet_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    achievement_version_id: Mapped[int] = mapped_column(ForeignKey("achievement_version.id"), index=True)
    award: Mapped[dict[str, Any]] = mapped_column(JSON)
    suite: Mapped[str] = mapped_column(String(40))
    learner_did: Mapped[str | None] = mapped_column(String(500))
    reference_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_minted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    code_expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    tx_key_wrapped: Mapped[str | None] = mapped_column(String(64))
    tx_code_failures: Mapped[int] = mapped_column(default=0)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    challenge: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="offered")
    holder_did: Mapped[str | None] = mapped_column(String(2000))
    credential_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Delivery of an already issued credential: the credential offered from its learner page;
    # once redeemed, ``credential_id`` is the credential the wallet got (this one, or its DID-bound re-issue).
    source_credential_id: Mapped[str | None] = mapped_column(String(36), index=True)

    __table_args__ = (
        CheckConstraint("state IN ('offered', 'token', 'issued', 'blocked')", name="state_known"),
    )


class WalletNonce(Base):
    """A ``c_nonce`` from the Nonce Endpoint (hashed): redeemable once, until it expires."""

    __tablename__ = "wallet_nonce"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class LearnerKey(Base):
    """The learner's capability for one credential (sending it to a wallet): only a SHA-256 hash of a 256-bit
    random key, given to the learner once inside their private link. Deleting the row revokes it."""

    __tablename__ = "learner_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id", ondelete="CASCADE"), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
