"""The one guarded HTTP client for every outbound request the verifier makes.

https only (http for configured hosts), no private/loopback/link-local/multicast/reserved address after DNS
resolution unless allow-listed, the connection pinned to the checked address (no DNS rebinding), redirects
followed by hand and re-checked (at most three), a streamed size cap, a total deadline, and a small cache that
honours ``Cache-Control: max-age`` (and a status list's ``ttl``) up to a configured maximum age.

https://www.w3.org/TR/vc-bitstring-status-list/#privacy-considerations ; https://owasp.org/www-community/attacks/Server_Side_Request_Forgery
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpcore
import httpx

from microcred.vc.errors import FetchError, InvalidInput

__all__ = [
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "GuardedFetcher",
    "HostResolver",
    "deadline_transport",
    "embedded_ipv4",
    "fetch_allowance",
    "read_source",
    "system_resolver",
]

_ALLOWANCE: ContextVar[list[int] | None] = ContextVar("microcred_fetch_allowance", default=None)
_DEADLINE: ContextVar[float | None] = ContextVar("microcred_fetch_deadline", default=None)


@contextmanager
def fetch_allowance(fetches: int) -> Iterator[None]:
    """Within this block (one verification request) at most ``fetches`` fetches go to the network; past that,
    fetchers raise FetchError, which the checks report as not checked. Cache hits are free."""
    token = _ALLOWANCE.set([fetches])
    try:
        yield
    finally:
        _ALLOWANCE.reset(token)


def _spend_allowance(url: str) -> None:
    allowance = _ALLOWANCE.get()
    if allowance is None:
        return
    if allowance[0] <= 0:
        raise FetchError(f'"{url}" was not fetched: this verification reached its limit of outbound fetches')
    allowance[0] -= 1


HostResolver = Callable[[str, int], Sequence[str]]
"""``resolve(host, port) -> [ip, …]``; injected so tests control DNS."""

_REDIRECTS = {301, 302, 303, 307, 308}
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?", re.IGNORECASE)
_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the operating system (every A/AAAA answer)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        # the resolver's own message can name internal resolvers or search domains: say what failed, generally
        raise FetchError(f'the host "{host}" could not be resolved') from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of the guarded client; ``allow_private`` holds host names, addresses or networks (CIDR)."""

    http_hosts: frozenset[str] = frozenset()
    """``host`` or ``host:port`` values that may be fetched over plain http (development)."""
    allow_private: frozenset[str] = frozenset()
    max_bytes: int = 1_048_576
    timeout: float = 5.0
    max_redirects: int = 3
    max_cache_age: float = 300.0
    cache_entries: int = 256
    cache_bytes: int = 33_554_432
    """Total body bytes the cache holds (besides at most ``cache_entries`` entries)."""

    def private_allowed(self, host: str, address: _IPAddress) -> bool:
        """Whether a non-public ``address`` (reached through ``host``) is allow-listed."""
        for entry in self.allow_private:
            if entry.lower() == host.lower():
                return True
            try:
                network: _Network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                continue
            if address in network:
                return True
        return False


@dataclass(frozen=True)
class FetchResult:
    """A fetched document: final URL (after redirects), media type and body."""

    url: str
    content_type: str
    body: bytes
    max_age: float | None = None


class Fetcher(Protocol):
    """Fetches a URL under the guard; raises FetchError on refusal or failure."""

    def get(self, url: str, *, accept: str = "application/json") -> FetchResult:
        """GET ``url`` (cached when the server allows)."""
        ...

    def limit_cache(self, url: str, seconds: float) -> None:
        """Shorten how long ``url`` stays cached (e.g. a status list's ``ttl``)."""
        ...


@dataclass
class _Entry:
    result: FetchResult
    expires: float


@dataclass
class GuardedFetcher:
    """The guarded client over an injected ``httpx.Client`` (which must not follow redirects itself)."""

    client: httpx.Client
    policy: FetchPolicy = field(default_factory=FetchPolicy)
    resolve: HostResolver = system_resolver
    clock: Callable[[], float] = time.monotonic
    _cache: OrderedDict[str, _Entry] = field(default_factory=OrderedDict, repr=False)
    _cache_size: int = field(default=0, repr=False)
    _resolvers: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="microcred-resolve"),
        repr=False,
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    """Guards the cache: the web app verifies in worker threads as well as on its event loop."""

    def get(self, url: str, *, accept: str = "application/json") -> FetchResult:
        """GET ``url`` under the guard, from the cache while fresh."""
        now = self.clock()
        with self._lock:
            entry = self._cache.get(url)
            if entry is not None:
                if entry.expires > now:
                    self._cache.move_to_end(url)
                    return entry.result
                self._drop(url)
        _spend_allowance(url)
        result = self._fetch(url, accept=accept, deadline=now + self.policy.timeout)
        if result.max_age and len(result.body) <= self.policy.cache_bytes:
            with self._lock:
                self._drop(url)
                self._cache[url] = _Entry(result, now + result.max_age)
                self._cache_size += len(result.body)
                while self._cache and (
                    len(self._cache) > self.policy.cache_entries or self._cache_size > self.policy.cache_bytes
                ):
                    self._drop(next(iter(self._cache)))
        return result

    def _drop(self, url: str) -> None:
        """Forget ``url`` (the lock is held)."""
        entry = self._cache.pop(url, None)
        if entry is not None:
            self._cache_size -= len(entry.result.body)

    def limit_cache(self, url: str, seconds: float) -> None:
        """Cap the cache lifetime of ``url`` at ``seconds`` from now (0 drops it)."""
        with self._lock:
            entry = self._cache.get(url)
            if entry is None:
                return
            if seconds <= 0:
                self._drop(url)
            else:
                entry.expires = min(entry.expires, self.clock() + seconds)

    def _fetch(self, url: str, *, accept: str, deadline: float) -> FetchResult:
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            try:
                request = self._pinned_request(current, accept=accept, deadline=deadline)
            # control characters, a broken [IPv6] literal: not httpx.HTTPError, so caught here
            except (httpx.InvalidURL, ValueError) as exc:
                raise FetchError(f"{current!r} is not a valid URL: {exc}") from None
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise FetchError(f'fetching "{url}" took longer than {self.policy.timeout:g} s')
            request.extensions["timeout"] = httpx.Timeout(remaining).as_dict()
            # every socket operation of this hop (connect, TLS, headers, body) ends at the fetch's deadline
            token = _DEADLINE.set(time.monotonic() + remaining)
            try:
                response = self.client.send(request, stream=True, follow_redirects=False)
            except httpx.TimeoutException:
                raise FetchError(f'"{current}" did not answer within {self.policy.timeout:g} s') from None
            except httpx.HTTPError as exc:
                raise FetchError(f'could not fetch "{current}": {_plain(exc)}') from None
            finally:
                _DEADLINE.reset(token)
            token = _DEADLINE.set(time.monotonic() + max(0.0, deadline - self.clock()))
            try:
                if response.status_code in _REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f'"{current}" redirected without a Location header')
                    current = urljoin(current, location)
                    continue
                if response.status_code != 200:
                    raise FetchError(f'"{current}" answered HTTP {response.status_code}')
                body = self._read_capped(response, url=current, deadline=deadline)
                return FetchResult(
                    url=current,
                    content_type=response.headers.get("content-type", "").split(";")[0].strip().lower(),
                    body=body,
                    max_age=self._max_age(response.headers.get("cache-control", "")),
                )
            finally:
                _DEADLINE.reset(token)
                response.close()
        raise FetchError(f'"{url}" redirected more than {self.policy.max_redirects} times')

    def _pinned_request(self, url: str, *, accept: str, deadline: float) -> httpx.Request:
        """Check scheme, host and every resolved address; build a request to the checked address."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        if not host:
            raise FetchError(f'"{url}" has no host')
        if parts.username or parts.password:
            raise FetchError(f'"{url}" carries credentials; refused')
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise FetchError(f'"{url}" has an invalid port') from None
        if scheme == "http":
            if host not in self.policy.http_hosts and f"{host}:{port}" not in self.policy.http_hosts:
                raise FetchError(f'"{url}" is plain http; only https is allowed for "{host}"')
        elif scheme != "https":
            raise FetchError(f'"{url}" must be an https URL')
        address = self._checked_address(host, port, deadline=deadline)
        netloc = f"[{address}]" if address.version == 6 else str(address)
        if parts.port:
            netloc += f":{parts.port}"
        pinned = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
        host_header = host if not parts.port else f"{host}:{parts.port}"
        request = self.client.build_request(
            "GET",
            pinned,
            headers={"Host": host_header, "Accept": accept, "Accept-Encoding": "identity"},
            extensions={"sni_hostname": host},
        )
        return request

    def _checked_address(self, host: str, port: int, *, deadline: float) -> _IPAddress:
        try:
            literal: _IPAddress | None = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        addresses: Iterable[str] = [str(literal)] if literal else self._resolve_by(host, port, deadline)
        checked: list[_IPAddress] = []
        for text in addresses:
            address = ipaddress.ip_address(text.split("%")[0])
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
                address = address.ipv4_mapped
            # an IPv6 form that carries an IPv4 address reaches that address: judge it by the embedded one(s)
            judged: list[_IPAddress] = [address]
            if isinstance(address, ipaddress.IPv6Address):
                judged = list(embedded_ipv4(address)) or judged
            for candidate in judged:
                public = candidate.is_global and not candidate.is_multicast
                allowed = self.policy.private_allowed(host, candidate) or self.policy.private_allowed(
                    host, address
                )
                if not public and not allowed:
                    # the address itself is not shown: callers learn what failed, not the internal network
                    raise FetchError(f'"{host}" is not publicly reachable (a non-public address); refused')
            checked.append(address)
        if not checked:
            raise FetchError(f'the host "{host}" could not be resolved')
        return checked[0]

    def _resolve_by(self, host: str, port: int, deadline: float) -> Sequence[str]:
        """``resolve`` within the fetch's deadline: the system resolver blocks for as long as its own retries take,
        so it runs on a small pool of resolver threads and a slow answer is given up (the thread finishes alone)."""
        future = self._resolvers.submit(self.resolve, host, port)
        try:
            return future.result(timeout=max(0.0, deadline - self.clock()))
        except FutureTimeout:
            future.cancel()
            raise FetchError(
                f'the host "{host}" could not be resolved within {self.policy.timeout:g} s'
            ) from None

    def _read_capped(self, response: httpx.Response, *, url: str, deadline: float) -> bytes:
        limit = self.policy.max_bytes
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise FetchError(f'"{url}" came {encoding}-encoded; only identity encoding is accepted')
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchError(f'"{url}" is {declared} bytes; the limit is {limit}')
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FetchError(f'"{url}" is larger than {limit} bytes; stopped reading')
                if self.clock() > deadline:
                    raise FetchError(f'"{url}" took longer than {self.policy.timeout:g} s to send')
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise FetchError(f'"{url}" stalled; gave up after {self.policy.timeout:g} s') from None
        except httpx.HTTPError as exc:
            raise FetchError(f'reading "{url}" failed: {_plain(exc)}') from None
        return b"".join(chunks)

    def _max_age(self, cache_control: str) -> float | None:
        directives = cache_control.lower()
        if "no-store" in directives or "no-cache" in directives or "private" in directives:
            return None
        match = _MAX_AGE.search(directives)
        if not match:
            return None
        return min(float(match.group(1)), self.policy.max_cache_age) or None


_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")


def _rfc6052(address: ipaddress.IPv6Address, prefix: int) -> ipaddress.IPv4Address:
    """The IPv4 address embedded after a ``prefix``-bit NAT64 prefix (RFC 6052 §2.2: bits 64-71 are skipped)."""
    raw = address.packed
    positions = {
        32: raw[4:8],
        40: raw[5:8] + raw[9:10],
        48: raw[6:8] + raw[9:11],
        56: raw[7:8] + raw[9:12],
        64: raw[9:13],
    }
    return ipaddress.IPv4Address(positions.get(prefix, raw[12:16]))


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries (and so reaches): IPv4-mapped/-compatible/-translated, NAT64
    (``64:ff9b::/96``; ``64:ff9b:1::/48`` at every RFC 6052 prefix length), 6to4 and Teredo (server and client).

    https://www.rfc-editor.org/rfc/rfc6052 ; https://www.rfc-editor.org/rfc/rfc8215 ; RFC 3056 ; RFC 4380
    """
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if address in _IPV4_TRANSLATED or address in _NAT64_WELL_KNOWN:
        return (_rfc6052(address, 96),)
    if address in _IPV4_COMPATIBLE and int(address) > 1:  # not :: or ::1, which are judged as themselves
        return (_rfc6052(address, 96),)
    if address in _NAT64_LOCAL:
        return tuple(dict.fromkeys(_rfc6052(address, prefix) for prefix in (48, 56, 64, 96)))
    if address.sixtofour is not None:
        return (address.sixtofour,)
    if address.teredo is not None:
        return address.teredo
    return ()


def _plain(exc: httpx.HTTPError) -> str:
    """A transport error in general terms (its own message may name the resolved address or the resolver)."""
    if isinstance(exc, httpx.ConnectError):
        return "the connection could not be made"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.LocalProtocolError):
        return "the server did not speak HTTP correctly"
    return type(exc).__name__


class _DeadlineStream(httpcore.NetworkStream):
    """A socket whose every read and write waits at most until the current fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _until_deadline(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _until_deadline(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _until_deadline(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend with :class:`_DeadlineStream` connections."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _until_deadline(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _until_deadline(timeout: float | None, error: type[Exception]) -> float | None:
    """httpx's per-operation ``timeout`` shortened to what is left of the fetch's total deadline.

    httpx applies its timeout to each socket operation, so a server sending one header byte every half second
    never trips it; this bounds the whole fetch instead.
    """
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the fetch's total deadline passed")
    return left if timeout is None else min(timeout, left)


def deadline_transport() -> httpx.HTTPTransport:
    """An httpx transport whose connections honour each fetch's total deadline (connect, TLS, headers, body)."""
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx takes no network-backend argument; its pool is replaced by an equal one with the deadline backend
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        network_backend=_DeadlineBackend(),
    )
    return transport


def read_source(
    *,
    path: Path | None,
    fetcher: Fetcher | None,
    url: str | None,
    max_bytes: int,
    accept: str = "application/json",
) -> bytes:
    """The bytes of a configured source: the file at ``path`` (at most ``max_bytes`` + 1 read, so the caller can
    tell it is too large), else ``url`` through the guarded ``fetcher``."""
    if path is not None:
        try:
            with path.open("rb") as handle:
                return handle.read(max_bytes + 1)
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    if fetcher is None or url is None:
        raise InvalidInput("the registry has neither a URL nor a file")
    return fetcher.get(url, accept=accept).body
