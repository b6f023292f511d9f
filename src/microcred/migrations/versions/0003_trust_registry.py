"""Trust registry: listed providers, their DIDs, their state history, and the registry's signing key.

Revision ID: trust_registry
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from microcred.app.db.tables import UtcDateTime

revision: str = "trust_registry"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATES = "state IN ('active', 'suspended', 'withdrawn')"


def _entry_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["entry_id"], ["registry_entry.id"], name=f"fk_{table}_entry_id_registry_entry", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "registry_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("legal_name", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=10), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("qa_body", sa.String(length=300), nullable=False),
        sa.Column("qa_body_id", sa.String(length=200), nullable=True),
        sa.Column("qa_reference", sa.String(length=500), nullable=True),
        sa.Column("achievement_types", sa.JSON(), nullable=False),
        sa.Column("eqf_levels", sa.JSON(), nullable=False),
        sa.Column("isced_fields", sa.JSON(), nullable=False),
        sa.Column("valid_from", UtcDateTime(), nullable=False),
        sa.Column("valid_until", UtcDateTime(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("institution_slug", sa.String(length=63), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(_STATES, name=op.f("ck_registry_entry_state_known")),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until > valid_from", name=op.f("ck_registry_entry_period_ordered")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_entry")),
        sa.UniqueConstraint("public_id", name=op.f("uq_registry_entry_public_id")),
    )
    op.create_table(
        "registry_entry_did",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("did", sa.String(length=500), nullable=False),
        _entry_fk("registry_entry_did"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_entry_did")),
        sa.UniqueConstraint("entry_id", "did", name="uq_registry_entry_did_entry_did"),
    )
    op.create_index(op.f("ix_registry_entry_did_did"), "registry_entry_did", ["did"], unique=False)
    op.create_table(
        "registry_state_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.CheckConstraint(_STATES, name=op.f("ck_registry_state_event_state_known")),
        _entry_fk("registry_state_event"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_state_event")),
    )
    op.create_index(
        op.f("ix_registry_state_event_entry_id"), "registry_state_event", ["entry_id"], unique=False
    )
    op.create_table(
        "registry_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=50), nullable=False),
        sa.Column("public_key_multibase", sa.String(length=100), nullable=False),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_key")),
        sa.UniqueConstraint("kid", name=op.f("uq_registry_key_kid")),
    )


def downgrade() -> None:
    op.drop_table("registry_key")
    op.drop_index(op.f("ix_registry_state_event_entry_id"), table_name="registry_state_event")
    op.drop_table("registry_state_event")
    op.drop_index(op.f("ix_registry_entry_did_did"), table_name="registry_entry_did")
    op.drop_table("registry_entry_did")
    op.drop_table("registry_entry")
