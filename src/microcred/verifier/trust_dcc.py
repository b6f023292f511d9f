"""Consulting a Digital Credentials Consortium known-issuer registry (the "dcc-legacy" JSON file).

Format (``digitalcredentials/issuer-registry`` ``registry.json``): ``{"meta": {"created", "updated"}, "registry":
{DID: {"name", "location", "url"}}}``. The format records no scope and no dates, so a listed issuer is trusted
as "known" and the sentence says that scope and dates were not checked. Fetched through the guarded client or
read from a local file; anything that is not this shape gives "not checked" with the reason.
https://github.com/digitalcredentials/issuer-registry-client
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from microcred.vc.errors import InvalidInput, MicrocredError
from microcred.verifier.fetch import Fetcher, read_source
from microcred.verifier.inputs import InputLimits, parse_json
from microcred.verifier.trust import TrustAnswer, TrustQuery

__all__ = ["DccRegistry", "read_dcc"]


def read_dcc(raw: bytes, *, max_bytes: int) -> Mapping[str, Any]:
    """The ``registry`` map of a DCC registry file; InvalidInput when it is too large or of another shape."""
    document = parse_json(raw, limits=InputLimits(max_bytes=max_bytes, max_depth=16))
    registry = document.get("registry") if isinstance(document, dict) else None
    if not isinstance(registry, dict) or not isinstance(document.get("meta", {}), dict):
        raise InvalidInput('a DCC registry is an object with "meta" and a "registry" map of DIDs')
    for did, entry in registry.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InvalidInput(f'the DCC registry entry for "{did}" needs a "name"')
    return registry


@dataclass
class DccRegistry:
    """A DCC-format registry from ``url`` (guarded fetcher) or ``path``."""

    name: str
    fetcher: Fetcher | None = None
    url: str | None = None
    path: Path | None = None
    max_bytes: int = 4_194_304

    def _raw(self) -> bytes:
        return read_source(path=self.path, fetcher=self.fetcher, url=self.url, max_bytes=self.max_bytes)

    def evaluate(self, query: TrustQuery) -> TrustAnswer:
        """Listed or not; scope and dates are not part of this format."""
        try:
            registry = read_dcc(self._raw(), max_bytes=self.max_bytes)
        except MicrocredError as exc:
            return TrustAnswer(
                None, self.name, f"{self.name} could not be consulted: {exc.detail}", {"reason": exc.detail}
            )
        entry = registry.get(query.issuer)
        if entry is None:
            return TrustAnswer(
                False,
                self.name,
                f"The issuer {query.issuer} is not listed in {self.name}.",
                {"listed": False},
            )
        place = (
            f", {entry['location']}" if isinstance(entry.get("location"), str) and entry["location"] else ""
        )
        return TrustAnswer(
            True,
            self.name,
            f"{entry['name']}{place} ({query.issuer}) is listed in {self.name} as a known issuer; this registry "
            "format records no scope or dates, so those were not checked.",
            {"listed": True, "provider": entry["name"], "scopeChecked": False},
        )

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        """Listed or not."""
        return self.evaluate(TrustQuery(issuer=issuer, issued=when, now=when, resource=resource))
