"""The database itself enforces the rules: unique slug/prefix/kid, foreign keys, key states, one active key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.app.db.migrate import upgrade
from microcred.app.db.tables import ApiKey, Institution, SigningKey

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def session(database_url: str, engine: Engine) -> Iterator[Session]:
    upgrade(database_url)
    with Session(engine) as session:
        yield session


def _institution(session: Session, slug: str = "uni-a") -> Institution:
    institution = Institution(
        slug=slug,
        name="U",
        url="https://u.example",
        country="IE",
        region=None,
        did=f"did:web:x:{slug}",
        created_at=NOW,
    )
    session.add(institution)
    session.flush()
    return institution


def _key(
    session: Session, institution: Institution, kid: str, state: str = "active", **dates: datetime
) -> SigningKey:
    key = SigningKey(
        institution_id=institution.id,
        kid=kid,
        public_key_multibase="z6Mk",
        sealed_secret=b"sealed",
        state=state,
        created_at=NOW,
        **dates,
    )
    session.add(key)
    session.flush()
    return key


def _violates(session: Session) -> None:
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_slug_is_unique(session: Session) -> None:
    _institution(session)
    session.commit()
    session.add(
        Institution(
            slug="uni-a", name="V", url="https://v.example", country="FR", did="did:web:y", created_at=NOW
        )
    )
    _violates(session)


def test_api_key_needs_an_existing_institution(session: Session) -> None:
    session.add(
        ApiKey(
            institution_id=9999, prefix="abcdefgh", secret_hash="0" * 64, scopes="", label="", created_at=NOW
        )
    )
    _violates(session)


def test_api_key_prefix_is_unique_and_8_chars(session: Session) -> None:
    institution = _institution(session)
    session.add(
        ApiKey(
            institution_id=institution.id,
            prefix="abcdefgh",
            secret_hash="0" * 64,
            scopes="",
            label="",
            created_at=NOW,
        )
    )
    session.commit()
    session.add(
        ApiKey(
            institution_id=institution.id,
            prefix="abcdefgh",
            secret_hash="1" * 64,
            scopes="",
            label="",
            created_at=NOW,
        )
    )
    _violates(session)
    session.add(
        ApiKey(
            institution_id=institution.id,
            prefix="short",
            secret_hash="1" * 64,
            scopes="",
            label="",
            created_at=NOW,
        )
    )
    _violates(session)


def test_key_state_must_be_known(session: Session) -> None:
    institution = _institution(session)
    session.commit()
    with pytest.raises(IntegrityError):
        _key(session, institution, "key-1", state="stolen", deactivated_at=NOW)
    session.rollback()


def test_retired_and_inactive_keys_need_their_dates(session: Session) -> None:
    institution = _institution(session)
    session.commit()
    with pytest.raises(IntegrityError):
        _key(session, institution, "key-1", state="inactive")  # no deactivated_at
    session.rollback()
    with pytest.raises(IntegrityError):
        _key(session, institution, "key-1", state="retired", deactivated_at=NOW)  # no retired_at
    session.rollback()
    _key(session, institution, "key-1", state="retired", deactivated_at=NOW, retired_at=NOW)
    session.commit()


def test_at_most_one_active_key_per_institution(session: Session) -> None:
    a = _institution(session, "uni-a")
    b = _institution(session, "uni-b")
    _key(session, a, "key-1")
    _key(session, b, "key-1")  # another institution may have its own active key-1
    _key(session, a, "key-2", state="inactive", deactivated_at=NOW)
    session.commit()
    with pytest.raises(IntegrityError):
        _key(session, a, "key-3")
    session.rollback()


def test_kid_is_unique_per_institution(session: Session) -> None:
    a = _institution(session)
    _key(session, a, "key-1", state="inactive", deactivated_at=NOW)
    session.commit()
    with pytest.raises(IntegrityError):
        _key(session, a, "key-1")
    session.rollback()


def test_deleting_an_institution_cascades(session: Session) -> None:
    a = _institution(session)
    _key(session, a, "key-1")
    session.add(
        ApiKey(
            institution_id=a.id, prefix="abcdefgh", secret_hash="0" * 64, scopes="", label="", created_at=NOW
        )
    )
    session.commit()
    session.execute(delete(Institution).where(Institution.id == a.id))
    session.commit()
    assert session.scalar(select(func.count()).select_from(SigningKey)) == 0
    assert session.scalar(select(func.count()).select_from(ApiKey)) == 0


def test_timestamps_come_back_timezone_aware(session: Session) -> None:
    a = _institution(session)
    session.commit()
    session.expire_all()
    stored = session.get(Institution, a.id)
    assert stored is not None
    assert stored.created_at == NOW
    assert stored.created_at.tzinfo is not None
