"""Parallel issue and status requests over HTTP (issue 7, point 4): 4 client threads issuing, revoking and
suspending at once through the issuer app (sync routes run in its thread pool, each in its own transaction) into
16-entry lists. No index is shared, no change is lost, and no request fails: on PostgreSQL (``.ci/postgres.sh``)
the transactions overlap; on SQLite they queue for the write lock (``BEGIN IMMEDIATE``, app.db), never a 500 and
never retried by the client."""

from __future__ import annotations

import secrets
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from microcred.app import Settings
from microcred.app.db.tables import IssuedCredential, StatusEntry, StatusEvent, WalletOffer
from tests.app.status.factories import entries, fetch_list, issue, new_institution, set_status, status_app


def test_parallel_issue_and_status_requests(settings: Settings, admin: dict[str, str]) -> None:
    with status_app(settings, status_list_size=16, status_suspension_institutions={"uni-a": True}) as (
        _app,
        client,
        _clock,
    ):
        it = new_institution(client, admin, "uni-a")
        issued: list[tuple[dict[str, Any], str]] = []
        errors: list[str] = []
        lock = threading.Lock()

        def run(worker: int) -> None:
            for i in range(6):
                response = it.issue(it.subject(id="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"))
                if response.status_code != 201:
                    errors.append(response.text)
                    return
                credential = response.json()["verifiableCredential"]
                action = ("revocation", "suspension", "none")[(worker + i) % 3]
                if action != "none":
                    changed = set_status(it, credential["id"], action, True)
                    if changed.status_code != 200:
                        errors.append(changed.text)
                        return
                with lock:
                    issued.append((credential, action))

        threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(issued) == 24
        placed = [
            (e["statusListCredential"], e["statusListIndex"]) for c, _ in issued for e in entries(c).values()
        ]
        assert len(placed) == 48
        assert len(set(placed)) == 48  # never one (list, index) for two entries
        lists = {url: fetch_list(client, url) for url, _ in placed}
        assert len(lists) == 4  # 24 revocation + 24 suspension entries in 16-entry lists
        for credential, action in issued:
            for purpose, entry in entries(credential).items():
                bit = lists[entry["statusListCredential"]].bit(entry["statusListIndex"])
                assert bit == (1 if purpose == action else 0), (credential["id"], purpose)
        assert sum(int(f.headers["x-status-list-version"]) for f in lists.values()) == 16


def _link_copy(app: FastAPI, original: dict[str, Any], copy: dict[str, Any]) -> None:
    """Record ``copy`` as the wallet re-issue of ``original``, as a redeemed learner-page offer does."""
    with app.state.services.sessions.begin() as session:
        row = session.scalars(
            select(IssuedCredential).where(IssuedCredential.public_id == original["id"][9:])
        ).one()
        now = datetime.now(UTC)
        session.add(
            WalletOffer(
                public_id=str(uuid.uuid4()),
                institution_id=row.institution_id,
                achievement_version_id=row.achievement_version_id,
                award={},
                suite=row.suite,
                reference_hash=secrets.token_hex(32),
                code_hash=secrets.token_hex(32),
                code_minted_at=now,
                code_expires_at=now,
                state="issued",
                holder_did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                credential_id=copy["id"][9:],
                source_credential_id=row.public_id,
                created_at=now,
                expires_at=now,
                issued_at=now,
            )
        )


def test_parallel_changes_of_originals_and_their_wallet_copies(
    settings: Settings, admin: dict[str, str]
) -> None:
    """A change to an original also locks and changes its copy; changes of the copy itself run at the same time.
    Entries are locked before list rows and list rows in id order, so on PostgreSQL no two requests wait on each
    other in a cycle (a deadlock would be a 500 here), and every change gets its own list version."""
    with status_app(settings, status_list_size=16, status_suspension_institutions={"uni-c": True}) as (
        app,
        client,
        _clock,
    ):
        it = new_institution(client, admin, "uni-c")
        pairs = [(issue(it), issue(it)) for _ in range(3)]
        for original, copy in pairs:
            _link_copy(app, original, copy)
        errors: list[str] = []

        def toggle(credential: dict[str, Any]) -> None:
            for i in range(8):
                response = set_status(it, credential["id"], "suspension", i % 2 == 0)
                if response.status_code != 200:
                    errors.append(response.text)

        threads = [threading.Thread(target=toggle, args=(c,)) for pair in pairs for c in pair]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        # every toggle ended on "reinstated"; then revoking each original revokes its copy too
        for original, copy in pairs:
            revoked = set_status(it, original["id"], "revocation", True)
            assert revoked.json()["walletCopies"] == {copy["id"]: True}
        with app.state.services.sessions() as session:
            versions = session.execute(select(StatusEvent.entry_id, StatusEvent.list_version)).all()
            lists = {e.id: e.list_id for e in session.scalars(select(StatusEntry))}
        by_list = [(lists[entry_id], version) for entry_id, version in versions]
        assert len(by_list) == len(set(by_list))  # no two changes share a list version: none was lost
        for original, copy in pairs:
            for credential in (original, copy):
                found = entries(credential)
                listed = fetch_list(client, found["revocation"]["statusListCredential"])
                assert listed.bit(found["revocation"]["statusListIndex"]) == 1
                suspended = fetch_list(client, found["suspension"]["statusListCredential"])
                assert suspended.bit(found["suspension"]["statusListIndex"]) == 0
