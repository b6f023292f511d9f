"""The guarded client: each refusal proven against MockTransport or a local server on 127.0.0.1."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from microcred.vc.errors import FetchError
from microcred.verifier.fetch import FetchPolicy, GuardedFetcher

PUBLIC = "93.184.215.14"


def fixed_dns(*answers: str):
    def resolve(host: str, port: int) -> list[str]:
        return list(answers)

    return resolve


def mock(handler, *, policy: FetchPolicy | None = None, dns=None, clock=None) -> GuardedFetcher:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return GuardedFetcher(
        client,
        policy=policy or FetchPolicy(),
        resolve=dns or fixed_dns(PUBLIC),
        **({"clock": clock} if clock else {}),
    )


def never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request may be sent, got {request.url}")


def ok_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True}, headers={"content-type": "application/json"})


def test_https_connects_to_the_checked_address_with_the_name_in_host_and_sni() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok_json(request)

    result = mock(handler).get("https://issuer.example/status/1")
    assert result.body == b'{"ok":true}'
    assert result.url == "https://issuer.example/status/1"
    assert seen[0].url.host == PUBLIC  # pinned: no second DNS lookup can rebind it
    assert seen[0].headers["host"] == "issuer.example"
    assert seen[0].extensions["sni_hostname"] == "issuer.example"


def test_plain_http_is_refused_unless_the_host_is_configured() -> None:
    with pytest.raises(FetchError, match="plain http"):
        mock(never).get("http://issuer.example/x")
    allowed = mock(ok_json, policy=FetchPolicy(http_hosts=frozenset({"issuer.example:8000"})))
    assert allowed.get("http://issuer.example:8000/x").body == b'{"ok":true}'
    with pytest.raises(FetchError, match="plain http"):
        allowed.get("http://issuer.example:9000/x")


@pytest.mark.parametrize("scheme_url", ["ftp://issuer.example/x", "file:///etc/passwd", "gopher://a/b"])
def test_other_schemes_are_refused(scheme_url: str) -> None:
    with pytest.raises(FetchError):
        mock(never).get(scheme_url)


@pytest.mark.parametrize(
    "url", ["https://issuer.example/\x7f", "https://issuer.example/a b\x00", "https://[::1"]
)
def test_malformed_urls_are_a_fetch_error(url: str) -> None:
    with pytest.raises(FetchError):
        mock(never).get(url)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "10.1.2.3",  # private
        "192.168.0.10",  # private
        "172.16.5.4",  # private
        "169.254.169.254",  # link-local (cloud metadata)
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "0.0.0.0",  # unspecified
        "100.64.0.1",  # shared address space (carrier NAT)
        "::1",  # IPv6 loopback
        "fe80::1",  # IPv6 link-local
        "fc00::1",  # IPv6 unique local
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
    ],
)
def test_non_public_addresses_after_dns_are_refused(address: str) -> None:
    with pytest.raises(FetchError, match="non-public"):
        mock(never, dns=fixed_dns(address)).get("https://issuer.example/x")


def test_one_private_answer_among_public_ones_is_refused() -> None:
    with pytest.raises(FetchError, match="non-public"):
        mock(never, dns=fixed_dns(PUBLIC, "10.0.0.7")).get("https://issuer.example/x")


@pytest.mark.parametrize("url", ["https://127.0.0.1/x", "https://[::1]/x", "https://169.254.169.254/latest"])
def test_address_literals_are_checked_too(url: str) -> None:
    with pytest.raises(FetchError, match="non-public"):
        mock(never).get(url)


def test_allow_list_admits_a_private_host_or_network() -> None:
    by_name = mock(
        ok_json, dns=fixed_dns("127.0.0.1"), policy=FetchPolicy(allow_private=frozenset({"localhost"}))
    )
    assert by_name.get("https://localhost/x").body
    by_net = mock(
        ok_json, dns=fixed_dns("10.9.8.7"), policy=FetchPolicy(allow_private=frozenset({"10.0.0.0/8"}))
    )
    assert by_net.get("https://intranet.example/x").body


def test_urls_with_credentials_are_refused() -> None:
    with pytest.raises(FetchError, match="credentials"):
        mock(never).get("https://user:pw@issuer.example/x")


def test_redirects_are_rechecked_at_every_hop() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "https://internal.example/secret"})

    def dns(host: str, port: int) -> list[str]:
        return ["10.0.0.5"] if host == "internal.example" else [PUBLIC]

    with pytest.raises(FetchError, match="non-public"):
        mock(handler, dns=dns).get("https://issuer.example/x")


def test_redirect_to_plain_http_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"location": "http://issuer.example/x"})

    with pytest.raises(FetchError, match="plain http"):
        mock(handler).get("https://issuer.example/x")


def test_more_than_three_redirects_are_refused_and_three_are_followed() -> None:
    hops: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hops.append(request.url.path)
        step = int(request.url.path.strip("/") or 0)
        return httpx.Response(302, headers={"location": f"/{step + 1}"})

    with pytest.raises(FetchError, match="more than 3"):
        mock(handler).get("https://issuer.example/0")
    assert hops == ["/0", "/1", "/2", "/3"]

    def three(request: httpx.Request) -> httpx.Response:
        step = int(request.url.path.strip("/"))
        if step < 3:
            return httpx.Response(307, headers={"location": f"/{step + 1}"})
        return ok_json(request)

    assert mock(three).get("https://issuer.example/0").url == "https://issuer.example/3"


def test_declared_size_over_the_cap_is_refused_before_reading() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-length": "5000000"}, content=b"x")

    with pytest.raises(FetchError, match="limit"):
        mock(handler, policy=FetchPolicy(max_bytes=1000)).get("https://issuer.example/x")


def test_streamed_body_over_the_cap_stops_reading() -> None:
    produced: list[int] = []

    def body() -> Iterator[bytes]:
        for i in range(1000):
            produced.append(i)
            yield b"x" * 1024

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    with pytest.raises(FetchError, match="larger than"):
        mock(handler, policy=FetchPolicy(max_bytes=10_000)).get("https://issuer.example/x")
    assert len(produced) < 20  # stopped shortly after the cap, not after 1 MB


def test_compressed_responses_are_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-encoding": "gzip"}, content=b"\x1f\x8b")

    with pytest.raises(FetchError, match="gzip"):
        mock(handler).get("https://issuer.example/x")


def test_error_status_is_a_fetch_error() -> None:
    with pytest.raises(FetchError, match="404"):
        mock(lambda r: httpx.Response(404)).get("https://issuer.example/x")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting(headers: dict[str, str]):
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, json={"n": len(calls)}, headers=headers)

    return handler, calls


def test_cache_honours_max_age() -> None:
    clock = Clock()
    handler, calls = counting({"cache-control": "public, max-age=60"})
    fetcher = mock(handler, clock=clock)
    fetcher.get("https://issuer.example/x")
    clock.now += 59
    fetcher.get("https://issuer.example/x")
    assert len(calls) == 1
    clock.now += 2
    fetcher.get("https://issuer.example/x")
    assert len(calls) == 2


def test_cache_age_is_capped_by_the_policy() -> None:
    clock = Clock()
    handler, calls = counting({"cache-control": "max-age=86400"})
    fetcher = mock(handler, clock=clock, policy=FetchPolicy(max_cache_age=30))
    fetcher.get("https://issuer.example/x")
    clock.now += 31
    fetcher.get("https://issuer.example/x")
    assert len(calls) == 2


@pytest.mark.parametrize("header", ["no-store", "no-cache", "private, max-age=60", ""])
def test_uncacheable_responses_are_fetched_again(header: str) -> None:
    handler, calls = counting({"cache-control": header} if header else {})
    fetcher = mock(handler, clock=Clock())
    fetcher.get("https://issuer.example/x")
    fetcher.get("https://issuer.example/x")
    assert len(calls) == 2


def test_limit_cache_applies_a_shorter_ttl() -> None:
    clock = Clock()
    handler, calls = counting({"cache-control": "max-age=300"})
    fetcher = mock(handler, clock=clock)
    fetcher.get("https://issuer.example/x")
    fetcher.limit_cache("https://issuer.example/x", 10)
    clock.now += 11
    fetcher.get("https://issuer.example/x")
    assert len(calls) == 2


# --- real sockets on 127.0.0.1 -------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(3)
        if self.path == "/big":
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            try:
                for _ in range(2000):
                    self.wfile.write(b" " * 1024)
            except OSError:
                pass
            return
        if self.path == "/redirect-out":
            self.send_response(302)
            self.send_header("location", "http://10.0.0.1/")
            self.end_headers()
            return
        body = b'{"hello": "world"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def local_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def local_fetcher(hostport: str, **limits: float) -> GuardedFetcher:
    policy = FetchPolicy(
        http_hosts=frozenset({hostport}),
        allow_private=frozenset({"127.0.0.1"}),
        **limits,  # type: ignore[arg-type]
    )
    return GuardedFetcher(httpx.Client(), policy=policy)


def test_local_server_is_refused_without_configuration(local_server: str) -> None:
    with pytest.raises(FetchError, match="plain http"):
        GuardedFetcher(httpx.Client()).get(f"http://{local_server}/")
    https_only = GuardedFetcher(httpx.Client(), policy=FetchPolicy(http_hosts=frozenset({local_server})))
    with pytest.raises(FetchError, match="non-public"):
        https_only.get(f"http://{local_server}/")


def test_local_server_is_fetched_when_allowed(local_server: str) -> None:
    assert local_fetcher(local_server).get(f"http://{local_server}/doc").body == b'{"hello": "world"}'


def test_local_server_timeout_is_bounded(local_server: str) -> None:
    start = time.monotonic()
    with pytest.raises(FetchError, match=r"0\.5 s"):
        local_fetcher(local_server, timeout=0.5).get(f"http://{local_server}/slow")
    assert time.monotonic() - start < 2


def test_local_server_size_cap(local_server: str) -> None:
    with pytest.raises(FetchError, match="larger than"):
        local_fetcher(local_server, max_bytes=50_000).get(f"http://{local_server}/big")


def test_local_server_redirect_to_private_address_is_refused(local_server: str) -> None:
    with pytest.raises(FetchError):
        local_fetcher(local_server).get(f"http://{local_server}/redirect-out")
