"""The registry's bulk exports: every entry as a document signed by the registry's own key, and the DCC format.

Signed export: a compact JWS (RFC 7515, ``alg`` EdDSA, ``kid`` = a verification method of the registry's did:web,
``typ`` ``microcred-registry+json``) whose payload is the JSON document ``{"type": "MicrocredTrustRegistry",
"version": 1, "registry": {...}, "issued", "validUntil", "entries": [...]}``; a verifier checks the signature
with the key its DID document lists under ``assertionMethod`` and may cache the document until ``validUntil``.

DCC export: the Digital Credentials Consortium known-issuer registry file ("dcc-legacy"): ``{"meta": {"created",
"updated"}, "registry": {DID: {"name", "location", "url"}}}`` (digitalcredentials/issuer-registry registry.json),
listing the DIDs of entries active at the time of export.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from microcred.keys import Signer
from microcred.registry.model import Entry
from microcred.suites.jose import sign_compact

__all__ = ["EXPORT_TYPE", "JWS_TYPE", "dcc_export", "export_document", "sign_export"]

EXPORT_TYPE = "MicrocredTrustRegistry"
"""The ``type`` of a registry export document."""
JWS_TYPE = "microcred-registry+json"
"""The ``typ`` header of a signed registry export (a JWS over the export document)."""


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def export_document(
    entries: Iterable[Entry],
    *,
    registry_did: str,
    name: str,
    url: str,
    now: datetime,
    valid_for: timedelta = timedelta(days=7),
) -> dict[str, Any]:
    """Every entry (with its state history) as one JSON document, valid for ``valid_for`` from ``now``."""
    return {
        "type": EXPORT_TYPE,
        "version": 1,
        "registry": {"id": registry_did, "name": name, "url": url},
        "issued": _iso(now),
        "validUntil": _iso(now + valid_for),
        "entries": [e.as_json() for e in entries],
    }


def sign_export(document: dict[str, Any], *, signer: Signer) -> str:
    """The document as a compact JWS signed by ``signer`` (https://www.rfc-editor.org/rfc/rfc7515#section-7.1)."""
    header = {"alg": "EdDSA", "kid": signer.verification_method, "typ": JWS_TYPE}
    payload = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    return sign_compact(header, payload, signer=signer)


def _location(entry: Entry) -> str:
    return ", ".join(p for p in (entry.region, entry.country) if p)


def dcc_export(entries: Iterable[Entry], *, now: datetime, created: datetime) -> dict[str, Any]:
    """The DCC issuer-registry JSON of the entries active at ``now`` (one key per DID)."""
    registry: dict[str, dict[str, str]] = {}
    for entry in entries:
        if not entry.active_at(now):
            continue
        item = {"name": entry.legal_name, "location": _location(entry), "url": entry.url or ""}
        for did in entry.dids:
            registry.setdefault(did, item)
    stamp = "%Y-%m-%dT%H:%M:%S+0000"
    return {
        "meta": {"created": created.strftime(stamp), "updated": now.strftime(stamp)},
        "registry": registry,
    }
