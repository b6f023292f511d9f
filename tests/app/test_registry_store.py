"""The registry's database side: one registry key even when two first requests race to create it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from microcred.app import Settings
from microcred.app.db.engine import make_engine, make_sessions
from microcred.app.registry.service import registry_signer
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
        original = Session.scalar

        def not_yet(self: Session, *args: Any, **kwargs: Any) -> Any:
            return None  # this request looked before the other one committed its key

        monkeypatch.setattr(Session, "scalar", not_yet)
        with sessions.begin() as session:
            second = registry_signer(session, keystore=keystore, base_url="http://testserver", now=NOW)
        monkeypatch.setattr(Session, "scalar", original)
        assert second.public_key_multibase == first.public_key_multibase
    finally:
        engine.dispose()
