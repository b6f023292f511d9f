"""Resolving a proof's verification method to a public key its controller authorised for the proof's purpose.

https://www.w3.org/TR/vc-data-integrity/#retrieve-verification-method ;
https://www.w3.org/TR/cid-1.0/#retrieve-verification-method

The DID document comes from an injected :class:`Resolver` (did:key offline here; did:web over guarded HTTP in
``verifier/``). A key is accepted only if it is in its controller's document, names that document as its
``controller``, is listed (by id or embedded) under the relationship of the proof's purpose
(``assertionMethod``, ``authentication``), has a type the suite verifies with, and publishes one key
(``publicKeyMultibase`` Multikey, ``publicKeyJwk`` or ``publicKeyBase58``) of an algorithm the suite verifies with
(Ed25519, P-256, P-384, secp256k1) and its type allows.

did:key and did:jwk documents are derived from the identifier itself, and the key type in them is the resolver's
choice of output format (did:key spec, ``publicKeyFormat``), so for them any key type fits the suite as long as the
algorithm does. For every other method the published type must fit the suite.

A bare DID as the verification method (``did:key:z…`` with no fragment) names no key; when the DID document has
exactly one key under the proof's purpose it is used, and :attr:`ResolvedKey.warnings` says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from microcred.keys import (
    PublicKey,
    did_jwk_document,
    did_key_document,
    public_key_from_base58,
    public_key_from_jwk,
    public_key_from_multikey,
)
from microcred.keys.public_key import ED25519, SECP256K1
from microcred.vc.errors import InvalidInput, NotFound

__all__ = [
    "DidKeyResolver",
    "ResolvedKey",
    "Resolver",
    "StaticResolver",
    "public_key_of",
    "resolve_verification_method",
    "sole_method",
]

# did:key and did:jwk documents are derived from the identifier, the key type being the resolver's choice
_DERIVED_DIDS = ("did:key:", "did:jwk:")
_BASE58_ALGORITHMS = {"Ed25519VerificationKey2018": ED25519, "EcdsaSecp256k1VerificationKey2019": SECP256K1}
_TYPE_ALGORITHMS = {
    "Ed25519VerificationKey2018": ED25519,
    "Ed25519VerificationKey2020": ED25519,
    "EcdsaSecp256k1VerificationKey2019": SECP256K1,
}


class Resolver(Protocol):
    """Returns the DID (controller) document for a DID or a verification method URL."""

    def resolve(self, did_or_url: str) -> Mapping[str, Any]:
        """The controller document; NotFound or InvalidInput when there is none."""
        ...


class DidKeyResolver:
    """Resolves did:key (and did:jwk) identifiers offline (https://w3c-ccg.github.io/did-method-key/)."""

    def __init__(self, *, key_type: str = "Multikey") -> None:
        self.key_type = key_type

    def resolve(self, did_or_url: str) -> Mapping[str, Any]:
        """The did:key document (an Ed25519 key rendered as ``key_type``) or did:jwk document."""
        if did_or_url.startswith("did:jwk:"):
            return did_jwk_document(did_or_url)
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
    """A verification method that passed every check, and its public key (raw bytes tagged with the algorithm);
    ``warnings`` say what was accepted with reservations (a bare DID as the method)."""

    verification_method: str
    controller: str
    type: str
    public_key: PublicKey
    warnings: tuple[str, ...] = ()


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


def sole_method(document: Mapping[str, Any], did: str, purpose: str) -> tuple[str, Mapping[str, Any]] | None:
    """The id and object of the one verification method listed under ``purpose`` in ``did``'s document, if there
    is exactly one (a bare DID naming its only key: proofs here, a VC-JWT ``kid`` in ``verifier.jwt``)."""
    base = str(document.get("id", ""))
    value = document.get(purpose)
    entries = value if isinstance(value, list) else [value] if value is not None else []
    ids = {
        _absolute(entry_id, base)
        for entry in entries
        if isinstance(entry_id := entry.get("id") if isinstance(entry, Mapping) else entry, str)
    }
    if len(ids) != 1 or document.get("id") != did:
        return None
    (vm_id,) = ids
    method = _find_method(document, vm_id)
    return (vm_id, method) if method is not None else None


def public_key_of(method: Mapping[str, Any], vm_id: str) -> PublicKey:
    """The public key a verification method publishes (``publicKeyMultibase``, ``publicKeyJwk`` or
    ``publicKeyBase58``), checked against what its type allows.

    https://www.w3.org/TR/cid-1.0/#verification-material ; https://w3c-ccg.github.io/lds-ed25519-2018/ ;
    https://w3c-ccg.github.io/lds-ecdsa-secp256k1-2019/
    """
    key_type = method.get("type")
    forms = [name for name in ("publicKeyMultibase", "publicKeyJwk", "publicKeyBase58") if name in method]
    if len(forms) != 1:
        raise InvalidInput(
            f'verification method "{vm_id}" must publish exactly one of "publicKeyMultibase", '
            f'"publicKeyJwk", "publicKeyBase58", not {forms or "none"}'
        )
    form = forms[0]
    if form == "publicKeyMultibase":
        key = public_key_from_multikey(method[form])
    elif form == "publicKeyJwk":
        key = public_key_from_jwk(method[form])
    elif key_type in _BASE58_ALGORITHMS:
        key = public_key_from_base58(method[form], _BASE58_ALGORITHMS[str(key_type)])
    else:
        raise InvalidInput(f'verification method "{vm_id}" of type {key_type!r} cannot use "publicKeyBase58"')
    required = _TYPE_ALGORITHMS.get(str(key_type))
    if required is not None and key.algorithm != required:
        raise InvalidInput(f'verification method "{vm_id}" of type {key_type!r} holds a {key.algorithm} key')
    return key


def resolve_verification_method(
    vm_id: Any,
    *,
    resolver: Resolver,
    purpose: str,
    key_types: frozenset[str],
    algorithms: frozenset[str] = frozenset({ED25519}),
) -> ResolvedKey:
    """Resolve and check ``vm_id`` for ``purpose``; InvalidInput/NotFound explain why a key is not acceptable.

    ``algorithms`` are the key algorithms the caller's suite verifies with (Ed25519 unless it says otherwise).
    https://www.w3.org/TR/vc-data-integrity/#retrieve-verification-method
    """
    if not isinstance(vm_id, str) or not vm_id:
        raise InvalidInput('"proof.verificationMethod" must be a URL string')
    controller_id = vm_id.split("#", 1)[0]
    warnings: tuple[str, ...] = ()
    method: Mapping[str, Any] | None
    document = resolver.resolve(vm_id)
    if not isinstance(document, Mapping):
        raise InvalidInput(f'the document resolved for "{vm_id}" is not a JSON object')
    sole = sole_method(document, vm_id, purpose) if vm_id.startswith("did:") and "#" not in vm_id else None
    if sole is not None:
        # A bare DID names no key; Digital Bazaar's and other verifiers accept it when the DID has one key for
        # the purpose, so we do too, and say so.
        vm_id, method = sole
        warnings = (
            f'"proof.verificationMethod" is the bare DID "{controller_id}", not a key; '
            f'its one {purpose} key "{vm_id}" was used',
        )
    elif document.get("id") == vm_id and "#" not in vm_id:
        # The URL names the verification method itself; its controller document lists it.
        method = document
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
    fits = key_type in key_types or controller_id.startswith(_DERIVED_DIDS)
    if not isinstance(key_type, str) or not fits:
        expected = " or ".join(f'"{t}"' for t in sorted(key_types))
        raise InvalidInput(
            f'verification method "{vm_id}" has type {key_type!r}; this proof needs {expected}'
        )
    public_key = public_key_of(method, vm_id)
    if public_key.algorithm not in algorithms:
        raise InvalidInput(
            f'verification method "{vm_id}" holds a {public_key.algorithm} key; this proof needs '
            + " or ".join(sorted(algorithms))
        )
    return ResolvedKey(vm_id, controller_id, key_type, public_key, warnings)
