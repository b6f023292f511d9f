"""Interop both ways with Digital Bazaar's libraries run by node (issue 4, point 3).

Our credentials and presentations verify with ``@digitalbazaar/vc`` + ``eddsa-rdfc-2022-cryptosuite`` /
``ed25519-signature-2020``; theirs verify with ours; tampered copies are rejected by both. The node side is
``tests/interop/di.mjs``, installed from the committed ``package-lock.json`` (``make node``). A missing node or
``node_modules`` fails these tests: they are never skipped.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pyld import jsonld

from microcred.contexts import DocumentLoader, offline_loader
from microcred.keys import Ed25519Signer, PublishedKey, did_key, did_key_document, did_web_document
from microcred.suites import Budget, DidKeyResolver, StaticResolver, canonicalize, sign, to_dataset, verify
from microcred.vc.errors import CanonicalizationLimit
from tests.factories import EDDSA_VECTORS, EXAMPLES_V2, EXAMPLES_V2_URL, load_json
from tests.interop.harness import run_di
from tests.security.signed_rewrites import included, originals, value_object
from tests.suites.factories import CREDENTIAL, SELF_REFERENCE

pytestmark = pytest.mark.interop

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CREATED = "2025-03-01T12:00:00Z"
SEED = bytes(range(32))
HOLDER_SEED = bytes(range(100, 132))
ISSUER = "did:web:uni.example"
SUITES = [("eddsa-rdfc-2022", "key-1"), ("Ed25519Signature2020", "key-1-2020"), ("eddsa-jcs-2022", "key-1")]

Node = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


@pytest.fixture(scope="module")
def node() -> Node:
    """Run a batch of jobs in one node process; fail (never skip) when node or node_modules is missing."""
    return run_di


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return offline_loader()


def issuer_signer(fragment: str) -> Ed25519Signer:
    return Ed25519Signer.from_seed(SEED, verification_method=f"{ISSUER}#{fragment}")


def issuer_document() -> dict[str, Any]:
    return did_web_document(ISSUER, [PublishedKey("key-1", issuer_signer("key-1").public_key_multibase)])


def holder_signer() -> Ed25519Signer:
    public = Ed25519Signer.from_seed(HOLDER_SEED, verification_method="-").public_key_multibase
    return Ed25519Signer.from_seed(HOLDER_SEED, verification_method=f"{did_key(public)}#{public}")


def resolver() -> StaticResolver:
    return StaticResolver({ISSUER: issuer_document()}, fallback=DidKeyResolver())


def sign_job(
    document: dict[str, Any], suite: str, signer: Ed25519Signer, controller: str, **extra: Any
) -> dict[str, Any]:
    return {
        "action": "sign",
        "suite": suite,
        "document": document,
        "seed": (SEED if controller == ISSUER else HOLDER_SEED).hex(),
        "verificationMethod": signer.verification_method,
        "controller": controller,
        "created": CREATED,
        **extra,
    }


def verify_job(document: dict[str, Any], did_documents: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"action": "verify", "document": document, "didDocuments": did_documents, **extra}


def tampered(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A changed claim, a changed proof option, a changed signature."""
    claim = copy.deepcopy(document)
    claim["credentialSubject"]["result"][0]["value"] = "A+"
    created = copy.deepcopy(document)
    created["proof"]["created"] = "2025-03-01T12:00:01Z"
    value = copy.deepcopy(document)
    proof_value = value["proof"]["proofValue"]
    value["proof"]["proofValue"] = (
        proof_value[:-2] + ("2" if proof_value[-2] != "2" else "3") + proof_value[-1]
    )
    return [claim, created, value]


@pytest.mark.parametrize(("suite", "fragment"), SUITES)
def test_credentials_both_ways(suite: str, fragment: str, node: Node, loader: DocumentLoader) -> None:
    signer = issuer_signer(fragment)
    ours = sign(CREDENTIAL, signer=signer, loader=loader, created=NOW, suite=suite)
    dids = [issuer_document()]
    results = node(
        [
            sign_job(CREDENTIAL, suite, signer, ISSUER),
            verify_job(ours, dids),
            *(verify_job(bad, dids) for bad in tampered(ours)),
        ]
    )
    theirs = results[0]["document"]
    # Ed25519 is deterministic: the same key, options and canonical form give the same document.
    assert theirs == ours
    assert results[1] == {"verified": True, "errors": []}
    assert [r["verified"] for r in results[2:]] == [False, False, False]

    assert verify(theirs, resolver=resolver(), loader=loader).verified
    node_tampered = tampered(theirs)
    for bad in node_tampered:
        assert not verify(bad, resolver=resolver(), loader=loader).verified
    again = node([verify_job(theirs, dids), *(verify_job(bad, dids) for bad in node_tampered)])
    assert [r["verified"] for r in again] == [True, False, False, False]


def presentation(credential: dict[str, Any], holder: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [credential],
    }


@pytest.mark.parametrize(
    ("suite", "key_type"),
    [
        ("eddsa-rdfc-2022", "Multikey"),
        ("Ed25519Signature2020", "Ed25519VerificationKey2020"),
        ("eddsa-jcs-2022", "Multikey"),
    ],
)
def test_presentations_with_challenge_and_domain_both_ways(
    suite: str, key_type: str, node: Node, loader: DocumentLoader
) -> None:
    holder = holder_signer()
    holder_did = holder.verification_method.split("#")[0]
    credential = sign(CREDENTIAL, signer=issuer_signer("key-1"), loader=loader, created=NOW)
    unsigned_vp = presentation(credential, holder_did)
    auth = {"challenge": "3f1c-challenge", "domain": "verifier.example"}
    ours = sign(
        unsigned_vp, signer=holder, loader=loader, created=NOW, suite=suite, purpose="authentication", **auth
    )
    dids = [issuer_document(), did_key_document(holder_did, key_type=key_type)]
    results = node(
        [
            verify_job(ours, dids, kind="presentation", **auth),
            verify_job(ours, dids, kind="presentation", challenge="other", domain="verifier.example"),
            verify_job(ours, dids, kind="presentation", challenge=auth["challenge"], domain="evil.example"),
            sign_job(unsigned_vp, suite, holder, holder_did, kind="presentation", **auth),
        ]
    )
    assert results[0]["verified"], results[0]
    assert not results[1]["verified"]
    assert not results[2]["verified"]
    theirs = results[3]["document"]
    assert theirs["proof"]["challenge"] == auth["challenge"]
    mine = verify(theirs, resolver=resolver(), loader=loader, purpose="authentication", **auth)
    assert mine.verified, mine
    assert not verify(
        theirs, resolver=resolver(), loader=loader, purpose="authentication", challenge="other"
    ).verified


@pytest.mark.shared
def test_safe_mode_canonical_forms_and_vectors_agree(node: Node, loader: DocumentLoader) -> None:
    """Lossy JSON-LD and over-budget documents are refused by both; canonical N-Quads are identical."""
    lossy = copy.deepcopy(CREDENTIAL)
    lossy["credentialSubject"]["grade"] = "A+"
    signed = sign(CREDENTIAL, signer=issuer_signer("key-1"), loader=loader, created=NOW)
    signed_then_lossy = copy.deepcopy(signed)
    signed_then_lossy["credentialSubject"]["grade"] = "A+"
    equal_list = copy.deepcopy(CREDENTIAL)
    equal_list["credentialSubject"]["achievement"]["resultDescription"] = [
        {
            "id": "urn:uuid:1b6a",
            "type": ["ResultDescription"],
            "name": "Grade",
            "resultType": "LetterGrade",
            "allowedValue": ["pass"] * 4,
        }
    ]
    examples = {EXAMPLES_V2_URL: load_json(EXAMPLES_V2)}
    vector_did = did_key("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
    vectors = [
        load_json(EDDSA_VECTORS / "eddsa-rdfc-2022" / "signedDataInt.json"),
        load_json(EDDSA_VECTORS / "Ed25519Signature2020" / "signedEdSig.json"),
    ]
    vector_dids = [did_key_document(vector_did, key_type="Ed25519VerificationKey2020")]
    results = node(
        [
            sign_job(lossy, "eddsa-rdfc-2022", issuer_signer("key-1"), ISSUER),
            verify_job(signed_then_lossy, [issuer_document()]),
            {"action": "canonize", "document": equal_list},
            {"action": "canonize", "document": CREDENTIAL},
            {"action": "canonize", "document": SELF_REFERENCE},
            *(verify_job(v, vector_dids, kind="document", extraContexts=examples) for v in vectors),
        ]
    )
    assert "error" in results[0]  # jsonld.js safe mode refuses to sign it, as we do
    assert not results[1]["verified"]
    assert "Maximum deep iterations" in results[2]["error"]  # what SIGNING_BUDGET mirrors
    assert results[3]["nquads"] == canonicalize(to_dataset(CREDENTIAL, loader=loader))
    # PyLD and rdf-canonize disagree on self-referencing blank nodes, which is why safe mode refuses them.
    assert results[4]["nquads"] != pyld_normalize(SELF_REFERENCE, loader)
    assert [r["verified"] for r in results[5:]] == [True, True]

    assert not verify(signed_then_lossy, resolver=resolver(), loader=loader).verified
    with pytest.raises(CanonicalizationLimit, match=r"jsonld\.js"):
        sign(equal_list, signer=issuer_signer("key-1"), loader=loader, created=NOW)
    assert sign(equal_list, signer=issuer_signer("key-1"), loader=loader, created=NOW, budget=Budget())


def pyld_normalize(document: dict[str, Any], loader: DocumentLoader) -> str:
    result: str = jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    )
    return result


def test_bench_mode_reports_a_rate(node: Node, loader: DocumentLoader) -> None:
    """The loop mode bench/ uses: repeat sign or verify and report the elapsed time."""
    signer = issuer_signer("key-1")
    signed = sign(CREDENTIAL, signer=signer, loader=loader, created=NOW)
    results = node(
        [
            {
                **sign_job(CREDENTIAL, "eddsa-rdfc-2022", signer, ISSUER),
                "action": "bench",
                "op": "sign",
                "count": 3,
            },
            {**verify_job(signed, [issuer_document()]), "action": "bench", "op": "verify", "count": 3},
        ]
    )
    for result, op in zip(results, ("sign", "verify"), strict=True):
        assert result["op"] == op
        assert result["count"] == 3
        assert result["seconds"] > 0
        assert result["perSecond"] > 0


def test_a_node_repeated_under_included_in_another_form_lists_a_triple_twice_in_both_processors(
    node: Node,
) -> None:
    # What hypothesis found (tests/security/test_signed_hypothesis.py, its explicit example): the status entry repeated under @included,
    # then its statusPurpose written as a value object in one copy only. JSON-LD keeps both values (they differ
    # in form), both give one and the same triple, and jsonld.js + rdf-canonize list it twice exactly as pyld and
    # our canonicalizer do: the rewrite is not equivalent, the signature rightly fails, and both sides agree.
    loader = offline_loader()
    original = copy.deepcopy(originals().documents["vc2"])
    del original["proof"]
    rewritten = value_object(
        included(original, ("credentialStatus",)), ("credentialStatus",), "statusPurpose"
    )
    ours = canonicalize(to_dataset(rewritten, loader=loader))
    theirs, unchanged = node([{"action": "canonize", "document": d} for d in (rewritten, original)])
    assert theirs["nquads"] == ours
    lines = ours.splitlines()
    assert len(lines) == len(set(lines)) + 1
    assert '<https://www.w3.org/ns/credentials/status#statusPurpose> "revocation" .' in max(
        lines, key=lines.count
    )
    assert unchanged["nquads"] == canonicalize(to_dataset(original, loader=loader)) != ours
