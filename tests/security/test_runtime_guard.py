"""The fetch guard judges IPv6 forms that embed an IPv4 address by that address, and its errors name what failed
in general terms: never a resolved address or the resolver's own message."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from microcred.app import Settings
from microcred.app.main import create_verifier_app
from microcred.app.verification.service import build_verifier
from microcred.vc.errors import FetchError
from microcred.verifier.fetch import FetchPolicy, GuardedFetcher, embedded_ipv4, system_resolver

# RFC 4380 Teredo: server 65.54.227.120, client obfuscated (bits inverted) in the last 32 bits
TEREDO_PRIVATE_CLIENT = "2001:0:4136:e378:8000:63bf:f5ff:fffe"  # client 10.0.0.1
TEREDO_PUBLIC_CLIENT = "2001:0:4136:e378:8000:63bf:f7f7:f7f7"  # client 8.8.8.8


def _fetcher(address: str, policy: FetchPolicy | None = None) -> tuple[GuardedFetcher, list[str]]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    return GuardedFetcher(client, policy=policy or FetchPolicy(), resolve=lambda host, port: [address]), seen


@pytest.mark.parametrize(
    ("address", "embedded"),
    [
        ("::127.0.0.1", "127.0.0.1"),  # IPv4-compatible
        ("::10.0.0.1", "10.0.0.1"),
        ("::ffff:169.254.169.254", "169.254.169.254"),  # IPv4-mapped
        ("::ffff:0:127.0.0.1", "127.0.0.1"),  # IPv4-translated (SIIT)
        ("64:ff9b::127.0.0.1", "127.0.0.1"),  # NAT64 well-known prefix
        ("64:ff9b::192.168.1.1", "192.168.1.1"),
        ("64:ff9b:1:7f00:0:100::", "127.0.0.1"),  # local-use NAT64 /48 (RFC 6052 layout)
        ("64:ff9b:1::a00:1", "10.0.0.1"),  # local-use NAT64 with a /96 prefix
        ("2002:7f00:1::", "127.0.0.1"),  # 6to4
        ("2002:a9fe:a9fe::1", "169.254.169.254"),
        (TEREDO_PRIVATE_CLIENT, "10.0.0.1"),  # Teredo
    ],
)
def test_ipv6_forms_embedding_a_private_ipv4_are_refused(address: str, embedded: str) -> None:
    assert ipaddress.IPv4Address(embedded) in embedded_ipv4(ipaddress.IPv6Address(address))
    fetcher, seen = _fetcher(address)
    with pytest.raises(FetchError, match="not publicly reachable") as caught:
        fetcher.get("https://issuer.example/did.json")
    assert seen == []
    assert address not in caught.value.detail
    assert embedded not in caught.value.detail


@pytest.mark.parametrize(
    "address", ["64:ff9b::8.8.8.8", "2002:808:808::1", TEREDO_PUBLIC_CLIENT, "2606:4700::1111"]
)
def test_ipv6_forms_embedding_a_public_ipv4_are_fetched(address: str) -> None:
    fetcher, seen = _fetcher(address)
    fetcher.get("https://issuer.example/did.json")
    assert len(seen) == 1


def test_an_allow_listed_network_covers_its_embedded_forms() -> None:
    fetcher, seen = _fetcher("64:ff9b::10.1.2.3", FetchPolicy(allow_private=frozenset({"10.0.0.0/8"})))
    fetcher.get("https://issuer.example/did.json")
    assert len(seen) == 1


def test_resolver_messages_are_not_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise socket.gaierror(-3, "Temporary failure in name resolution via 10.9.8.7 (corp.internal)")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(FetchError) as caught:
        system_resolver("issuer.example", 443)
    assert caught.value.detail == 'the host "issuer.example" could not be resolved'


def test_a_url_resolving_to_a_private_address_is_refused_without_naming_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, mode="production", database_url="sqlite://")
    app = create_verifier_app(settings)
    app.state.verifier = build_verifier(
        settings,
        client=httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200))),
        resolve=lambda host, port: ["64:ff9b::a0b:c0d"],
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/verify", json={"url": "https://credentials.example/c/1"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "not publicly reachable" in detail
    for shown in ("64:ff9b", "10.11.12.13", "a0b:c0d"):
        assert shown not in detail
