"""Wallet delivery of already issued credentials: an offer may name the credential it delivers.

``wallet_offer.source_credential_id`` is the public id of the issued credential offered from its learner page;
with ``credential_id`` (what the wallet received) it links a DID-bound re-issue to its original.

Revision ID: wallet_deliveries
Revises: wallets
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "wallet_deliveries"
down_revision: str | Sequence[str] | None = "wallets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("wallet_offer", sa.Column("source_credential_id", sa.String(length=36), nullable=True))
    op.create_index(
        op.f("ix_wallet_offer_source_credential_id"), "wallet_offer", ["source_credential_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_wallet_offer_source_credential_id"), table_name="wallet_offer")
    with op.batch_alter_table("wallet_offer") as batch:
        batch.drop_column("source_credential_id")
