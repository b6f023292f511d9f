"""Bulk issuance (issue 5, point 6): CSV / JSON Lines, progress, per-row errors, crash and restart, no duplicates."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from microcred.app.achievements import data as achievements_data
from microcred.app.batches.service import create_batch, process_batch
from microcred.app.db.tables import Batch, IssuedCredential
from microcred.contexts import offline_loader
from microcred.issuer.bulk import parse_rows
from microcred.keys import GeneratedKey, KeyStore, Signer
from microcred.suites import StaticResolver, verify
from microcred.vc.errors import InvalidInput
from tests.issuer.factories import DID_KEY, issuing

CSV = (
    "name,email,did,grade,ects,assessment_date\n"
    "Ana,ana@example.org,,Pass,2,2026-06-20T10:00:00Z\n"
    "Ben,,,Pass,,\n"  # row 2: no learner
    "Cleo,cleo@example.org,,Excellent,,\n"  # row 3: grade outside the scale
    f",,{DID_KEY},Pass,,\n"
)


def credentials(app: FastAPI) -> list[IssuedCredential]:
    with app.state.services.sessions() as session:
        return list(session.scalars(select(IssuedCredential).order_by(IssuedCredential.batch_row)))


def test_csv_batch_reports_progress_and_row_errors(
    app: FastAPI, client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution(), offeredSince="2026-01-01T00:00:00Z")  # a past cohort
    response = client.post(
        "/batches",
        params={"achievement": it.achievement_id},
        content=CSV.encode(),
        headers={**it.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 202, response.text
    # TestClient runs the background job before returning; a real server answers first.
    status = client.get(f"/batches/{response.json()['id']}", headers=it.headers).json()
    assert (status["total"], status["done"], status["failed"], status["remaining"]) == (4, 2, 2, 0)
    assert status["finished"] is True
    assert [e["row"] for e in status["errors"]] == [2, 3]
    assert "did" in status["errors"][0]["error"]
    assert "grade" in status["errors"][1]["error"]
    issued = credentials(app)
    assert [c.batch_row for c in issued] == [1, 4]
    first = json.loads(issued[0].document)
    assert first["credentialSubject"]["result"][0]["value"] == "Pass"
    assert first["credentialSubject"]["creditsEarned"] == 2
    listed = client.get("/credentials", params={"batch": status["id"]}, headers=it.headers).json()
    assert len(listed["credentials"]) == 2
    other = {"Authorization": f"Bearer {new_institution('uni-b')['apiKey']['key']}"}
    assert client.get(f"/batches/{status['id']}", headers=other).status_code == 404


def test_json_lines_batch(app: FastAPI, client: TestClient, new_institution: Callable[..., Any]) -> None:
    it = issuing(client, new_institution())
    lines = "\n".join(
        [json.dumps({"email": f"l{i}@example.org", "grade": "Pass"}) for i in range(5)] + ["not json", "[1]"]
    )
    response = client.post(
        "/batches",
        params={"achievement": it.achievement_id, "cryptosuite": "Ed25519Signature2020"},
        content=lines.encode(),
        headers={**it.headers, "Content-Type": "application/jsonl"},
    )
    status = client.get(f"/batches/{response.json()['id']}", headers=it.headers).json()
    assert (status["done"], status["failed"]) == (5, 2)
    assert [e["row"] for e in status["errors"]] == [6, 7]
    assert {c.suite for c in credentials(app)} == {"Ed25519Signature2020"}


def test_malformed_uploads_are_refused_whole(client: TestClient, new_institution: Callable[..., Any]) -> None:
    it = issuing(client, new_institution())

    def post(body: bytes, content_type: str) -> int:
        return client.post(
            "/batches",
            params={"achievement": it.achievement_id},
            content=body,
            headers={**it.headers, "Content-Type": content_type},
        ).status_code

    assert post(b"name,email,shoe size\nA,a@x.org,42\n", "text/csv") == 422
    assert post(b"<xml/>", "application/xml") == 422
    assert post(b"", "text/csv") == 422
    assert post(b"name,email\n", "text/csv") == 422  # no rows


class _CrashingSigner:
    """A signer that dies (as the process would) after ``after`` signatures."""

    def __init__(self, signer: Signer, after: int) -> None:
        self._signer, self._left = signer, after
        self.verification_method = signer.verification_method
        self.public_key_multibase = signer.public_key_multibase

    def sign(self, data: bytes) -> bytes:
        if self._left <= 0:
            raise RuntimeError("simulated crash")
        self._left -= 1
        return self._signer.sign(data)


class _CrashingKeyStore:
    """The app's key store, whose signers crash after ``after`` signatures."""

    def __init__(self, keystore: KeyStore, *, after: int) -> None:
        self._keystore, self._after = keystore, after

    def generate(self, *, key_id: str) -> GeneratedKey:
        return self._keystore.generate(key_id=key_id)

    def signer(self, *, key_id: str, sealed_secret: bytes, verification_method: str) -> Signer:
        opened = self._keystore.signer(
            key_id=key_id, sealed_secret=sealed_secret, verification_method=verification_method
        )
        return _CrashingSigner(opened, self._after)


def test_a_crash_then_a_restart_finishes_without_duplicates(
    app: FastAPI, client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    services = app.state.services
    rows = parse_rows(
        "\n".join(["email,grade", *(f"p{i}@example.org,Pass" for i in range(25))]).encode(),
        media_type="text/csv",
    )
    with services.sessions() as session, session.begin():
        achievement = achievements_data.get_achievement(session, public_id=it.achievement_id)
        version = achievements_data.latest_version(session, achievement=achievement)
        batch = create_batch(
            session,
            institution=achievement.institution,
            version=version,
            rows=rows,
            suite="eddsa-rdfc-2022",
            now=datetime.now(UTC),
        )
        batch_id, public_id = batch.id, batch.public_id
    # First worker: commits one chunk (10 rows), then dies half-way through the next one.
    process_batch(
        services.sessions,
        batch_id=batch_id,
        keystore=services.keystore,
        clock=services.clock,
        chunk=10,
        max_chunks=1,
    )
    with pytest.raises(RuntimeError, match="simulated crash"):
        process_batch(
            services.sessions,
            batch_id=batch_id,
            keystore=_CrashingKeyStore(services.keystore, after=5),
            clock=services.clock,
            chunk=10,
        )
    assert len(credentials(app)) == 10
    progress = client.get(f"/batches/{public_id}", headers=it.headers).json()
    assert (progress["done"], progress["remaining"], progress["finished"]) == (10, 15, False)
    # The restart issues the rest; each row exactly once.
    done = process_batch(
        services.sessions, batch_id=batch_id, keystore=services.keystore, clock=services.clock, chunk=10
    )
    assert (done.done, done.failed, done.remaining) == (25, 0, 0)
    assert sorted(c.batch_row for c in credentials(app)) == list(range(1, 26))
    with services.sessions() as session:
        assert (
            session.scalar(select(func.count()).select_from(Batch).where(Batch.finished_at.is_not(None))) == 1
        )


def test_duplicate_row_issue_is_impossible(
    app: FastAPI, client: TestClient, new_institution: Callable[..., Any]
) -> None:
    """Even if two workers took the same row, the unique (batch, row) key refuses the second credential."""
    it = issuing(client, new_institution())
    client.post(
        "/batches",
        params={"achievement": it.achievement_id},
        content=b"email\none@example.org\n",
        headers={**it.headers, "Content-Type": "text/csv"},
    )
    (issued,) = credentials(app)
    with app.state.services.sessions() as session, pytest.raises(IntegrityError), session.begin():
        session.add(
            IssuedCredential(
                public_id="00000000-0000-4000-8000-000000000099",
                institution_id=issued.institution_id,
                achievement_version_id=issued.achievement_version_id,
                suite=issued.suite,
                document="{}",
                issued_at=issued.issued_at,
                valid_from=issued.valid_from,
                batch_id=issued.batch_id,
                batch_row=issued.batch_row,
            )
        )


def test_parse_rows_numbers_rows_and_keeps_going() -> None:
    rows = parse_rows(
        b"Email,Grade\na@x.org,Pass\n,Pass\n\nb@x.org,Fail,extra\n", media_type="text/csv; charset=utf-8"
    )
    assert [(n, p is not None, e is None) for n, p, e in rows] == [
        (1, True, True),
        (2, False, False),
        (4, False, False),
    ]
    with pytest.raises(InvalidInput):
        parse_rows(b"\xff\xfe", media_type="text/csv")


def test_signing_worker_processes_issue_the_same_valid_credentials(
    app: FastAPI, client: TestClient, new_institution: Callable[..., Any]
) -> None:
    """workers=2: check + sign in two processes that unseal the signer themselves; bad rows still fail alone."""
    it = issuing(client, new_institution())
    services = app.state.services
    rows = parse_rows(
        b"email,grade\n"
        + b"".join(b"w%d@example.org,Pass\n" % i for i in range(7))
        + b"bad@example.org,Excellent\n",
        media_type="text/csv",
    )
    with services.sessions() as session, session.begin():
        achievement = achievements_data.get_achievement(session, public_id=it.achievement_id)
        version = achievements_data.latest_version(session, achievement=achievement)
        batch_id = create_batch(
            session,
            institution=achievement.institution,
            version=version,
            rows=rows,
            suite="eddsa-rdfc-2022",
            now=datetime.now(UTC),
        ).id
    result = process_batch(
        services.sessions,
        batch_id=batch_id,
        keystore=services.keystore,
        clock=services.clock,
        kek=services.settings.kek(),
        workers=2,
        min_pool_rows=1,
    )
    assert (result.done, result.failed) == (7, 1)
    did_document = client.get(f"/issuers/{it.slug}/did.json").json()
    resolver = StaticResolver({it.did: did_document})
    for credential in credentials(app):
        assert verify(json.loads(credential.document), resolver=resolver, loader=offline_loader()).verified


def test_two_workers_share_one_batch_without_duplicates(
    app: FastAPI, client: TestClient, new_institution: Callable[..., Any]
) -> None:
    """Two workers on the same batch at once (threads here; processes or machines alike): every row once."""
    it = issuing(client, new_institution())
    services = app.state.services
    rows = parse_rows(
        "\n".join(["email,grade", *(f"t{i}@example.org,Pass" for i in range(60))]).encode(),
        media_type="text/csv",
    )
    with services.sessions() as session, session.begin():
        achievement = achievements_data.get_achievement(session, public_id=it.achievement_id)
        version = achievements_data.latest_version(session, achievement=achievement)
        batch_id = create_batch(
            session,
            institution=achievement.institution,
            version=version,
            rows=rows,
            suite="eddsa-rdfc-2022",
            now=datetime.now(UTC),
        ).id
    errors: list[BaseException] = []

    def work() -> None:
        try:
            process_batch(
                services.sessions,
                batch_id=batch_id,
                keystore=services.keystore,
                clock=services.clock,
                chunk=5,
            )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(c.batch_row for c in credentials(app)) == list(range(1, 61))
