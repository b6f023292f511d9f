"""The signed BitstringStatusListCredential, derived from the committed entries' bits on read.

Nothing is published apart from the database: the list served is always computed from committed ``status_entry``
rows (re-signed when its version changed, or at most every ``publish_interval`` seconds), so a crash after a
change commits can never lose the change. https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.app.db.tables import (
    Institution,
    StatusEntry,
    StatusList,
    StatusListPublication,
)
from microcred.app.institutions.keys import institution_keys
from microcred.app.status.allocation import StatusConfig, list_url
from microcred.contexts import offline_loader
from microcred.issuer.status_list import (
    Bitstring,
    list_credential,
)
from microcred.keys import KeyStore
from microcred.suites import sign
from microcred.vc.errors import NotFound

_LOADER = offline_loader()

__all__ = [
    "Publication",
    "publish",
]


@dataclass(frozen=True)
class Publication:
    """A signed list credential as served: JSON text, strong ETag, version, max-age for Cache-Control."""

    document: str
    etag: str
    version: int
    max_age: int


def _fresh(
    latest: StatusListPublication, status_list: StatusList, *, config: StatusConfig, now: datetime
) -> bool:
    """Serve ``latest`` again? Yes while half its validity remains and either the list did not change since it
    was signed or the last signing is younger than the publish interval (the configured batching)."""
    half_life = timedelta(seconds=config.validity_seconds / 2)
    if now >= latest.signed_at + half_life:
        return False
    if latest.version == status_list.version:
        return True
    return now < latest.signed_at + timedelta(seconds=config.publish_interval_seconds)


def _bits(session: Session, status_list: StatusList) -> Bitstring:
    """The list's bits from the committed entries (the only source of truth)."""
    indices = session.scalars(
        select(StatusEntry.list_index).where(
            StatusEntry.list_id == status_list.id, StatusEntry.status.is_(True)
        )
    )
    return Bitstring.with_set(status_list.size, indices)


def publish(
    session: Session,
    *,
    list_public_id: str,
    config: StatusConfig,
    keystore: KeyStore,
    now: datetime,
    version: int | None = None,
) -> Publication:
    """The signed list credential to serve: the newest signing when still fresh, else a new one (stored; earlier
    ones are kept). ``version`` asks for a kept signing of that list version instead."""
    status_list = session.scalar(select(StatusList).where(StatusList.public_id == list_public_id))
    if status_list is None:
        raise NotFound(f'no status list "{list_public_id}"')
    query = select(StatusListPublication).where(StatusListPublication.list_id == status_list.id)
    if version is not None:
        kept = session.scalars(
            query.where(StatusListPublication.version == version)
            .order_by(StatusListPublication.id.desc())
            .limit(1)
        ).first()
        if kept is None:
            raise NotFound(f'status list "{list_public_id}" has no signed version {version}')
        return Publication(kept.document, kept.etag, kept.version, config.ttl_seconds)
    latest = session.scalars(query.order_by(StatusListPublication.id.desc()).limit(1)).first()
    if latest is not None and _fresh(latest, status_list, config=config, now=now):
        return Publication(latest.document, latest.etag, latest.version, config.ttl_seconds)
    institution = session.get(Institution, status_list.institution_id)
    if institution is None:  # the foreign key makes this unreachable
        raise NotFound(f'status list "{list_public_id}" lost its institution')
    unsigned = list_credential(
        list_url=list_url(config.base_url, status_list.public_id),
        issuer=institution.did,
        purpose=status_list.purpose,
        bits=_bits(session, status_list),
        valid_from=now,
        valid_for=timedelta(seconds=config.validity_seconds),
        ttl_ms=config.ttl_seconds * 1000,
    )
    signer = institution_keys(institution).signer(session, keystore=keystore)
    signed = sign(unsigned, signer=signer, loader=_LOADER, created=now)
    text = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
    etag = hashlib.sha256(text.encode("utf-8")).hexdigest()
    session.add(
        StatusListPublication(
            list_id=status_list.id,
            version=status_list.version,
            document=text,
            etag=etag,
            signed_at=now,
            valid_until=now + timedelta(seconds=config.validity_seconds),
        )
    )
    session.flush()
    return Publication(text, etag, status_list.version, config.ttl_seconds)
