"""Registry key rotation: a registry key can be retired; the newest unretired key signs exports.

Revision ID: registry_key_rotation
Revises: wallet_deliveries
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from microcred.app.db.tables import UtcDateTime

revision: str = "registry_key_rotation"
down_revision: str | Sequence[str] | None = "wallet_deliveries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("registry_key", sa.Column("retired_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registry_key") as batch:
        batch.drop_column("retired_at")
