"""Per-client rate limits on the unauthenticated, expensive endpoints (verification, uploads, wallet protocols,
learner actions), counted by the ``limits`` library; a client over its limit gets 429 problem+json with
``Retry-After``.

Counters live in process memory by default (``memory://``); several instances share them through a ``limits``
storage URI (``redis://…``), or leave limiting to the reverse proxy in front of them: see docs/rate-limits.md.
https://limits.readthedocs.io/ ; https://www.rfc-editor.org/rfc/rfc6585#section-4
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import anyio
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError as LimitsConfigurationError
from limits.storage import MemoryStorage, MovingWindowSupport, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, RateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from microcred.app.core.problems import problem_response
from microcred.app.core.settings import Settings
from microcred.vc.errors import PROBLEM_BASE, ConfigurationError

__all__ = [
    "GROUPS",
    "ISSUER_ROUTES",
    "VERIFIER_ROUTES",
    "ClientLimiter",
    "LimitedRoute",
    "RateLimitMiddleware",
    "client_key",
    "limiter_from_settings",
]

log = logging.getLogger("microcred.app")
GROUPS = ("verify", "upload", "oid4vci", "exchanges", "learner")
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class LimitedRoute:
    """Requests with ``method`` whose path matches ``path`` count against the limit of ``group``."""

    group: str
    method: str
    path: re.Pattern[str]
    query: bytes | None = None
    """When set, only requests whose query string has this parameter count."""

    def matches(self, method: str, path: str, query: bytes) -> bool:
        """True when a request with this method, path and query string counts against ``group``."""
        # HEAD is answered by the GET handler, which does all its work before the body is dropped.
        method = "GET" if method == "HEAD" else method
        if method != self.method or self.path.match(path) is None:
            return False
        return self.query is None or any(part.split(b"=", 1)[0] == self.query for part in query.split(b"&"))


def _route(group: str, method: str, pattern: str, *, query: bytes | None = None) -> LimitedRoute:
    return LimitedRoute(group=group, method=method, path=re.compile(pattern), query=query)


# Matched on the raw path before routing, so the route modules stay as they are. Authenticated institution and
# admin routes are not listed: an API key or the admin token already names who is asking.
ISSUER_ROUTES = (
    _route("oid4vci", "POST", r"^/oid4vci/(?:token|nonce|credential)$"),
    _route("oid4vci", "GET", r"^/oid4vci/offers/[^/]+$"),
    _route("exchanges", "POST", r"^/exchanges/[^/]+$"),
    _route("exchanges", "GET", r"^/exchanges/[^/]+/protocols$"),
    _route("learner", "POST", r"^/credentials/[^/]+/(?:.+/)?wallet$"),
    _route(
        "learner",
        "GET",
        r"^/credentials/[^/]+/(?:.+/)?(?:credential\.json|elm|badge\.png|badge\.svg|qr\.svg)$",
    ),
    _route("learner", "GET", r"^/wallet/[^/]+$"),
)
VERIFIER_ROUTES = (
    _route("verify", "POST", r"^/(?:credentials|presentations)/verify$"),
    _route("upload", "POST", r"^/(?:verify|check)$"),
    _route("upload", "GET", r"^/$", query=b"url"),  # the home page verifies the credential at ?url=
)


def _networks(values: Sequence[str]) -> tuple[IpNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)
    except ValueError as exc:
        raise ConfigurationError(f"MICROCRED_RATE_LIMIT_TRUSTED_PROXIES: {exc}") from None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(text: str, proxies: Sequence[IpNetwork]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in proxies)


def client_key(peer: str | None, forwarded_for: str | None, *, trusted_proxies: Sequence[IpNetwork]) -> str:
    """The address a request is counted against: the peer, or, only when the peer is a trusted proxy, the
    nearest ``X-Forwarded-For`` hop that is not itself a trusted proxy (hops further left are client-written).
    An IPv6 client counts by its /64, which one host usually holds whole."""
    client = peer or "unknown"
    if forwarded_for and _trusted(client, trusted_proxies):
        for hop in reversed([hop.strip() for hop in forwarded_for.split(",") if hop.strip()]):
            client = hop
            if not _trusted(hop, trusted_proxies):
                break
    address = _address(client)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address) if address is not None else client


class ClientLimiter:
    """The ``limits`` strategy over one storage, with each endpoint group's rates and the trusted proxies."""

    def __init__(
        self,
        storage: Storage,
        *,
        rates: Mapping[str, Sequence[RateLimitItem]],
        trusted_proxies: Sequence[IpNetwork] = (),
    ) -> None:
        self.storage = storage
        self.rates = dict(rates)
        self.trusted_proxies = tuple(trusted_proxies)
        # A moving window counts exactly (no burst of twice the rate at a window's edge); storages without it
        # (memcached) fall back to fixed windows.
        self.strategy: RateLimiter = (
            MovingWindowRateLimiter(storage)
            if isinstance(storage, MovingWindowSupport)
            else FixedWindowRateLimiter(storage)
        )
        self.in_process = isinstance(storage, MemoryStorage)

    def retry_after(self, group: str, client: str) -> int | None:
        """Count one request of ``client`` to ``group``: None when allowed, else the seconds until it would be."""
        refused = [rate for rate in self.rates.get(group, ()) if not self.strategy.hit(rate, group, client)]
        if not refused:
            return None
        resets = [self.strategy.get_window_stats(rate, group, client).reset_time for rate in refused]
        return max(1, math.ceil(max(resets) - time.time()))

    async def check(self, group: str, client: str) -> int | None:
        """:meth:`retry_after`, off the event loop when the storage is across the network."""
        if self.in_process:
            return self.retry_after(group, client)
        return await anyio.to_thread.run_sync(self.retry_after, group, client)


def limiter_from_settings(settings: Settings) -> ClientLimiter | None:
    """The limiter the settings describe (None: rate limits switched off)."""
    if not settings.rate_limit_enabled:
        return None
    try:
        storage = storage_from_string(settings.rate_limit_storage_uri)
    except LimitsConfigurationError as exc:
        raise ConfigurationError(f"MICROCRED_RATE_LIMIT_STORAGE_URI: {exc}") from None
    if not isinstance(storage, Storage):  # an async+ URI: the middleware drives a synchronous storage
        raise ConfigurationError(
            "MICROCRED_RATE_LIMIT_STORAGE_URI: use the storage's plain scheme, not async+"
        )
    rates = {group: parse_many(getattr(settings, f"rate_limit_{group}")) for group in GROUPS}
    return ClientLimiter(storage, rates=rates, trusted_proxies=_networks(settings.rate_limit_trusted_proxies))


class RateLimitMiddleware:
    """Answers 429 (problem+json, ``Retry-After``) to a client over its limit on one of ``routes``; other
    requests pass untouched. Installed outside the body limit, so a refused request's body is never read."""

    def __init__(self, app: ASGIApp, *, limiter: ClientLimiter, routes: Sequence[LimitedRoute]) -> None:
        self.app = app
        self.limiter = limiter
        self.routes = tuple(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path, query = scope["method"], scope["path"], scope.get("query_string", b"")
        group = next((r.group for r in self.routes if r.matches(method, path, query)), None)
        if group is None:
            await self.app(scope, receive, send)
            return
        peer = scope.get("client")
        # Several header lines are one list in order (RFC 9110 §5.3); a proxy adding its own line adds it last.
        forwarded = b", ".join(value for name, value in scope["headers"] if name == b"x-forwarded-for")
        client = client_key(
            peer[0] if peer else None,
            forwarded.decode("latin-1") or None,
            trusted_proxies=self.limiter.trusted_proxies,
        )
        try:
            wait = await self.limiter.check(group, client)
        except Exception:  # the shared store is down: serve rather than refuse everyone
            log.warning("rate limit storage unavailable; request not counted", exc_info=True)
            wait = None
        if wait is None:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            status=429,
            title="Too Many Requests",
            detail=f"too many {group} requests from this client; retry after {wait} seconds",
            problem_type=PROBLEM_BASE + "rate-limited",
            headers={"Retry-After": str(wait)},
        )
        await response(scope, receive, send)
