"""The verifier wired from settings: the guarded fetcher, DID resolver, trust registries and limits, and the JSON
report of one read input (what the HTTP API, the verify page and ``microcred verify`` answer)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from microcred.app.core.settings import Settings
from microcred.verifier.credential import Verifier
from microcred.verifier.fetch import (
    FetchPolicy,
    HostResolver,
    system_resolver,
)
from microcred.verifier.inputs import ReadInput
from microcred.verifier.limits import Limits
from microcred.verifier.presentation import verify_presentation
from microcred.verifier.report import Policy
from microcred.verifier.trust_policy import TrustSource, dev_sources

__all__ = ["build_verifier", "fetch_policy", "trust_sources", "verifier_limits", "verify_read"]


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The guarded client's limits from settings; in dev, the local issuer's origin is reachable over http."""
    http_hosts = set(settings.verifier_http_hosts)
    allow_private = set(settings.verifier_allow_private)
    if settings.mode == "dev":
        issuer = urlsplit(settings.base_url)
        if issuer.hostname:
            http_hosts.add(f"{issuer.hostname}:{issuer.port or 80}")
            allow_private.add(issuer.hostname)
        http_hosts.add(f"{settings.host}:{settings.issuer_port}")
        allow_private.add(settings.host)
    return FetchPolicy(
        http_hosts=frozenset(http_hosts),
        allow_private=frozenset(allow_private),
        max_bytes=settings.verifier_fetch_max_bytes,
        timeout=settings.verifier_fetch_timeout_seconds,
        max_cache_age=settings.verifier_cache_max_age_seconds,
        cache_entries=settings.verifier_cache_entries,
        cache_bytes=settings.verifier_cache_bytes,
    )


def trust_sources(settings: Settings) -> list[TrustSource]:
    """The registries to consult: as configured; in dev, by default the demo registry inside the issuer app."""
    if settings.verifier_trust_registries or settings.mode != "dev":
        return list(settings.verifier_trust_registries)
    return dev_sources(settings.base_url)


def build_verifier(
    settings: Settings, *, client: httpx.Client | None = None, resolve: HostResolver = system_resolver
) -> Verifier:
    """The verifier's collaborators wired from settings by ``Verifier.default`` (offline contexts, guarded fetcher,
    did resolver, trust registries)."""
    return Verifier.default(
        fetch_policy=fetch_policy(settings),
        client=client,
        resolve=resolve,
        trust_sources=trust_sources(settings),
        policy=Policy(
            require_trust=settings.verifier_require_trust,
            require_eu_complete=settings.verifier_require_eu_complete,
        ),
        skew_seconds=settings.verifier_clock_skew_seconds,
    )


def verifier_limits(settings: Settings) -> Limits:
    """The fan-out and memory bounds of one verification, from settings."""
    return Limits(
        max_status_entries=settings.verifier_max_status_entries,
        max_proofs=settings.verifier_max_proofs,
        max_presentation_credentials=settings.verifier_max_presentation_credentials,
        max_fetches=settings.verifier_max_fetches,
        max_status_list_bits=settings.verifier_max_status_list_bits,
    )


def verify_read(
    verifier: Verifier,
    read: ReadInput,
    *,
    now: datetime,
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """The JSON report for one read input: a VC-JWT, a presentation (its proof checked against ``challenge`` and
    ``domain`` when given) or a credential."""
    if read.kind == "jwt" and read.jws is not None:
        return verifier.verify_jwt(read.jws, now=now, fmt=read.source).as_json()
    document = read.document or {}
    types = document.get("type")
    if "VerifiablePresentation" in (types if isinstance(types, list) else [types]):
        return verify_presentation(
            document, verifier=verifier, now=now, challenge=challenge, domain=domain
        ).as_json()
    return verifier.verify_credential(document, now=now, fmt=read.source).as_json()
