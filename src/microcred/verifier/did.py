"""Resolving issuer and holder DIDs: did:key and did:jwk offline, did:web, did:ebsi (through an EBSI DID Registry,
when one is configured) and https controller documents over the guarded HTTP client.

https://w3c-ccg.github.io/did-method-key/ ; https://w3c-ccg.github.io/did-method-web/#read-resolve ;
https://github.com/quartzjer/did-jwk/blob/main/spec.md ; https://www.w3.org/TR/cid-1.0/#retrieve-verification-method
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from microcred.keys import did_jwk_document, did_key_document, did_web_url
from microcred.vc.errors import InvalidInput, NotFound
from microcred.verifier.fetch import Fetcher, FetchPolicy
from microcred.verifier.inputs import InputLimits, parse_json

__all__ = ["DidResolver", "did_of"]

_DID_JSON = frozenset(
    {"application/json", "application/did+json", "application/did+ld+json", "application/ld+json"}
)


def did_of(did_or_url: str) -> str:
    """The DID part of a DID URL (before ``#`` or ``?``)."""
    return did_or_url.split("#", 1)[0].split("?", 1)[0]


@dataclass
class DidResolver:
    """A ``suites.Resolver``: did:key and did:jwk computed locally, did:web and ``https:`` controller documents
    fetched through ``fetcher`` (a fetch failure is NotFound/FetchError, which the proof check reports as "not
    checked"; the suites then check ``controller`` and the ``assertionMethod`` relationship as for a DID).

    ``http_hosts`` of the fetch policy decide whether a did:web host is fetched over plain http (development:
    the local issuer); everywhere else did:web is https as its spec requires.
    """

    fetcher: Fetcher
    policy: FetchPolicy = field(default_factory=FetchPolicy)
    ebsi_registry: str | None = None
    """EBSI DID Registry (e.g. ``https://api-pilot.ebsi.eu/did-registry/v5``) resolving did:ebsi; None: not resolved."""
    limits: InputLimits = field(default_factory=lambda: InputLimits(max_bytes=262_144, max_depth=32))
    key_cache_size: int = 4096
    _did_keys: OrderedDict[str, Mapping[str, Any]] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def resolve(self, did_or_url: str) -> Mapping[str, Any]:
        """The DID document of the DID in ``did_or_url``; NotFound/InvalidInput/FetchError explain failures."""
        did = did_of(did_or_url)
        if did.startswith("did:key:"):
            return self._did_key(did)
        if did.startswith("did:jwk:"):
            return did_jwk_document(did)
        if did.startswith("did:web:"):
            return self._did_web(did)
        if did.startswith("did:ebsi:") and self.ebsi_registry:
            return self._did_ebsi(did, self.ebsi_registry)
        if did.startswith("https://"):
            return self._controller_document(did_or_url.split("#", 1)[0])
        raise NotFound(
            f'"{did}" uses a DID method this verifier does not resolve (did:key, did:jwk, did:web, https)'
        )

    def _did_ebsi(self, did: str, registry: str) -> Mapping[str, Any]:
        """https://hub.ebsi.eu/apis/pilot/did-registry/v5/get-identifiers-did : ``GET <registry>/identifiers/{did}``."""
        url = f"{registry.rstrip('/')}/identifiers/{quote(did, safe=':')}"
        result = self.fetcher.get(url, accept="application/did+ld+json, application/json")
        document = parse_json(result.body, limits=self.limits)
        if not isinstance(document, dict):
            raise InvalidInput(f'"{url}" is not a JSON object')
        if document.get("id") != did:
            raise InvalidInput(
                f"the EBSI DID Registry answered a document for {document.get('id')!r}, not {did}"
            )
        return document

    def _controller_document(self, url: str) -> Mapping[str, Any]:
        """https://www.w3.org/TR/cid-1.0/#retrieve-verification-method : the document at the URL must have the
        URL as its ``id`` (a controller document, or a verification method naming its controller)."""
        result = self.fetcher.get(url, accept="application/json, application/ld+json")
        if result.content_type and result.content_type not in _DID_JSON | {"application/cid+json"}:
            raise InvalidInput(f'"{url}" answered {result.content_type}, not a controller document')
        document = parse_json(result.body, limits=self.limits)
        if not isinstance(document, dict):
            raise InvalidInput(f'"{url}" is not a JSON object')
        if document.get("id") != url:
            raise InvalidInput(f'the document at "{url}" has "id" {document.get("id")!r}, not "{url}"')
        return document

    def _did_key(self, did: str) -> Mapping[str, Any]:
        """did:key documents are a pure function of the identifier, so they are kept (LRU, bounded)."""
        document = self._did_keys.get(did)
        if document is None:
            document = did_key_document(did)
            with self._lock:
                self._did_keys[did] = document
                while len(self._did_keys) > self.key_cache_size:
                    self._did_keys.popitem(last=False)
        return document

    def _did_web(self, did: str) -> Mapping[str, Any]:
        url = did_web_url(did)
        parts = urlsplit(url)
        hostname = (parts.hostname or "").lower()
        # did:web is https; plain http only for hosts configured for it (the local issuer in development)
        if {hostname, f"{hostname}:{parts.port or 80}"} & self.policy.http_hosts:
            url = did_web_url(did, scheme="http")
        result = self.fetcher.get(url, accept="application/did+json, application/json")
        if result.content_type and result.content_type not in _DID_JSON:
            raise InvalidInput(f'"{url}" answered {result.content_type}, not a DID document')
        document = parse_json(result.body, limits=self.limits)
        if not isinstance(document, dict):
            raise InvalidInput(f'"{url}" is not a JSON object')
        if document.get("id") != did:
            raise InvalidInput(f'the DID document at "{url}" has "id" {document.get("id")!r}, not "{did}"')
        return document
