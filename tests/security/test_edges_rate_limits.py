"""Per-client rate limits on the unauthenticated expensive endpoints: 429 problem+json with Retry-After, counted per
client address (X-Forwarded-For only from a configured proxy), configurable per endpoint group."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from limits import parse_many
from limits.storage import MemoryStorage
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from microcred.app import Settings, create_app
from microcred.app.core.rate_limits import VERIFIER_ROUTES, ClientLimiter, RateLimitMiddleware, client_key
from microcred.app.main import create_verifier_app
from microcred.vc.errors import ConfigurationError
from tests.app.factories import settings as settings

PROBLEM = "application/problem+json"
ISSUER_ENDPOINTS = [
    ("oid4vci", "POST", "/oid4vci/token"),
    ("oid4vci", "POST", "/oid4vci/nonce"),
    ("oid4vci", "POST", "/oid4vci/credential"),
    ("oid4vci", "GET", "/oid4vci/offers/some-reference"),
    ("exchanges", "POST", "/exchanges/some-reference"),
    ("exchanges", "GET", "/exchanges/some-reference/protocols"),
    ("learner", "POST", "/credentials/7a8c0f0e-0000-4000-8000-000000000000/wallet"),
    ("learner", "GET", "/credentials/7a8c0f0e-0000-4000-8000-000000000000/credential.json"),
    ("learner", "GET", "/credentials/7a8c0f0e-0000-4000-8000-000000000000/elm"),
    ("learner", "GET", "/credentials/7a8c0f0e-0000-4000-8000-000000000000/badge.png"),
    ("learner", "GET", "/credentials/7a8c0f0e-0000-4000-8000-000000000000/badge.svg"),
    ("learner", "GET", "/credentials/7a8c0f0e-0000-4000-8000-000000000000/qr.svg"),
    ("learner", "GET", "/wallet/some-reference"),
    ("learner", "HEAD", "/credentials/7a8c0f0e-0000-4000-8000-000000000000/badge.png"),
]
VERIFIER_ENDPOINTS = [
    ("verify", "POST", "/credentials/verify"),
    ("verify", "POST", "/presentations/verify"),
    ("upload", "POST", "/verify"),
    ("upload", "POST", "/check"),
    ("upload", "GET", "/?url=https://issuer.example/credential.json"),
]


@pytest.fixture
def limited(settings: Settings) -> Iterator[Any]:
    """Builds an app (issuer or verifier) from the test settings with some settings changed; disposes it."""
    made: list[FastAPI] = []

    def build(kind: str, **changes: Any) -> FastAPI:
        changed = Settings(**{**settings.model_dump(), **changes})
        app = create_app(changed) if kind == "issuer" else create_verifier_app(changed)
        made.append(app)
        return app

    yield build
    for app in made:
        services = getattr(app.state, "services", None)
        if services is not None:
            services.engine.dispose()


def _send(client: TestClient, method: str, path: str, **kwargs: Any) -> Any:
    if method == "POST":
        return client.post(path, json={}, **kwargs)
    return client.request(method, path, **kwargs)


def _assert_rate_limited(response: Any, *, window: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM
    if response.request.method != "HEAD":  # a HEAD answer has the headers only
        problem = response.json()
        assert problem["status"] == 429
        assert problem["type"].endswith("/rate-limited")
    assert 1 <= int(response.headers["retry-after"]) <= window
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(("group", "method", "path"), ISSUER_ENDPOINTS)
def test_issuer_endpoint_is_limited_per_client(limited: Any, group: str, method: str, path: str) -> None:
    app = limited("issuer", **{f"rate_limit_{group}": "2/minute"})
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(2):
            assert _send(client, method, path).status_code != 429
        _assert_rate_limited(_send(client, method, path), window=60)
        # Another client is counted on its own; endpoints outside the limited groups stay open.
        with TestClient(app, raise_server_exceptions=False, client=("203.0.113.9", 4000)) as other:
            assert _send(other, method, path).status_code != 429
        assert client.get("/healthz").status_code == 200
        assert client.get("/catalogue").status_code != 429


@pytest.mark.parametrize(("group", "method", "path"), VERIFIER_ENDPOINTS)
def test_verifier_endpoint_is_limited_per_client(limited: Any, group: str, method: str, path: str) -> None:
    app = limited("verifier", **{f"rate_limit_{group}": "2/minute"})
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(2):
            assert _send(client, method, path).status_code != 429
        refused = _send(client, method, path)
        if path in ("/check",) or path.startswith("/?"):
            # The verifier's pages answer a friendly HTML page, still 429 and still saying when to retry.
            assert refused.status_code == 429
            assert refused.headers["content-type"].startswith("text/html")
            assert "Too many requests" in refused.text
            assert 1 <= int(refused.headers["retry-after"]) <= 60
        else:
            _assert_rate_limited(refused, window=60)
        with TestClient(app, raise_server_exceptions=False, client=("203.0.113.9", 4000)) as other:
            assert _send(other, method, path).status_code != 429
        assert client.get("/").status_code == 200  # the home page without ?url= is not counted


def test_groups_are_counted_separately(limited: Any) -> None:
    app = limited("verifier", rate_limit_verify="1/minute", rate_limit_upload="5/minute")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/credentials/verify", json={}).status_code == 422
        assert client.post("/credentials/verify", json={}).status_code == 429
        assert client.post("/verify", json={}).status_code != 429


def test_a_refused_request_is_not_processed(limited: Any, settings: Settings) -> None:
    """Over the limit, the handler never runs: the body is not even read (an invalid one would be a 422)."""
    app = limited("verifier", rate_limit_verify="1/minute")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert (
            client.post(
                "/credentials/verify", content=b"{not json", headers={"content-type": "application/json"}
            ).status_code
            == 422
        )
        refused = client.post(
            "/credentials/verify", content=b"{not json", headers={"content-type": "application/json"}
        )
        _assert_rate_limited(refused, window=60)


def test_retry_after_says_when_the_client_may_come_back(limited: Any) -> None:
    app = limited("verifier", rate_limit_verify="1/second")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/credentials/verify", json={}).status_code == 422
        refused = client.post("/credentials/verify", json={})
        _assert_rate_limited(refused, window=1)
        time.sleep(float(refused.headers["retry-after"]) + 0.05)
        assert client.post("/credentials/verify", json={}).status_code == 422


def test_several_rates_for_one_group(limited: Any) -> None:
    app = limited("verifier", rate_limit_verify="100/second;3/minute")
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(3):
            assert client.post("/credentials/verify", json={}).status_code == 422
        refused = client.post("/credentials/verify", json={})
        _assert_rate_limited(refused, window=60)
        assert int(refused.headers["retry-after"]) > 1  # the minute's limit, not the second's


def test_x_forwarded_for_is_ignored_from_an_untrusted_peer(limited: Any) -> None:
    app = limited("verifier", rate_limit_verify="1/minute")
    with TestClient(app, raise_server_exceptions=False, client=("198.51.100.7", 5000)) as client:
        assert client.post("/credentials/verify", json={}).status_code == 422
        spoofed = client.post("/credentials/verify", json={}, headers={"X-Forwarded-For": "192.0.2.1"})
        _assert_rate_limited(spoofed, window=60)


def test_x_forwarded_for_names_the_client_behind_a_trusted_proxy(limited: Any) -> None:
    app = limited("verifier", rate_limit_verify="1/minute", rate_limit_trusted_proxies=["10.0.0.0/8"])
    with TestClient(app, raise_server_exceptions=False, client=("10.1.2.3", 5000)) as proxy:
        first = {"X-Forwarded-For": "192.0.2.1"}
        assert proxy.post("/credentials/verify", json={}, headers=first).status_code == 422
        _assert_rate_limited(proxy.post("/credentials/verify", json={}, headers=first), window=60)
        # A client cannot escape by writing its own hops in front: the proxy appends the real address last.
        forged = {"X-Forwarded-For": "203.0.113.50, 192.0.2.1"}
        _assert_rate_limited(proxy.post("/credentials/verify", json={}, headers=forged), window=60)
        second = {"X-Forwarded-For": "192.0.2.2"}
        assert proxy.post("/credentials/verify", json={}, headers=second).status_code == 422
        # A proxy that adds its own header line instead of appending to the client's: its line is the last.
        lines = [("X-Forwarded-For", "192.0.2.1"), ("X-Forwarded-For", "192.0.2.3")]
        assert proxy.post("/credentials/verify", json={}, headers=lines).status_code == 422
        _assert_rate_limited(proxy.post("/credentials/verify", json={}, headers=lines), window=60)


def test_client_key() -> None:
    proxies = (ipaddress.ip_network("10.0.0.0/8"),)
    assert client_key("192.0.2.1", "203.0.113.1", trusted_proxies=proxies) == "192.0.2.1"
    assert client_key("10.0.0.1", "203.0.113.1, 10.0.0.2", trusted_proxies=proxies) == "203.0.113.1"
    assert client_key("10.0.0.1", "10.0.0.2", trusted_proxies=proxies) == "10.0.0.2"
    assert client_key("2001:db8::1", None, trusted_proxies=()) == "2001:db8::/64"
    assert client_key("2001:db8::2", None, trusted_proxies=()) == "2001:db8::/64"
    assert client_key("::ffff:192.0.2.1", None, trusted_proxies=()) == "192.0.2.1"
    assert client_key(None, None, trusted_proxies=()) == "unknown"


def test_limits_can_be_switched_off(limited: Any) -> None:
    app = limited("verifier", rate_limit_enabled=False, rate_limit_verify="1/minute")
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(5):
            assert client.post("/credentials/verify", json={}).status_code == 422


def test_each_app_instance_counts_in_its_own_memory_by_default(limited: Any) -> None:
    first = limited("verifier", rate_limit_verify="1/minute")
    second = limited("verifier", rate_limit_verify="1/minute")
    with (
        TestClient(first, raise_server_exceptions=False) as a,
        TestClient(second, raise_server_exceptions=False) as b,
    ):
        assert a.post("/credentials/verify", json={}).status_code == 422
        assert a.post("/credentials/verify", json={}).status_code == 429
        assert b.post("/credentials/verify", json={}).status_code == 422


@pytest.mark.parametrize("rate", ["", "many", "10 per fortnight"])
def test_an_unreadable_rate_is_refused_at_start(settings: Settings, rate: str) -> None:
    with pytest.raises(ValidationError, match="rate_limit_verify"):
        Settings(**{**settings.model_dump(), "rate_limit_verify": rate})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rate_limit_storage_uri", "bogus://nowhere"),
        ("rate_limit_storage_uri", "async+memory://"),
        ("rate_limit_trusted_proxies", ["not-an-address"]),
    ],
)
def test_a_bad_storage_or_proxy_setting_is_refused_at_start(
    settings: Settings, field: str, value: Any
) -> None:
    changed = Settings(**{**settings.model_dump(), field: value})
    with pytest.raises(ConfigurationError, match=f"MICROCRED_{field.upper()}"):
        create_verifier_app(changed)


class _DownStorage(MemoryStorage):
    """A shared store that cannot be reached."""

    def acquire_entry(self, *args: Any, **kwargs: Any) -> bool:
        raise ConnectionError("store unreachable")


def _tiny_app(limiter: ClientLimiter) -> Starlette:
    app = Starlette(
        routes=[Route("/credentials/verify", lambda _: PlainTextResponse("ok"), methods=["POST"])]
    )
    app.add_middleware(RateLimitMiddleware, limiter=limiter, routes=VERIFIER_ROUTES)
    return app


def test_a_shared_store_is_counted_off_the_event_loop() -> None:
    limiter = ClientLimiter(MemoryStorage(), rates={"verify": parse_many("2/minute")})
    limiter.in_process = False  # as for redis://: each count runs in a worker thread
    with TestClient(_tiny_app(limiter)) as client:
        assert [client.post("/credentials/verify").status_code for _ in range(3)] == [200, 200, 429]


def test_an_unreachable_store_serves_the_request_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    limiter = ClientLimiter(_DownStorage(), rates={"verify": parse_many("1/minute")})
    limiter.in_process = False
    with TestClient(_tiny_app(limiter)) as client:
        assert [client.post("/credentials/verify").status_code for _ in range(3)] == [200, 200, 200]
    assert [r.message for r in caplog.records].count(
        "rate limit storage unavailable; request not counted"
    ) == 3
