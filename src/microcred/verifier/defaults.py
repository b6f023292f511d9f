"""The verifier's default collaborators, built in one place: the pinned offline JSON-LD loader, the guarded HTTP
client (no private or loopback addresses, size and time caps), DID resolution (did:key offline, did:web through
that client) and the trust registries to consult (none unless given).

``Verifier.default()`` calls this; the web app and the CLI pass their settings through the same function, so a
library user gets exactly the wiring the service runs with.
https://www.w3.org/TR/vc-data-model-2.0/#verification
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from microcred.contexts import DocumentLoader, offline_loader
from microcred.verifier.did import DidResolver
from microcred.verifier.fetch import (
    FetchPolicy,
    GuardedFetcher,
    HostResolver,
    deadline_transport,
    system_resolver,
)
from microcred.verifier.trust import TrustRegistry
from microcred.verifier.trust_policy import TrustSource, build_trust

__all__ = ["Collaborators", "default_client", "default_collaborators"]


@dataclass(frozen=True)
class Collaborators:
    """What a verifier reads contexts, documents, DIDs and trust through."""

    document_loader: DocumentLoader
    fetcher: GuardedFetcher
    resolver: DidResolver
    trust: TrustRegistry
    fetch_policy: FetchPolicy


def default_client() -> httpx.Client:
    """The HTTP client under the guard: it never follows redirects itself (the guard re-checks each hop), ignores
    proxy variables, and its connections honour each fetch's total deadline."""
    return httpx.Client(transport=deadline_transport(), follow_redirects=False, trust_env=False)


def default_collaborators(
    *,
    fetch_policy: FetchPolicy | None = None,
    client: httpx.Client | None = None,
    resolve: HostResolver = system_resolver,
    trust_sources: Sequence[TrustSource] = (),
    document_loader: DocumentLoader | None = None,
) -> Collaborators:
    """The offline loader, the guarded fetcher over ``client`` (default: :func:`default_client`) with
    ``fetch_policy`` (default: https only, public addresses only, 1 MiB, 5 s), the did:key/did:web resolver
    through it, and the registries of ``trust_sources`` (none: no trust registry is asked); ``document_loader``
    replaces the pinned loader (e.g. one that also serves a test context), never with one that fetches."""
    policy = fetch_policy or FetchPolicy()
    fetcher = GuardedFetcher(client or default_client(), policy=policy, resolve=resolve)
    resolver = DidResolver(fetcher, policy=policy)
    return Collaborators(
        document_loader=document_loader or offline_loader(),
        fetcher=fetcher,
        resolver=resolver,
        trust=build_trust(trust_sources, fetcher=fetcher, resolver=resolver),
        fetch_policy=policy,
    )
