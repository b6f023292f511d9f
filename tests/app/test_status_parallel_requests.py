"""Parallel issue and status requests over HTTP (issue 7, point 4): 4 client threads issuing, revoking and
suspending at once through the issuer app (sync routes run in its thread pool, each in its own transaction) into
16-entry lists. No index is shared, no change is lost, and no request fails: on PostgreSQL (``.ci/postgres.sh``)
the transactions overlap; on SQLite they queue for the write lock (``BEGIN IMMEDIATE``, app.db), never a 500 and
never retried by the client."""

from __future__ import annotations

import threading
from typing import Any

from app import Settings

from .status_helpers import entries, fetch_list, new_institution, set_status, status_app


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
