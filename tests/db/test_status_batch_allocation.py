"""Batch status allocation (issue 5 speed, issue 7 guarantees): a chunk's entries are claimed in a few multi-row
statements, not three per credential; indices stay unique and random, a full list closes and the next one opens;
indices a concurrent transaction took are skipped and only those credentials are drawn again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from microcred.app.db.engine import make_engine, make_sessions
from microcred.app.db.tables import StatusEntry, StatusList
from microcred.app.institutions import data as institutions_data
from microcred.app.status.allocation import StatusConfig, allocate_entries
from tests.db.factories import BASE, NOW, prepare


@contextmanager
def _counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _allocate(session: Session, ids: list[str], config: StatusConfig) -> list[tuple[int, int]]:
    institution = institutions_data.get_institution(session, slug="uni-a")
    claims = allocate_entries(
        session,
        institution=institution,
        purpose="revocation",
        credential_public_ids=ids,
        config=config,
        now=NOW,
    )
    return [(c.status_list.sequence, c.index) for c in claims]


def test_a_chunk_is_claimed_in_a_few_statements(database_url: str) -> None:
    prepare(database_url)
    engine = make_engine(database_url)
    try:
        ids = [f"cred-{i}" for i in range(200)]
        with make_sessions(engine).begin() as session, _counting(engine) as statements:
            placed = _allocate(session, ids, StatusConfig(base_url=BASE, list_size=131_072))
        assert len(set(placed)) == 200
        assert {sequence for sequence, _ in placed} == {1}
        # open the list (select + insert + read back), then the INSERTs of the random rounds: far below 3 per row
        assert len(statements) <= 12, statements
        with make_sessions(engine)() as session:
            stored = dict(
                session.execute(select(StatusEntry.credential_public_id, StatusEntry.list_index)).all()
            )
        assert [stored[i] for i in ids] == [
            index for _, index in placed
        ]  # claims come back in the callers' order
    finally:
        engine.dispose()


def test_a_chunk_larger_than_the_free_space_fills_the_list_and_opens_the_next(database_url: str) -> None:
    prepare(database_url)
    engine = make_engine(database_url)
    try:
        config = StatusConfig(base_url=BASE, list_size=16, random_probes=3)
        with make_sessions(engine).begin() as session:
            first = _allocate(session, [f"a-{i}" for i in range(10)], config)
        with make_sessions(engine).begin() as session:
            second = _allocate(session, [f"b-{i}" for i in range(10)], config)
        placed = first + second
        assert len(set(placed)) == 20
        assert sorted(index for sequence, index in placed if sequence == 1) == list(range(16))
        assert len([1 for sequence, _ in placed if sequence == 2]) == 4
        with make_sessions(engine)() as session:
            full = dict(session.execute(select(StatusList.sequence, StatusList.full)).all())
        assert full == {1: True, 2: False}
    finally:
        engine.dispose()


def test_indices_taken_meanwhile_are_skipped_and_only_their_credentials_drawn_again(
    database_url: str,
) -> None:
    prepare(database_url)
    engine = make_engine(database_url)
    try:
        config = StatusConfig(base_url=BASE, list_size=64)
        with make_sessions(engine).begin() as session:
            _allocate(session, ["x"], StatusConfig(base_url=BASE, list_size=64, randbelow=lambda n: 62))
            lst = session.scalars(select(StatusList)).one()
            for index in range(0, 62, 2):  # "another issuer" holds every other even index
                session.add(
                    StatusEntry(list_id=lst.id, list_index=index, credential_public_id=f"other-{index}")
                )
        draws = iter([0, 2, 4, 6, 1, 3, 5, 7, 9])  # round 1 all taken; round 2 odd ones
        config = StatusConfig(base_url=BASE, list_size=64, randbelow=lambda n: next(draws))
        with make_sessions(engine).begin() as session:
            placed = _allocate(session, ["c0", "c1", "c2", "c3"], config)
        assert sorted(index for _, index in placed) == [1, 3, 5, 7]
    finally:
        engine.dispose()
