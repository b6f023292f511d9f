"""Data access for wallet offers; the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.app.db.tables import Institution, WalletOffer

__all__ = ["offer_of"]


def offer_of(session: Session, *, public_id: str, institution: Institution) -> WalletOffer | None:
    """The offer ``public_id`` if ``institution`` made it, else None (another institution's offer is not found)."""
    return session.scalar(
        select(WalletOffer).where(
            WalletOffer.public_id == public_id, WalletOffer.institution_id == institution.id
        )
    )
