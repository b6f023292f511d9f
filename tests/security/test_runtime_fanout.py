"""Bounded fan-out and memory: every limit a document hits is a check result with a plain sentence, and nothing
is fetched for a credential whose proof is missing or does not verify."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from microcred.app import Settings
from microcred.app.main import create_verifier_app
from microcred.verifier.fetch import FetchPolicy, GuardedFetcher
from microcred.verifier.limits import SizedCache
from tests.verifier.factories import (
    NOW,
    WEB_DID,
    World,
    controller,
    ob3_credential,
    status_entry,
    status_list,
)


def _client(tmp_path: Path, world: World, **settings: Any) -> Iterator[TestClient]:
    app = create_verifier_app(Settings(data_dir=tmp_path, mode="dev", **settings))
    app.state.verifier = world.verifier()
    app.state.verifier_clock = lambda: NOW
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(tmp_path: Path, world: World) -> Iterator[TestClient]:
    yield from _client(tmp_path, world)


def _check(body: dict[str, Any], check_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in body["report"]["checks"] if c["id"] == check_id)
    return found


def _entries(count: int) -> list[dict[str, Any]]:
    return [status_entry(index=i, url=f"https://issuer.example/status/{i}") for i in range(count)]


def _verify(client: TestClient, credential: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_unsigned_credential_with_300_status_entries_fetches_nothing(
    client: TestClient, world: World
) -> None:
    credential = world.credential()
    credential["credentialStatus"] = _entries(300)
    body = _verify(client, credential)
    assert world.web.hits == {}
    status = _check(body, "status")
    assert status["status"] == "not-checked"
    assert "nothing is fetched" in status["sentence"]


def test_an_altered_credential_fetches_neither_status_lists_nor_the_issuer_did(
    client: TestClient, world: World
) -> None:
    credential = world.credential()
    credential["issuer"] = {"id": WEB_DID, "type": ["Profile"], "name": "Issuer"}
    credential["credentialStatus"] = _entries(3)
    signed = world.sign(credential, world.issuer)  # signed by a did:key, but claims the did:web issuer
    signed["credentialSubject"]["achievement"]["name"] = "Altered"
    body = _verify(client, signed)
    assert _check(body, "proof")["status"] == "failed"
    assert world.web.hits == {}
    assert _check(body, "status")["status"] == "not-checked"
    assert _check(body, "issuer")["status"] == "not-checked"


def test_status_entries_past_the_limit_are_reported_and_none_is_fetched(
    client: TestClient, world: World
) -> None:
    credential = world.credential()
    credential["credentialStatus"] = _entries(300)
    body = _verify(client, world.sign(credential))
    assert _check(body, "proof")["status"] == "passed"
    assert world.web.hits == {}
    status = _check(body, "status")
    assert status["status"] == "not-checked"
    assert "300 status entries" in status["sentence"]
    assert "at most 8" in status["sentence"]


def test_outbound_fetches_per_verification_are_bounded(tmp_path: Path, world: World) -> None:
    credential = world.credential()
    credential["credentialStatus"] = _entries(6)
    for client in _client(tmp_path, world, verifier_max_fetches=3):
        body = _verify(client, world.sign(credential))
    assert sum(world.web.hits.values()) == 3
    status = _check(body, "status")
    assert status["status"] == "not-checked"
    assert "limit of outbound fetches" in status["sentence"]


def test_proofs_per_document_are_bounded(client: TestClient, world: World) -> None:
    signed = world.sign(world.credential())
    signed["proof"] = [copy.deepcopy(signed["proof"]) for _ in range(5)]
    proof = _check(_verify(client, signed), "proof")
    assert proof["status"] == "failed"
    assert "carries 5 proofs" in proof["sentence"]
    assert "at most 4" in proof["sentence"]


def test_a_status_list_is_judged_by_its_expanded_size(client: TestClient, world: World) -> None:
    issuer = controller(world.issuer)
    # 16 MiB of zero bits gzip to a few KB; the default maximum is 16 Mi bits (2 MiB)
    listed = status_list(issuer, length_bits=134_217_728)
    world.publish_status(listed)
    assert len(listed["credentialSubject"]["encodedList"]) < 40_000
    credential = world.credential()
    credential["credentialStatus"] = status_entry()
    status = _check(_verify(client, world.sign(credential)), "status")
    assert status["status"] == "failed"
    assert "larger than this verifier accepts" in status["sentence"]
    assert client.app.state.verifier.decoded_lists.size == 0  # type: ignore[attr-defined]


def test_unknown_context_urls_are_not_remembered(client: TestClient, world: World) -> None:
    known = client.app.state.verifier.contexts_known  # type: ignore[attr-defined]
    _verify(client, world.sign(world.credential()))
    before = dict(known)
    for i in range(40):
        credential = world.credential()
        credential["@context"] = [*credential["@context"], f"https://attacker.example/{i}/" + "x" * 10_000]
        body = _verify(client, credential)
        assert _check(body, "contexts")["status"] == "not-checked"  # named, never remembered
    assert known == before


def test_the_fetch_cache_is_bounded_by_bytes_and_entries() -> None:
    bodies = {f"https://issuer.example/{i}": b"x" * 400 for i in range(6)}
    hits: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hits.append(request.headers["host"] + request.url.path)
        return httpx.Response(200, content=b"x" * 400, headers={"cache-control": "max-age=300"})

    fetcher = GuardedFetcher(
        httpx.Client(transport=httpx.MockTransport(handler)),
        policy=FetchPolicy(cache_entries=100, cache_bytes=1000),
        resolve=lambda host, port: ["93.184.215.14"],
    )
    for url in bodies:
        fetcher.get(url)
    assert fetcher._cache_size <= 1000
    assert len(fetcher._cache) == 2
    fetcher.get("https://issuer.example/5")  # still cached
    fetcher.get("https://issuer.example/0")  # evicted: fetched again
    assert len(hits) == 7


def test_the_decoded_list_cache_is_bounded_by_bytes_and_entries() -> None:
    cache: SizedCache[str, bytes] = SizedCache(max_entries=3, max_bytes=1000)
    for i in range(5):
        cache.put(str(i), b"x" * 300, 300)
    assert len(cache) == 3
    assert cache.size == 900
    cache.put("big", b"x" * 600, 600)
    assert cache.size <= 1000
    assert cache.get("big") is not None
    cache.put("huge", b"x" * 2000, 2000)
    assert cache.get("huge") is None


def test_status_list_caches_hold_digests_and_are_sized_from_settings(tmp_path: Path, world: World) -> None:
    world.publish_status(status_list(controller(world.issuer)), **{"cache-control": "max-age=600"})
    credential = world.credential()
    credential["credentialStatus"] = status_entry()
    for client in _client(tmp_path, world):
        assert _check(_verify(client, world.sign(credential)), "status")["status"] == "passed"
        verifier = client.app.state.verifier  # type: ignore[attr-defined]
        # the verified-list memo is keyed by a digest, not by the (up to 1 MiB) list it was read from
        assert [len(digest) for digest in verifier.verified_lists] == [32]
        assert len(verifier.decoded_lists) == 1
    app = create_verifier_app(Settings(data_dir=tmp_path, verifier_cache_bytes=5_000_000))
    assert app.state.verifier.decoded_lists.max_bytes == 5_000_000


def test_inline_contexts_are_not_kept_after_the_request(tmp_path: Path, world: World) -> None:
    import microcred.suites.rdf
    from microcred.contexts import allowed_urls, offline_loader

    signed = world.sign(world.credential())
    # in the request's thread (no worker processes), so this process's caches are the ones that would grow
    for client in _client(tmp_path, world, verifier_workers=0):
        for i in range(30):
            credential = copy.deepcopy(signed)
            inline = {f"t{j}_{i}": f"https://example.org/{i}/{j}" for j in range(500)}
            credential["@context"] = [*credential["@context"], inline]
            assert _check(_verify(client, credential), "contexts")["status"] == "failed"
    cache = microcred.suites.rdf._CONTEXT_CACHES[offline_loader()]
    assert (
        len(cache) > 0
    )  # the pinned contexts, by URL (the EDC context's is http://, as the Commission publishes it)
    assert all(key in allowed_urls() for key in cache)


def test_endorsements_inside_an_unsigned_credential_fetch_nothing(client: TestClient, world: World) -> None:
    endorsement = world.sign(ob3_credential(WEB_DID), world.web_issuer)  # its checks would fetch did:web
    credential = world.credential()
    credential["endorsement"] = [endorsement]
    body = _verify(client, credential)
    assert _check(body, "proof")["status"] == "failed"
    assert world.web.hits == {}
    assert all(c["id"] != "endorsements" for c in body["report"]["checks"])
    # signed, the same credential has its endorsement checked (and the did:web document fetched)
    _verify(client, world.sign(credential))
    assert world.web.hits.get("https://issuer.example/.well-known/did.json") == 1
