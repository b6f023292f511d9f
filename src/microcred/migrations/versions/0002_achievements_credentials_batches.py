"""Achievements (versioned), issued credentials (idempotency keys), bulk batches and their rows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from microcred.app.db.tables import UtcDateTime

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _institution_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["institution_id"],
        ["institution.id"],
        name=f"fk_{table}_institution_id_institution",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "achievement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _institution_fk("achievement"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievement")),
        sa.UniqueConstraint("public_id", name=op.f("uq_achievement_public_id")),
    )
    op.create_index(op.f("ix_achievement_institution_id"), "achievement", ["institution_id"], unique=False)
    op.create_table(
        "achievement_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("eqf_level", sa.Integer(), nullable=False),
        sa.Column("ects", sa.Float(), nullable=False),
        sa.Column("isced_f", sa.String(length=4), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievement.id"],
            name=op.f("fk_achievement_version_achievement_id_achievement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievement_version")),
        sa.UniqueConstraint("achievement_id", "version", name="uq_achievement_version_number"),
    )
    op.create_index(
        op.f("ix_achievement_version_achievement_id"), "achievement_version", ["achievement_id"], unique=False
    )
    op.create_table(
        "batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("achievement_version_id", sa.Integer(), nullable=False),
        sa.Column("suite", sa.String(length=40), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["achievement_version_id"],
            ["achievement_version.id"],
            name=op.f("fk_batch_achievement_version_id_achievement_version"),
        ),
        _institution_fk("batch"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch")),
        sa.UniqueConstraint("public_id", name=op.f("uq_batch_public_id")),
    )
    op.create_index(op.f("ix_batch_institution_id"), "batch", ["institution_id"], unique=False)
    op.create_table(
        "batch_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("credential_id", sa.String(length=36), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'done', 'failed')", name=op.f("ck_batch_row_state_known")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_batch_row_batch_id_batch"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_row")),
        sa.UniqueConstraint("batch_id", "row_number", name="uq_batch_row_number"),
    )
    op.create_index("ix_batch_row_batch_state", "batch_row", ["batch_id", "state"], unique=False)
    op.create_table(
        "credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("achievement_version_id", sa.Integer(), nullable=False),
        sa.Column("subject_did", sa.String(length=500), nullable=True),
        sa.Column("suite", sa.String(length=40), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("valid_from", UtcDateTime(), nullable=False),
        sa.Column("valid_until", UtcDateTime(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("batch_row", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["achievement_version_id"],
            ["achievement_version.id"],
            name=op.f("fk_credential_achievement_version_id_achievement_version"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_credential_batch_id_batch"), ondelete="SET NULL"
        ),
        _institution_fk("credential"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential")),
        sa.UniqueConstraint("public_id", name=op.f("uq_credential_public_id")),
        sa.UniqueConstraint("institution_id", "idempotency_key", name="uq_credential_idempotency"),
        sa.UniqueConstraint("batch_id", "batch_row", name="uq_credential_batch_row"),
    )
    op.create_index(op.f("ix_credential_institution_id"), "credential", ["institution_id"], unique=False)
    op.create_index(
        op.f("ix_credential_achievement_version_id"), "credential", ["achievement_version_id"], unique=False
    )
    op.create_index(op.f("ix_credential_issued_at"), "credential", ["issued_at"], unique=False)


def downgrade() -> None:
    op.drop_table("credential")
    op.drop_index("ix_batch_row_batch_state", table_name="batch_row")
    op.drop_table("batch_row")
    op.drop_table("batch")
    op.drop_table("achievement_version")
    op.drop_table("achievement")
