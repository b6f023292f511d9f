"""JSON-LD-equivalent rewrites of signed documents: the JSON changes, the signed RDF dataset does not.

Each rewrite is what a holder can do to a genuinely signed credential without touching the signature: spell a
term as its full IRI (with a value object where the term coerced the type), move a property under ``@nest``
or under an alias of ``@nest`` / ``@type`` / ``@id`` from an added inline context, use a compact IRI through an
added prefix, write ``@id`` / ``@type`` for ``id`` / ``type``, wrap one value in an array, write a plain value
as a value object. The tests assert that the signature still verifies on each rewrite (with ``suites.verify``
and with pyld's reference path), which is what proves the rewrite RDF-equivalent.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import microcred.suites.rdf
from microcred import suites
from microcred.contexts import DocumentLoader, offline_loader
from microcred.suites.proofs import ProofVerification
from microcred.verifier.report import VerificationReport
from tests.verifier.factories import NOW, FakeWeb, World, controller, key_signer, status_entry, status_list

XSD = "http://www.w3.org/2001/XMLSchema#"
CRED = "https://www.w3.org/2018/credentials#"
SEC = "https://w3id.org/security#"
STATUS = "https://www.w3.org/ns/credentials/status#"
OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
SCHEMA = "https://schema.org/"
EU = "https://microcred.eu/vocab/eu-microcredential#"
PROOF_TRANSFORMATION_ERROR = "https://w3id.org/security#PROOF_TRANSFORMATION_ERROR"

Doc = dict[str, Any]

# The IRI of each key the checks read, and the datatype the term coerces its value to (None: plain or node).
# A wrong entry here makes the signature fail on the rewrite, which the tests assert against.
IRIS: dict[str, tuple[str, str | None]] = {
    "issuer": (CRED + "issuer", None),
    "credentialSubject": (CRED + "credentialSubject", None),
    "credentialStatus": (CRED + "credentialStatus", None),
    "credentialSchema": (CRED + "credentialSchema", None),
    "validFrom": (CRED + "validFrom", XSD + "dateTime"),
    "validUntil": (CRED + "validUntil", XSD + "dateTime"),
    "issuanceDate": (CRED + "issuanceDate", XSD + "dateTime"),
    "expirationDate": (CRED + "expirationDate", XSD + "dateTime"),
    "awardedDate": (OB + "awardedDate", "xsd:dateTime"),  # sic: the OB 3.0.3 context writes the prefix
    "name": (SCHEMA + "name", None),
    "description": (SCHEMA + "description", None),
    "address": (OB + "address", None),
    "addressCountry": (SCHEMA + "addressCountry", None),
    "statusPurpose": (STATUS + "statusPurpose", None),
    "statusListIndex": (STATUS + "statusListIndex", None),
    "statusListCredential": (STATUS + "statusListCredential", "@id"),
    "encodedList": (STATUS + "encodedList", SEC + "multibase"),
    "achievement": (OB + "achievement", None),
    "achievementType": (OB + "achievementType", None),
    "criteria": (OB + "Criteria", None),
    "narrative": (OB + "narrative", None),
    "creditsAvailable": (OB + "creditsAvailable", "https://www.w3.org/2001/XMLSchema#float"),  # sic
    "alignment": (OB + "alignment", None),
    "targetUrl": (SCHEMA + "targetUrl", "https://www.w3.org/2001/XMLSchema#anyURI"),  # sic
    "targetFramework": (SCHEMA + "targetFramework", None),
    "endorsement": (OB + "endorsement", None),
    "learningOutcome": (EU + "learningOutcome", None),
    "creditSystem": (EU + "creditSystem", "@id"),
    "eqfLevel": ("http://data.europa.eu/snb/model/elm/EQFLevel", "@id"),
    "assessmentType": (EU + "assessmentType", "@id"),
    "participationForm": ("http://data.europa.eu/snb/model/elm/mode", "@id"),
    "qualityAssuranceType": (EU + "qualityAssuranceType", "@id"),
    "created": ("http://purl.org/dc/terms/created", XSD + "dateTime"),
    "holder": (CRED + "holder", "@id"),
    "verifiableCredential": (CRED + "verifiableCredential", None),
}

VOCAB_VALUES = {"assertionMethod": SEC + "assertionMethod", "authentication": SEC + "authenticationMethod"}


def at(document: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    """The value at ``path`` (keys and list indexes)."""
    node: Any = document
    for step in path:
        node = node[step]
    return node


def _renamed(node: dict[str, Any], old: str, new: str, value: Any) -> dict[str, Any]:
    """``node`` with ``old`` replaced by ``new`` (and ``value``) in the same position."""
    return {(new if k == old else k): (value if k == old else v) for k, v in node.items()}


def _replace(
    document: dict[str, Any], path: tuple[str | int, ...], make: Callable[[Any], Any]
) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    if not path:
        return dict(make(copied))
    parent = at(copied, path[:-1])
    parent[path[-1]] = make(parent[path[-1]])
    return copied


def _typed(value: Any, datatype: str | None) -> Any:
    """The value as the full-IRI key needs it to sign alike: the coercion the term did, written out."""
    if isinstance(value, list):
        return [_typed(item, datatype) for item in value]
    if datatype is None or isinstance(value, dict):
        return value
    if datatype in ("@id", "@vocab"):
        if datatype == "@vocab":
            if value not in VOCAB_VALUES:
                raise LookupError(f"{value!r} is a vocabulary term; its IRI depends on the context")
            return {"@id": VOCAB_VALUES[value]}
        return {"@id": value}
    return {"@value": value, "@type": datatype}


def full_iri(document: dict[str, Any], node: tuple[str | int, ...], key: str) -> dict[str, Any]:
    """``key`` of the node at ``node`` spelled as its IRI."""
    iri, datatype = IRIS[key]
    return _replace(document, node, lambda n: _renamed(n, key, iri, _typed(n[key], datatype)))


def nest(
    document: dict[str, Any], node: tuple[str | int, ...], key: str, *, word: str = "@nest"
) -> dict[str, Any]:
    """``key`` moved under ``@nest`` (or an alias of it), beside what is already nested there."""

    def move(n: dict[str, Any]) -> dict[str, Any]:
        if word in n:
            if not isinstance(n[word], dict):
                raise LookupError("the nest is not an object")
            return {k: ({**v, key: n[key]} if k == word else v) for k, v in n.items() if k != key}
        return _renamed(n, key, word, {key: n[key]})

    return _replace(document, node, move)


def with_inline_context(document: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
    """An inline context object appended to the top-level ``@context`` (new terms only: the VC ones are
    protected)."""
    copied = copy.deepcopy(document)
    contexts = copied["@context"] if isinstance(copied["@context"], list) else [copied["@context"]]
    copied["@context"] = [*contexts, terms]
    return copied


def aliased_nest(document: dict[str, Any], node: tuple[str | int, ...], key: str) -> dict[str, Any]:
    """``key`` moved under ``nested``, an alias of ``@nest`` from an added inline context."""
    return nest(with_inline_context(document, {"nested": "@nest"}), node, key, word="nested")


def compact_iri(
    document: dict[str, Any], node: tuple[str | int, ...], key: str, *, prefix: str = "pfx"
) -> dict[str, Any]:
    """``key`` spelled ``prefix:suffix``, the prefix defined by an added inline context."""
    iri, datatype = IRIS[key]
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    rewritten = with_inline_context(document, {prefix: {"@id": iri[:cut], "@prefix": True}})
    renamed = f"{prefix}:{iri[cut:]}"
    return _replace(rewritten, node, lambda n: _renamed(n, key, renamed, _typed(n[key], datatype)))


def keyword_id_type(document: dict[str, Any], node: tuple[str | int, ...]) -> dict[str, Any]:
    """``id`` / ``type`` of the node written as the keywords ``@id`` / ``@type``."""

    def swap(n: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(n, dict):
            raise LookupError("not a node object")
        out = dict(n)
        if "id" in out:
            out = _renamed(out, "id", "@id", out["id"])
        if "type" in out:
            out = _renamed(out, "type", "@type", out["type"])
        return out

    return _replace(document, node, swap)


def wrapped(document: dict[str, Any], node: tuple[str | int, ...], key: str) -> dict[str, Any]:
    """One value of ``key`` wrapped in an array."""
    return _replace(document, node, lambda n: {**n, key: [n[key]]})


def value_object(document: dict[str, Any], node: tuple[str | int, ...], key: str) -> dict[str, Any]:
    """A plain (or coerced) string value written as a value object with its datatype."""
    _iri, datatype = IRIS[key]

    def make(n: dict[str, Any]) -> dict[str, Any]:
        value = n[key]
        if datatype is not None and datatype.startswith("@"):
            raise LookupError(f'"{key}" holds an IRI, not a literal')
        if datatype is None:
            return {**n, key: {"@value": value, "@type": XSD + "string"}}
        return {**n, key: {"@value": value, "@type": datatype}}

    return _replace(document, node, make)


@contextmanager
def reference_path() -> Iterator[None]:
    """pyld's reference JSON-LD path only (the fast path switched off), as an independent second opinion."""
    saved = microcred.suites.rdf._FAST_PATH
    microcred.suites.rdf._FAST_PATH = None
    try:
        yield
    finally:
        microcred.suites.rdf._FAST_PATH = saved


def signature_holds(
    document: dict[str, Any], *, resolver: suites.Resolver, loader: DocumentLoader, **options: Any
) -> ProofVerification:
    """``suites.verify`` on both JSON-LD paths; both must agree that every proof verifies."""
    first = suites.verify(document, resolver=resolver, loader=loader, **options)
    with reference_path():
        second = suites.verify(document, resolver=resolver, loader=loader, **options)
    assert first.verified, (first.detail, [r.detail for r in first.results])
    assert second.verified, (second.detail, [r.detail for r in second.results])
    return first


@dataclass
class Signed:
    """The signed originals, their reports, and a way to verify a rewrite."""

    world: World
    documents: dict[str, Doc]
    reports: dict[str, VerificationReport]

    def verify(self, document: Doc) -> VerificationReport:
        return self.world.verifier().verify_credential(document, now=NOW)


def signed_originals(world: World) -> Signed:
    """An OB3 VC 2.0 credential with every EU element, a status entry and an endorsement; and a VC 1.1 one."""
    issuer = controller(world.issuer)
    world.publish_status(status_list(issuer))
    vc2 = world.credential(eu=True)
    vc2["credentialStatus"] = status_entry()
    endorsement = world.credential()
    endorsement.update(
        {
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "id": "urn:uuid:5e1f6d1a-6a0e-4a8e-9d35-1f4e2b9c7a11",
            "name": "Quality agency endorsement",
            "issuer": {"id": controller(world.other), "type": ["Profile"], "name": "Quality Agency"},
            "credentialSubject": {
                "id": vc2["credentialSubject"]["achievement"]["id"],
                "type": ["EndorsementSubject"],
                "endorsementComment": "Meets the ESG standards",
            },
        }
    )
    del endorsement["validUntil"]
    vc2["credentialSubject"]["achievement"]["endorsement"] = [world.sign(endorsement, world.other)]
    vc11 = world.credential(v11=True)  # the VC 1.1 context defines no BitstringStatusListEntry terms
    documents = {"vc2": world.sign(vc2), "vc11": world.sign(vc11)}
    signed = Signed(world, documents, {})
    signed.reports = {kind: signed.verify(doc) for kind, doc in documents.items()}
    return signed


def assert_refused_or_same(original: VerificationReport, report: VerificationReport) -> None:
    """The verdict rule every rewrite is held to."""
    proof = report.check("proof")
    if proof.problem_type == PROOF_TRANSFORMATION_ERROR:
        assert proof.status == "failed"
        assert "not in the plain form" in proof.sentence
        assert report.verified is False
        assert report.verdict == "not valid"
    else:
        assert report.as_json() == original.as_json()


@cache
def originals() -> Signed:
    """Built once: signing and the originals' reports are the slow part."""
    world = World(
        loader=offline_loader(),
        web=FakeWeb(),
        issuer=key_signer(bytes(range(32))),
        other=key_signer(bytes(range(1, 33))),
        web_issuer=key_signer(bytes(range(2, 34))),
    )
    return signed_originals(world)


def nodes(document: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Doc]]:
    """Every JSON object of the document with its path, outside the proof (whose options the suites read)."""
    if isinstance(document, dict):
        yield path, document
        for key, value in document.items():
            if key not in ("proof", "@context"):
                yield from nodes(value, (*path, key))
    elif isinstance(document, list):
        for index, item in enumerate(document):
            yield from nodes(item, (*path, index))


def included(document: Doc, node: tuple[str | int, ...]) -> Doc:
    """A copy of a node that has an id, repeated under ``@included`` at the top: the same triples, merged."""
    found = at(document, node)
    if not node or not all("id" in n and "proof" not in n for _, n in nodes(found)):
        # a node without an id is a blank node, a proof a blank graph: repeating either adds a second one
        raise LookupError("only a nested node with an id (and ids all the way down) can be repeated")
    copied = copy.deepcopy(document)
    copied["@included"] = [*copied.get("@included", []), copy.deepcopy(found)]
    return copied
