"""Learner keys: the learner's capability for a credential (sending it to a wallet), stored as a SHA-256 hash,
separate from the credential's public id. Credentials issued before have none until the institution makes one.

Revision ID: learner_keys
Revises: registry_key_rotation
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from microcred.app.db.tables import UtcDateTime

revision: str = "learner_keys"
down_revision: str | Sequence[str] | None = "registry_key_rotation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learner_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.id"],
            name=op.f("fk_learner_key_credential_id_credential"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learner_key")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_learner_key_credential_id")),
    )


def downgrade() -> None:
    op.drop_table("learner_key")
