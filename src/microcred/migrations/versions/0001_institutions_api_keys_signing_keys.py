"""Institutions, their API keys and their signing keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from microcred.app.db.tables import UtcDateTime

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "institution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=10), nullable=True),
        sa.Column("did", sa.String(length=500), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("length(country) = 2", name=op.f("ck_institution_country_alpha2")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institution")),
        sa.UniqueConstraint("did", name=op.f("uq_institution_did")),
        sa.UniqueConstraint("slug", name=op.f("uq_institution_slug")),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("length(prefix) = 8", name=op.f("ck_api_key_prefix_length")),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_api_key_institution_id_institution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_key_prefix")),
    )
    op.create_index(op.f("ix_api_key_institution_id"), "api_key", ["institution_id"], unique=False)
    op.create_table(
        "signing_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=50), nullable=False),
        sa.Column("public_key_multibase", sa.String(length=100), nullable=False),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("deactivated_at", UtcDateTime(), nullable=True),
        sa.Column("retired_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "state = 'active' OR deactivated_at IS NOT NULL", name=op.f("ck_signing_key_deactivated_dated")
        ),
        sa.CheckConstraint(
            "state <> 'retired' OR retired_at IS NOT NULL", name=op.f("ck_signing_key_retired_dated")
        ),
        sa.CheckConstraint(
            "state IN ('active', 'inactive', 'retired')", name=op.f("ck_signing_key_state_known")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_signing_key_institution_id_institution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_key")),
        sa.UniqueConstraint("institution_id", "kid", name="uq_signing_key_institution_kid"),
    )
    op.create_index(op.f("ix_signing_key_institution_id"), "signing_key", ["institution_id"], unique=False)
    op.create_index(
        "uq_signing_key_one_active",
        "signing_key",
        ["institution_id"],
        unique=True,
        sqlite_where=sa.text("state = 'active'"),
        postgresql_where=sa.text("state = 'active'"),
    )


def downgrade() -> None:
    op.drop_index("uq_signing_key_one_active", table_name="signing_key")
    op.drop_index(op.f("ix_signing_key_institution_id"), table_name="signing_key")
    op.drop_table("signing_key")
    op.drop_index(op.f("ix_api_key_institution_id"), table_name="api_key")
    op.drop_table("api_key")
    op.drop_table("institution")
