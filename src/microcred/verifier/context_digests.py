"""Contexts recognised by their digest: a deployment's copy of a pinned context, and declared ``relatedResource``
digests of the contexts a credential uses.

https://www.w3.org/TR/vc-data-model-2.0/#integrity-of-related-resources : ``relatedResource`` lists
``{id, digestSRI}``; "if the digest does not match, the verifier ... [treats] the resource as not matching".
Contexts are still never fetched to be *used*: a URL the offline loader does not serve, whose ``digestSRI`` the
credential declares, is fetched once through the guarded client (https only, no private addresses, size and time
caps); when its bytes equal a pinned context's, the URL is an alias of that pinned copy for this verification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from microcred.contexts import (
    DocumentLoader,
    aliased_loader,
    context_bytes,
    declared_digests,
    digest_sri,
    pinned_for_digest,
    sri_matches,
)
from microcred.vc.errors import MicrocredError
from microcred.verifier.fetch import Fetcher
from microcred.verifier.report import Check

__all__ = ["RecognisedContexts", "check_declared_digests", "recognise_contexts"]

_ACCEPT = "application/ld+json, application/json;q=0.9"
_MAX_FETCHED = 2
"""Contexts fetched per credential at most: ours is one; more is no credential we know."""


@dataclass(frozen=True)
class RecognisedContexts:
    """The loader for one verification (the verifier's, plus aliases) and, per URL that stays unknown, why."""

    loader: DocumentLoader
    aliases: Mapping[str, str] = field(default_factory=dict)
    unrecognised: Mapping[str, str] = field(default_factory=dict)


def _serves(loader: DocumentLoader, url: str) -> bool:
    try:
        loader(url, {})
    except MicrocredError:
        return False
    return True


def recognise_contexts(
    document: Mapping[str, Any], *, loader: DocumentLoader, fetcher: Fetcher
) -> RecognisedContexts:
    """Each context URL of ``document`` that ``loader`` does not serve and whose digest ``document`` declares:
    fetched through the guarded ``fetcher`` and, if its bytes are a pinned context's, served as that copy."""
    aliases: dict[str, str] = {}
    unrecognised: dict[str, str] = {}
    candidates = [(url, sri) for url, sri in declared_digests(document).items() if not _serves(loader, url)]
    for url, sri in candidates[:_MAX_FETCHED]:
        try:
            body = fetcher.get(url, accept=_ACCEPT).body
        except MicrocredError as exc:
            unrecognised[url] = f"fetching it to compare with the pinned copies failed: {exc.detail}"
            continue
        if not sri_matches(body, sri):
            unrecognised[url] = f"what it serves does not have the digest the credential declares ({sri})"
            continue
        pinned = pinned_for_digest(sri)
        if pinned is None:
            unrecognised[url] = "what it serves is no context this verifier has a pinned copy of"
            continue
        aliases[url] = pinned
    for url, _sri in candidates[_MAX_FETCHED:]:
        unrecognised[url] = f"only {_MAX_FETCHED} contexts of a credential are fetched for comparison"
    return RecognisedContexts(aliased_loader(loader, aliases), aliases, unrecognised)


def check_declared_digests(document: Mapping[str, Any], *, aliases: Mapping[str, str]) -> Check | None:
    """A failed ``contexts`` check when a declared ``digestSRI`` does not match the pinned copy used for that URL;
    None when every declared digest of a pinned (or aliased) context matches."""
    mismatched: list[str] = []
    for url, sri in declared_digests(document).items():
        try:
            data = context_bytes(aliases.get(url, url))
        except MicrocredError:
            continue  # not a pinned context: recognise_contexts has said why it is not used
        if not sri_matches(data, sri):
            mismatched.append(
                f'"{url}" is declared with the digest {sri}, but the copy it names has {digest_sri(data)}'
            )
    if not mismatched:
        return None
    return Check(
        id="contexts",
        status="failed",
        sentence="A context does not match the digest the credential declares for it (relatedResource): "
        + "; ".join(mismatched)
        + ".",
        problem_type="https://microcred.eu/problems/context-digest-mismatch",
    )
