"""Which trust registries a verifier consults, and how their answers combine into one.

A policy lists sources in order of authority: ``microcred`` (a microcred registry's signed export by URL),
``file`` (the same signed export saved locally, for offline use), ``dcc`` (a DCC issuer-registry JSON, by URL
or file) and ``ebsi`` (an EBSI Trusted Issuers Registry-shaped endpoint). Every source is asked; the issuer is
trusted when one registry confirms it for this credential, not trusted when none does and at least one answered,
and unknown (``null``) only when no registry could be asked. Whether "not trusted" is a warning or makes the
credential fail is the verifier policy's ``require_trust``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from microcred import suites
from microcred.keys import did_web
from microcred.verifier.fetch import Fetcher
from microcred.verifier.trust import NoRegistry, ScopedTrustRegistry, TrustAnswer, TrustQuery, TrustRegistry
from microcred.verifier.trust_dcc import DccRegistry
from microcred.verifier.trust_ebsi import EbsiTir
from microcred.verifier.trust_microcred import MicrocredRegistry

__all__ = ["TrustRegistries", "TrustSource", "build_trust", "dev_sources"]


class TrustSource(BaseModel):
    """One registry to consult (a JSON object in ``MICROCRED_VERIFIER_TRUST_REGISTRIES``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["microcred", "file", "dcc", "ebsi"]
    url: str | None = None
    path: Path | None = None
    did: str | None = None
    name: str | None = None
    did_registry: str | None = None
    """ebsi only: the EBSI DID Registry resolving the TAOs' did:ebsi (default: ``url``'s host + ``/did-registry/v5``)."""

    @model_validator(mode="after")
    def _complete(self) -> TrustSource:
        if self.type in ("microcred", "ebsi") and not self.url:
            raise ValueError(f'a "{self.type}" trust registry needs "url"')
        if self.type == "file" and (self.path is None or not self.did):
            raise ValueError('a "file" trust registry needs "path" and the registry "did" that signed it')
        if self.type == "microcred" and not self.did:
            raise ValueError(
                'a "microcred" trust registry needs the registry "did" whose key signs the export'
            )
        if self.type == "dcc" and not (self.url or self.path):
            raise ValueError('a "dcc" trust registry needs "url" or "path"')
        return self

    def label(self) -> str:
        """The name used in report sentences."""
        if self.name:
            return self.name
        where = self.url or str(self.path)
        return {
            "microcred": f"the trust registry at {where}",
            "file": f"the trust registry file {where}",
            "dcc": f"the DCC registry at {where}",
            "ebsi": f"the EBSI Trusted Issuers Registry at {where}",
        }[self.type]


def dev_sources(base_url: str) -> list[TrustSource]:
    """Development default: the demo registry that runs inside the local issuer app."""
    return [
        TrustSource(
            type="microcred",
            url=f"{base_url}/registry/export",
            did=did_web(base_url, "registry"),
            name=f"the demo trust registry at {base_url}/registry",
        )
    ]


@dataclass
class TrustRegistries:
    """Several registries asked in order; one confirmation suffices."""

    registries: Sequence[ScopedTrustRegistry]

    def evaluate(self, query: TrustQuery) -> TrustAnswer:
        """Every registry's answer, combined."""
        answers = [r.evaluate(query) for r in self.registries]
        if len(answers) == 1:
            return answers[0]
        trusted: bool | None = (
            True
            if any(a.trusted is True for a in answers)
            else False
            if any(a.trusted is False for a in answers)
            else None
        )
        first = [a for a in answers if a.trusted is trusted]
        others = [a for a in answers if a.trusted is not trusted]
        sentence = " ".join(a.sentence for a in first + others)
        details = {
            "registries": [
                {"registry": a.registry, "trusted": a.trusted, "sentence": a.sentence, **(a.details or {})}
                for a in answers
            ]
        }
        return TrustAnswer(trusted, ", ".join(a.registry for a in first), sentence, details)

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        """Without a credential."""
        return self.evaluate(TrustQuery(issuer=issuer, issued=when, now=when, resource=resource))


def build_trust(
    sources: Sequence[TrustSource], *, fetcher: Fetcher, resolver: suites.Resolver
) -> TrustRegistry:
    """The registry client(s) for ``sources`` (NoRegistry when there are none)."""
    registries: list[ScopedTrustRegistry] = []
    for source in sources:
        name = source.label()
        if source.type in ("microcred", "file"):
            registries.append(
                MicrocredRegistry(
                    name=name,
                    registry_did=source.did or "",
                    resolver=resolver,
                    fetcher=fetcher,
                    url=source.url if source.type == "microcred" else None,
                    path=source.path if source.type == "file" else None,
                )
            )
        elif source.type == "dcc":
            registries.append(DccRegistry(name=name, fetcher=fetcher, url=source.url, path=source.path))
        else:
            registries.append(
                EbsiTir(
                    name=name,
                    base_url=source.url or "",
                    fetcher=fetcher,
                    did_registry_url=source.did_registry,
                )
            )
    return TrustRegistries(registries) if registries else NoRegistry()
