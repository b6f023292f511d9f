"""Entries for the registry tests."""

from __future__ import annotations

from datetime import UTC, datetime

from microcred.registry import Entry, Scope, StateChange

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ISSUED = datetime(2026, 3, 1, tzinfo=UTC)
WITHDRAWN = datetime(2026, 6, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 1, tzinfo=UTC)
DID = "did:web:uni.example"


def entry(
    *,
    dids: tuple[str, ...] = (DID,),
    scope: Scope | None = None,
    valid_from: datetime = T0,
    valid_until: datetime | None = None,
    history: tuple[StateChange, ...] = (StateChange("active", T0, "listed"),),
    entry_id: str = "e1",
) -> Entry:
    return Entry(
        id=entry_id,
        dids=dids,
        legal_name="University of Zed",
        country="IE",
        region="IE-D",
        url="https://uni.example",
        qa_body="Quality and Qualifications Ireland",
        qa_body_id="QQI",
        qa_reference="DEQAR report 47914",
        scope=scope or Scope(("MicroCredential",), ("5", "6"), ("06",)),
        valid_from=valid_from,
        valid_until=valid_until,
        history=history,
    )
