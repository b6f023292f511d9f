"""No request stalls the verifier: hostile JSON-LD is answered within 2 s while /healthz keeps answering fast.

A real uvicorn server (lifespan on, so the JSON-LD worker processes run) in a thread; /healthz is polled over
fresh connections while a hostile document is being verified.
"""

from __future__ import annotations

import copy
import multiprocessing
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from microcred import suites
from microcred.app import Settings
from microcred.app.main import create_verifier_app
from microcred.suites.isolation import ProcessCanonicalizer, WorkDeadline
from microcred.suites.rdf import to_dataset
from microcred.suites.rdfc import canonicalize
from tests.security.runtime_server import healthz_latencies, serving
from tests.verifier.factories import World

HEALTHZ_LIMIT = 0.1
ANSWER_LIMIT = 2.0


def quadratic_context(credential: dict[str, Any], *, terms: int = 2000, nodes: int = 400) -> dict[str, Any]:
    """The credential with an inline context whose type-scoped context pyld re-processes for every node: about
    8 s of pure-Python CPU for 85 KB (quadratic in size)."""
    scoped = {f"p{i}": f"https://example.org/p{i}" for i in range(terms)}
    inline = {
        "@version": 1.1,
        "T": {"@id": "https://example.org/T", "@context": scoped},
        "items": {"@id": "https://example.org/items"},
    }
    hostile = copy.deepcopy(credential)
    hostile["@context"] = [*credential["@context"], inline]
    hostile["credentialSubject"]["items"] = [{"type": "T", "p0": str(j)} for j in range(nodes)]
    return hostile


def nested_sets(credential: dict[str, Any], *, nodes: int = 16_000) -> dict[str, Any]:
    """The credential with an inline ``@nest`` term over ``@set`` values: about 4 s of pyld for 950 KB."""
    inline = {
        "@version": 1.1,
        "nest": "@nest",
        "v": {"@id": "https://example.org/v", "@container": "@set"},
    }
    hostile = copy.deepcopy(credential)
    hostile["@context"] = [*credential["@context"], inline]
    hostile["credentialSubject"]["nest"] = [{"v": [str(i) for i in range(10)]} for _ in range(nodes)]
    return hostile


@pytest.fixture
def base(tmp_path: Path) -> Any:
    app = create_verifier_app(Settings(data_dir=tmp_path, mode="dev", max_body_bytes=4_000_000))
    with serving(app) as url:
        yield url


def _post_while_polling(
    base: str, path: str, body: dict[str, Any]
) -> tuple[httpx.Response, float, list[float]]:
    stop = threading.Event()
    latencies: list[float] = []
    poller = threading.Thread(target=lambda: latencies.extend(healthz_latencies(base, stop)))
    poller.start()
    time.sleep(0.1)
    started = time.monotonic()
    try:
        response = httpx.post(f"{base}{path}", json=body, timeout=60)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        poller.join()
    return response, elapsed, latencies


def _warm(base: str, world: World) -> None:
    """An ordinary verification (canonicalized in-process) and a tiny one that needs a worker process (an inline
    context, for pyld), so the workers are up and warm before anything is measured."""
    signed = world.sign(world.credential())
    response = httpx.post(f"{base}/credentials/verify", json={"verifiableCredential": signed}, timeout=60)
    assert response.json()["verified"] is True
    tiny = quadratic_context(signed, terms=2, nodes=1)
    response = httpx.post(f"{base}/credentials/verify", json={"verifiableCredential": tiny}, timeout=60)
    proof = next(c for c in response.json()["report"]["checks"] if c["id"] == "proof")
    assert "too much work" not in proof["sentence"]


@pytest.mark.parametrize("make_hostile", [quadratic_context, nested_sets])
def test_hostile_json_ld_is_answered_within_2_s_and_healthz_stays_fast(
    base: str, world: World, make_hostile: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    _warm(base, world)
    hostile = make_hostile(world.sign(world.credential()))
    response, elapsed, latencies = _post_while_polling(
        base, "/credentials/verify", {"verifiableCredential": hostile}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is False
    proof = next(c for c in body["report"]["checks"] if c["id"] == "proof")
    assert proof["status"] in ("failed", "not-checked")
    assert "too much work" in proof["sentence"]
    assert elapsed < ANSWER_LIMIT, f"answered after {elapsed:.2f} s"
    assert len(latencies) >= 5
    assert max(latencies) < HEALTHZ_LIMIT, f"/healthz took up to {max(latencies) * 1000:.0f} ms"


def test_a_presentation_of_many_poisoned_credentials_is_answered_within_2_s(base: str, world: World) -> None:
    _warm(base, world)
    # each costs about 0.7 s alone: together they share the one request's work budget
    poisoned = quadratic_context(world.sign(world.credential()), terms=500, nodes=100)
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [poisoned] * 12,
    }
    response, elapsed, latencies = _post_while_polling(
        base, "/presentations/verify", {"verifiablePresentation": presentation}
    )
    assert response.status_code == 200
    credentials = response.json()["credentials"]
    assert len(credentials) == 12
    assert all(c["verified"] is False for c in credentials)
    assert elapsed < ANSWER_LIMIT, f"answered after {elapsed:.2f} s"
    assert max(latencies) < HEALTHZ_LIMIT, f"/healthz took up to {max(latencies) * 1000:.0f} ms"


def test_a_presentation_of_498_credentials_is_refused_by_count_at_once(base: str, world: World) -> None:
    poisoned = quadratic_context(world.sign(world.credential()), terms=50, nodes=10)
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [poisoned] * 498,
    }
    started = time.monotonic()
    response = httpx.post(
        f"{base}/presentations/verify", json={"verifiablePresentation": presentation}, timeout=60
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is False
    check = next(c for c in body["report"]["checks"] if c["id"] == "credentials")
    assert check["status"] == "not-checked"
    assert "498 credentials" in check["sentence"]
    assert "at most 16" in check["sentence"]
    assert body["credentials"] == []
    assert elapsed < ANSWER_LIMIT


def test_a_worker_past_its_memory_cap_reports_the_proof_not_checked(tmp_path: Path, world: World) -> None:
    settings = Settings(
        data_dir=tmp_path,
        mode="dev",
        max_body_bytes=4_000_000,
        verifier_worker_memory_bytes=140_000_000,  # room for a worker (about 60 MB), not for this document
        verifier_work_seconds=20,
        verifier_deadline_seconds=30,
    )
    with TestClient(create_verifier_app(settings), raise_server_exceptions=False) as client:
        signed = world.sign(world.credential())
        ordinary = client.post("/credentials/verify", json={"verifiableCredential": signed})
        assert ordinary.json()["verified"] is True
        response = client.post("/credentials/verify", json={"verifiableCredential": nested_sets(signed)})
        again = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert response.status_code == 200
    proof = next(c for c in response.json()["report"]["checks"] if c["id"] == "proof")
    assert proof["status"] == "failed"
    assert "memory" in proof["sentence"]
    assert again.json()["verified"] is True  # the pool carries on


def test_an_ordinary_credential_is_canonicalized_without_a_worker_and_a_hostile_one_in_one(
    world: World,
) -> None:
    """The split that keeps the hot path fast: the fast path's small datasets never pay a worker round trip;
    pyld's reference path (an inline context) always runs in a worker under the request's budget."""
    pool = ProcessCanonicalizer(workers=1)
    try:
        run = pool.until(WorkDeadline.after(5.0))
        signed = world.sign(world.credential())
        unsecured = {k: v for k, v in signed.items() if k != "proof"}
        assert run(unsecured, suites.DEFAULT_BUDGET) == canonicalize(
            to_dataset(unsecured, loader=world.loader)
        )
        assert pool._pool is None  # no worker was started for it
        hostile = quadratic_context(unsecured, terms=5, nodes=2)
        assert run(hostile, suites.DEFAULT_BUDGET) == canonicalize(to_dataset(hostile, loader=world.loader))
        assert pool._pool is not None
    finally:
        pool.stop()


def test_starting_the_pool_brings_its_workers_up_before_any_request() -> None:
    """pebble starts a pool's processes only with its first task: ``start`` schedules one, so the first hostile
    request does not also wait for a worker to spawn and warm inside its deadline."""
    before = {child.pid for child in multiprocessing.active_children()}
    pool = ProcessCanonicalizer(workers=1)
    try:
        pool.start().result(timeout=60)
        assert {child.pid for child in multiprocessing.active_children()} - before
    finally:
        pool.stop()
