"""Wallets: offers to learners' wallets (OpenID4VCI pre-authorized code, VC-API exchange) and c_nonces.

Every secret (offer reference, pre-authorized code, transaction code, access token, nonce) is stored as a hash; the
pre-authorized code is short-lived (code_minted_at .. code_expires_at) within the offer's lifetime.

Revision ID: wallets
Revises: status_lists
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from microcred.app.db.tables import UtcDateTime

revision: str = "wallets"
down_revision: str | Sequence[str] | None = "status_lists"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wallet_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("achievement_version_id", sa.Integer(), nullable=False),
        sa.Column("award", sa.JSON(), nullable=False),
        sa.Column("suite", sa.String(length=40), nullable=False),
        sa.Column("learner_did", sa.String(length=500), nullable=True),
        sa.Column("reference_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_minted_at", UtcDateTime(), nullable=False),
        sa.Column("code_expires_at", UtcDateTime(), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("tx_key_wrapped", sa.String(length=64), nullable=True),
        sa.Column("tx_code_failures", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", UtcDateTime(), nullable=True),
        sa.Column("challenge", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("holder_did", sa.String(length=2000), nullable=True),
        sa.Column("credential_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('offered', 'token', 'issued', 'blocked')", name=op.f("ck_wallet_offer_state_known")
        ),
        sa.ForeignKeyConstraint(
            ["achievement_version_id"],
            ["achievement_version.id"],
            name=op.f("fk_wallet_offer_achievement_version_id_achievement_version"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_wallet_offer_institution_id_institution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_offer")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_wallet_offer_code_hash")),
        sa.UniqueConstraint("public_id", name=op.f("uq_wallet_offer_public_id")),
        sa.UniqueConstraint("reference_hash", name=op.f("uq_wallet_offer_reference_hash")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_wallet_offer_token_hash")),
    )
    op.create_index(
        op.f("ix_wallet_offer_achievement_version_id"),
        "wallet_offer",
        ["achievement_version_id"],
        unique=False,
    )
    op.create_index(op.f("ix_wallet_offer_institution_id"), "wallet_offer", ["institution_id"], unique=False)
    op.create_table(
        "wallet_nonce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_nonce")),
        sa.UniqueConstraint("nonce_hash", name=op.f("uq_wallet_nonce_nonce_hash")),
    )
    op.create_index(op.f("ix_wallet_nonce_expires_at"), "wallet_nonce", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_wallet_nonce_expires_at"), table_name="wallet_nonce")
    op.drop_table("wallet_nonce")
    op.drop_index(op.f("ix_wallet_offer_institution_id"), table_name="wallet_offer")
    op.drop_index(op.f("ix_wallet_offer_achievement_version_id"), table_name="wallet_offer")
    op.drop_table("wallet_offer")
