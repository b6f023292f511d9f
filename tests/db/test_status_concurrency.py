"""Concurrency (issue 7, point 4): threads and processes issuing and revoking at once never give one status index to
two credentials and never lose a change. Lists are tiny here (32 entries) so that they fill, new lists open and
random indices collide while the workers run. On PostgreSQL (``.ci/postgres.sh``) transactions really overlap;
SQLite lets one writer at a time, so a worker retries when the database is busy (as a client would)."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from microcred.app.db.engine import make_engine, make_sessions
from microcred.app.db.tables import AchievementVersion, IssuedCredential, StatusEntry, StatusEvent, StatusList
from microcred.app.institutions import data as institutions_data
from microcred.app.issuance.service import Issuer
from microcred.app.status.allocation import StatusAllocator, StatusConfig
from microcred.app.status.changes import Actor, change_status
from microcred.app.status.publishing import publish
from microcred.issuer import Award, Learner
from microcred.keys import LocalKeyStore
from microcred.vc.encodings import decode_bitstring
from tests.db.factories import BASE, DID_KEY, KEK, NOW, prepare

SIZE = 32
T = TypeVar("T")


def _retrying(url: str, work: Callable[[], T]) -> T:
    """Run ``work``; on SQLite only, retry while another writer holds the database (never on PostgreSQL)."""
    for attempt in range(200):
        try:
            return work()
        except OperationalError as exc:
            if not url.startswith("sqlite") or "locked" not in str(exc) or attempt == 199:
                raise
            time.sleep(0.01)
    raise AssertionError("unreachable")


def _issue_one(sessions: sessionmaker[Session], version_id: int, config: StatusConfig) -> str:
    with sessions.begin() as session:
        institution = institutions_data.get_institution(session, slug="uni-a")
        version = session.get(AchievementVersion, version_id)
        assert version is not None
        issuer = Issuer(
            institution=institution, keystore=LocalKeyStore(KEK), status=StatusAllocator(config, lambda: NOW)
        )
        award = Award(learner=Learner(did=DID_KEY), awarded_date=NOW, valid_from=NOW)
        row = issuer.issue(session, version=version, award=award, suite="eddsa-rdfc-2022", now=NOW)
        return row.public_id


def _revoke(sessions: sessionmaker[Session], public_id: str, actor: str) -> bool:
    with sessions.begin() as session:
        institution = institutions_data.get_institution(session, slug="uni-a")
        change = change_status(
            session,
            institution=institution,
            credential_id=public_id,
            purpose="revocation",
            status=True,
            reason=f"by {actor}",
            actor=Actor(label=actor),
            now=NOW,
        )
        return change.changed


def worker(url: str, version_id: int, count: int, name: str) -> list[tuple[str, bool]]:
    """Issue ``count`` credentials, revoking every other one right after issuing it; (id, revoked) each."""
    engine = make_engine(url)
    sessions = make_sessions(engine)
    config = StatusConfig(base_url=BASE, list_size=SIZE, random_probes=4)
    out: list[tuple[str, bool]] = []
    try:
        for i in range(count):
            public_id = _retrying(url, lambda: _issue_one(sessions, version_id, config))
            revoke = i % 2 == 0
            if revoke:
                assert _retrying(url, lambda pid=public_id: _revoke(sessions, pid, name))  # type: ignore[misc]
            out.append((public_id, revoke))
    finally:
        engine.dispose()
    return out


@dataclass
class Outcome:
    documents: dict[str, dict[str, Any]]
    entries: dict[str, tuple[str, int]]


def _check(url: str, results: list[tuple[str, bool]]) -> None:
    """Unique (list, index) per credential, documents match the database, every revocation published."""
    engine = make_engine(url)
    sessions = make_sessions(engine)
    config = StatusConfig(base_url=BASE, list_size=SIZE, random_probes=4)
    try:
        with sessions.begin() as session:
            documents = {
                row.public_id: json.loads(row.document) for row in session.scalars(select(IssuedCredential))
            }
            assert set(documents) == {pid for pid, _ in results}
            placed = {
                pid: (status["statusListCredential"], int(status["statusListIndex"]))
                for pid, doc in documents.items()
                for status in [doc["credentialStatus"]]
            }
            # Never one (list, index) for two credentials.
            assert len(set(placed.values())) == len(placed)
            lists = {lst.id: lst for lst in session.scalars(select(StatusList))}
            in_db = {
                e.credential_public_id: (f"{BASE}/status/{lists[e.list_id].public_id}", e.list_index)
                for e in session.scalars(select(StatusEntry))
            }
            assert in_db == placed
            # Full lists are exactly full; the number of lists is what the credentials need.
            per_list = Counter(e.list_id for e in session.scalars(select(StatusEntry)))
            for list_id, lst in lists.items():
                assert per_list[list_id] == SIZE if lst.full else per_list[list_id] <= SIZE
            assert len(lists) == -(-len(results) // SIZE)
            # No lost change: one event per revocation, one list version per event, every bit published.
            revoked = {pid for pid, r in results if r}
            assert session.scalar(select(func.count()).select_from(StatusEvent)) == len(revoked)
            events = Counter(
                e.list_id
                for e in session.scalars(
                    select(StatusEntry).where(StatusEntry.id.in_(select(StatusEvent.entry_id)))
                )
            )
            for list_id, lst in lists.items():
                assert lst.version == events[list_id]
            bits: dict[str, bytes] = {}
            for lst in lists.values():
                published = publish(
                    session, list_public_id=lst.public_id, config=config, keystore=LocalKeyStore(KEK), now=NOW
                )
                encoded = json.loads(published.document)["credentialSubject"]["encodedList"]
                bits[f"{BASE}/status/{lst.public_id}"] = decode_bitstring(encoded)
            for pid, (list_url, index) in placed.items():
                bit = (bits[list_url][index // 8] >> (7 - index % 8)) & 1
                assert bit == (1 if pid in revoked else 0), pid
    finally:
        engine.dispose()


def test_threads_issuing_and_revoking_at_once(database_url: str) -> None:
    version_id = prepare(database_url)
    results: list[tuple[str, bool]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(name: str) -> None:
        try:
            done = worker(database_url, version_id, 20, name)
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)
            return
        with lock:
            results.extend(done)

    threads = [threading.Thread(target=run, args=(f"thread-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 80
    _check(database_url, results)


def test_processes_issuing_and_revoking_at_once(database_url: str) -> None:
    version_id = prepare(database_url)
    # A fork server that has imported this module once: workers start in milliseconds, not seconds each.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with context.Pool(3) as pool:
        parts = pool.starmap(worker, [(database_url, version_id, 15, f"process-{i}") for i in range(3)])
    results = [item for part in parts for item in part]
    assert len(results) == 45
    _check(database_url, results)


def test_parallel_revocations_of_one_credential_make_one_change(database_url: str) -> None:
    version_id = prepare(database_url)
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    try:
        config = StatusConfig(base_url=BASE, list_size=SIZE)
        public_id = _issue_one(sessions, version_id, config)
        outcomes: list[bool] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(4)

        def run(name: str) -> None:
            barrier.wait()
            try:
                outcomes.append(_retrying(database_url, lambda: _revoke(sessions, public_id, name)))
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(f"t{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sorted(outcomes) == [False, False, False, True]
        with sessions.begin() as session:
            assert session.scalar(select(func.count()).select_from(StatusEvent)) == 1
            assert session.scalar(select(StatusList.version)) == 1
    finally:
        engine.dispose()
