"""Resolving a proof's verification method to a public key its controller authorised for the proof's purpose.

https://www.w3.org/TR/vc-data-integrity/#retrieve-verification-method ;
https://www.w3.org/TR/cid-1.0/#retrieve-verification-method

The DID document comes from an injected :class:`Resolver` (did:key offline here; did:web over guarded HTTP in
``verifier/``). A key is accepted only if it is in its controller's document, names that document as its
``controller``, is listed (by id or embedded) under the relationship of the proof's purpose
(``assertionMethod``, ``authentication``), has a type the suite verifies with, and its ``publicKeyMultibase``
is an Ed25519 Multikey value (header ``0xed01``).

did:key documents are derived from the identifier itself, and the key type in them is the resolver's choice of
output format (did:key spec, ``publicKeyFormat``), so for did:key verification methods both Multikey and
Ed25519VerificationKey2020 fit either suite. For every other method the published type must fit the suite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from microcred.keys import did_key_document, public_key_from_multibase
from microcred.vc.errors import InvalidInput, NotFound

__all__ = ["DidKeyResolver", "ResolvedKey", "Resolver", "StaticResolver", "resolve_verification_method"]

_ED25519_KEY_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})


class Resolver(Protocol):
    """Returns the DID (controller) document for a DID or a verification method URL."""

    def resolve(self, did_or_url: str) -> Mapping[str, Any]:
        """The controller document; NotFound or InvalidInput when there is none."""
        ...


class DidKeyResolver:
    """Resolves did:key identifiers offline (https://w3c-ccg.github.io/did-method-key/)."""

    def __init__(self, *, key_type: str = "Multikey") -> None:
        self.key_type = key_type

    def resolve(self, did_or_url: str) -> Mapping[str, Any]:
        """The did:key document (key rendered as ``key_type``)."""
        if not did_or_url.startswith("did:key:"):
            raise NotFound(f'"{did_or_url}" is not a did:key identifier')
        return did_key_document(did_or_url.split("#", 1)[0], key_type=self.key_type)


class StaticResolver:
    """A fixed map of DID → document (tests, pinned issuers), falling back to another resolver if given."""

    def __init__(
        self, documents: Mapping[str, Mapping[str, Any]], *, fallback: Resolver | None = None
    ) -> None:
        self.documents = dict(documents)
        self.fallback = fallback

    def resolve(self, did_or_url: str) -> Mapping[str, Any]:
        """The stored document for the DID part of ``did_or_url``."""
        did = did_or_url.split("#", 1)[0]
        document = self.documents.get(did)
        if document is not None:
            return document
        if self.fallback is not None:
            return self.fallback.resolve(did_or_url)
        raise NotFound(f'no DID document for "{did}"')


@dataclass(frozen=True)
class ResolvedKey:
    """A verification method that passed every check, and its raw Ed25519 public key."""

    verification_method: str
    controller: str
    type: str
    public_key: bytes


def _absolute(value: str, base: str) -> str:
    return base + value if value.startswith("#") else value


def _find_method(document: Mapping[str, Any], vm_id: str) -> Mapping[str, Any] | None:
    """The verification method object with ``vm_id`` in ``verificationMethod`` or embedded in a relationship."""
    base = str(document.get("id", ""))
    candidates: list[Any] = []
    for key in (
        "verificationMethod",
        "assertionMethod",
        "authentication",
        "capabilityInvocation",
        "capabilityDelegation",
        "keyAgreement",
    ):
        value = document.get(key)
        candidates.extend(value if isinstance(value, list) else [value] if value is not None else [])
    for candidate in candidates:
        if not isinstance(candidate, Mapping):
            continue
        candidate_id = candidate.get("id")
        if isinstance(candidate_id, str) and _absolute(candidate_id, base) == vm_id:
            return candidate
    return None


def _listed_under(document: Mapping[str, Any], relationship: str, vm_id: str) -> bool:
    base = str(document.get("id", ""))
    value = document.get(relationship)
    for entry in value if isinstance(value, list) else [value] if value is not None else []:
        entry_id = entry.get("id") if isinstance(entry, Mapping) else entry
        if isinstance(entry_id, str) and _absolute(entry_id, base) == vm_id:
            return True
    return False


def resolve_verification_method(
    vm_id: Any, *, resolver: Resolver, purpose: str, key_types: frozenset[str]
) -> ResolvedKey:
    """Resolve and check ``vm_id`` for ``purpose``; InvalidInput/NotFound explain why a key is not acceptable.

    https://www.w3.org/TR/vc-data-integrity/#retrieve-verification-method
    """
    if not isinstance(vm_id, str) or not vm_id:
        raise InvalidInput('"proof.verificationMethod" must be a URL string')
    controller_id = vm_id.split("#", 1)[0]
    document = resolver.resolve(vm_id)
    if not isinstance(document, Mapping):
        raise InvalidInput(f'the document resolved for "{vm_id}" is not a JSON object')
    if document.get("id") == vm_id and "#" not in vm_id:
        # The URL names the verification method itself; its controller document lists it.
        method: Mapping[str, Any] | None = document
        controller = document.get("controller")
        if not isinstance(controller, str):
            raise InvalidInput(f'verification method "{vm_id}" has no "controller"')
        controller_id = controller
        document = resolver.resolve(controller_id)
    else:
        method = _find_method(document, vm_id)
    if document.get("id") != controller_id:
        raise InvalidInput(f'the document resolved for "{controller_id}" has "id" {document.get("id")!r}')
    if method is None:
        raise InvalidInput(f'verification method "{vm_id}" is not in its controller\'s document')
    if method.get("controller") != controller_id:
        raise InvalidInput(
            f'verification method "{vm_id}" must have "controller" "{controller_id}", '
            f"not {method.get('controller')!r}"
        )
    if not _listed_under(document, purpose, vm_id):
        raise InvalidInput(
            f'verification method "{vm_id}" is not listed under "{purpose}" in "{controller_id}"'
        )
    key_type = method.get("type")
    fits = key_type in key_types or (controller_id.startswith("did:key:") and key_type in _ED25519_KEY_TYPES)
    if not isinstance(key_type, str) or not fits:
        expected = " or ".join(f'"{t}"' for t in sorted(key_types))
        raise InvalidInput(
            f'verification method "{vm_id}" has type {key_type!r}; this proof needs {expected}'
        )
    multibase = method.get("publicKeyMultibase")
    if not isinstance(multibase, str):
        raise InvalidInput(f'verification method "{vm_id}" has no "publicKeyMultibase"')
    public_key = public_key_from_multibase(multibase)
    return ResolvedKey(vm_id, controller_id, key_type, public_key)
