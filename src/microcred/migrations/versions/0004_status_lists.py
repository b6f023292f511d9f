"""Status lists: Bitstring Status Lists, credentials' entries, the audit trail, signed list versions.

Revision ID: status_lists
Revises: trust_registry
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from microcred.app.db.tables import UtcDateTime

revision: str = "status_lists"
down_revision: str | Sequence[str] | None = "trust_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('revocation', 'suspension')", name=op.f("ck_status_list_purpose_known")
        ),
        sa.CheckConstraint("size > 0 AND size % 8 = 0", name=op.f("ck_status_list_size_bytes")),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_status_list_institution_id_institution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_list")),
        sa.UniqueConstraint("public_id", name=op.f("uq_status_list_public_id")),
        sa.UniqueConstraint("institution_id", "purpose", "sequence", name="uq_status_list_sequence"),
    )
    op.create_table(
        "status_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("list_index", sa.Integer(), nullable=False),
        sa.Column("credential_public_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["status_list.id"],
            name=op.f("fk_status_entry_list_id_status_list"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_entry")),
        sa.UniqueConstraint("list_id", "list_index", name="uq_status_entry_list_index"),
        sa.UniqueConstraint("credential_public_id", "list_id", name="uq_status_entry_credential_list"),
    )
    op.create_index(
        op.f("ix_status_entry_credential_public_id"), "status_entry", ["credential_public_id"], unique=False
    )
    op.create_index("ix_status_entry_list_set", "status_entry", ["list_id", "status"], unique=False)
    op.create_table(
        "status_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("credential_public_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("status", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("list_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_key.id"],
            name=op.f("fk_status_event_api_key_id_api_key"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["status_entry.id"],
            name=op.f("fk_status_event_entry_id_status_entry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_event")),
    )
    op.create_index(op.f("ix_status_event_entry_id"), "status_event", ["entry_id"], unique=False)
    op.create_index(
        op.f("ix_status_event_credential_public_id"), "status_event", ["credential_public_id"], unique=False
    )
    op.create_table(
        "status_list_publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("signed_at", UtcDateTime(), nullable=False),
        sa.Column("valid_until", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["status_list.id"],
            name=op.f("fk_status_list_publication_list_id_status_list"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_list_publication")),
    )
    op.create_index(
        "ix_status_list_publication_list_version",
        "status_list_publication",
        ["list_id", "version"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_status_list_publication_list_version", table_name="status_list_publication")
    op.drop_table("status_list_publication")
    op.drop_index(op.f("ix_status_event_credential_public_id"), table_name="status_event")
    op.drop_index(op.f("ix_status_event_entry_id"), table_name="status_event")
    op.drop_table("status_event")
    op.drop_index("ix_status_entry_list_set", table_name="status_entry")
    op.drop_index(op.f("ix_status_entry_credential_public_id"), table_name="status_entry")
    op.drop_table("status_entry")
    op.drop_table("status_list")
