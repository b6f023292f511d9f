"""did:web identifiers and DID documents for institutions.

https://w3c-ccg.github.io/did-method-web/#read-resolve
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from microcred.keys.multikey import DID_V1, ED25519_2020_V1, MULTIKEY_V1
from microcred.vc.errors import InvalidInput

__all__ = ["PublishedKey", "did_web", "did_web_document", "did_web_url"]


@dataclass(frozen=True)
class PublishedKey:
    """A key listed in a DID document; ``assertion`` says whether it may sign credentials."""

    fragment: str
    public_key_multibase: str
    assertion: bool = True


def did_web(base_url: str, *path: str) -> str:
    """``did:web:HOST[%3APORT]:path…`` for a service at ``base_url`` (e.g. http://127.0.0.1:8000)."""
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise InvalidInput(f'"{base_url}" has no host for a did:web identifier')
    host = parts.hostname + (f"%3A{parts.port}" if parts.port else "")
    segments = [s for s in parts.path.split("/") if s] + list(path)
    return ":".join(["did:web", host, *(quote(s, safe="") for s in segments)])


def did_web_url(did: str, *, scheme: str = "https") -> str:
    """Where a did:web document lives: ``https://host[:port]/path…/did.json`` (or ``/.well-known``)."""
    if not did.startswith("did:web:"):
        raise InvalidInput(f'"{did}" is not a did:web identifier')
    segments = did.split("#", 1)[0][len("did:web:") :].split(":")
    host = unquote(segments[0])
    if not host or "/" in host or "@" in host:
        raise InvalidInput(f'"{did}" has an invalid host')
    path = "/".join(unquote(s) for s in segments[1:]) or ".well-known"
    return f"{scheme}://{host}/{path}/did.json"


def did_web_document(
    did: str,
    keys: Sequence[PublishedKey],
    *,
    ed25519_2020: bool = True,
) -> dict[str, Any]:
    """A DID document listing each key as Multikey (and as Ed25519VerificationKey2020 when asked).

    Independent Ed25519Signature2020 verifiers accept only the 2020 key type, so each key is published
    twice (``#<fragment>`` Multikey and ``#<fragment>-2020``); both forms go under ``assertionMethod``
    while the key may sign, and stay listed under ``verificationMethod`` after it is retired.
    """
    contexts = [DID_V1, MULTIKEY_V1] + ([ED25519_2020_V1] if ed25519_2020 else [])
    methods: list[dict[str, Any]] = []
    assertion: list[str] = []
    for key in keys:
        forms = [("Multikey", key.fragment)]
        if ed25519_2020:
            forms.append(("Ed25519VerificationKey2020", f"{key.fragment}-2020"))
        for key_type, fragment in forms:
            vm_id = f"{did}#{fragment}"
            methods.append(
                {
                    "id": vm_id,
                    "type": key_type,
                    "controller": did,
                    "publicKeyMultibase": key.public_key_multibase,
                }
            )
            if key.assertion:
                assertion.append(vm_id)
    return {
        "@context": contexts,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": assertion,
        "authentication": assertion,
    }
