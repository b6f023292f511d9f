"""The registry's database side: one registry key even when two first requests race to create it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.app import Settings
from microcred.app.db.engine import make_engine, make_sessions
from microcred.app.db.tables import RegistryKey
from microcred.app.registry.data import RegistryKeyRows
from microcred.app.registry.keys import registry_signer
from microcred.keys import LocalKeyStore

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_a_racing_first_request_reuses_the_key_the_other_made(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(settings.resolved_database_url)
    sessions = make_sessions(engine)
    keystore = LocalKeyStore(settings.kek())
    try:
        with sessions.begin() as session:
            first = registry_signer(session, keystore=keystore, base_url="http://testserver", now=NOW)
        original = RegistryKeyRows.active
        looks: list[str] = []

        def not_yet(self: RegistryKeyRows, session: Session) -> RegistryKey | None:
            looks.append("active")
            if len(looks) == 1:
                return None  # this request looked before the other one committed its key
            return original(self, session)

        monkeypatch.setattr(RegistryKeyRows, "active", not_yet)
        with sessions.begin() as session:
            second = registry_signer(session, keystore=keystore, base_url="http://testserver", now=NOW)
            kids = session.scalars(select(RegistryKey.kid)).all()
        assert len(looks) == 2  # it tried to make key-1, lost on the unique kid, and read the winner's
        assert second.public_key_multibase == first.public_key_multibase
        assert kids == ["key-1"]
    finally:
        engine.dispose()
