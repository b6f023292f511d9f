"""A table of JSON-LD-equivalent rewrites, one or more for every field the verifier's checks read and show.

Each row is proven RDF-equivalent (the signature still verifies, on the fast path and on pyld's reference path);
the verifier must then either refuse the document (a failed ``proof`` check, PROOF_TRANSFORMATION_ERROR, not
verified) or give exactly the report of the original (verdict, every check, every shown value).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from microcred import suites
from microcred.contexts import offline_loader
from microcred.verifier.credential import Verifier
from microcred.verifier.did import DidResolver
from tests.verifier.factories import CREATED, NOW, STATUS_URL, World

from .signed_rewrites import (
    PROOF_TRANSFORMATION_ERROR,
    aliased_nest,
    assert_refused_or_same,
    at,
    compact_iri,
    full_iri,
    keyword_id_type,
    nest,
    signature_holds,
    signed_originals,
    value_object,
    wrapped,
)

Doc = dict[str, Any]
Rewrite = Callable[[Doc], Doc]

S = ("credentialSubject",)
A = ("credentialSubject", "achievement")
ST = ("credentialStatus",)
AL = ("credentialSubject", "achievement", "alignment", 0)
EN = ("credentialSubject", "achievement", "endorsement", 0)


def _rows() -> list[tuple[str, str, Rewrite]]:
    """(credential kind, row name, rewrite): every field the checks read, by every kind of rewrite."""
    rows: list[tuple[str, str, Rewrite]] = []

    def add(kind: str, name: str, rewrite: Rewrite) -> None:
        rows.append((kind, name, rewrite))

    def each(kind: str, node: tuple[str | int, ...], keys: list[str], *ways: str) -> None:
        where = ".".join(str(s) for s in node) or "$"
        for key in keys:
            for way in ways:
                make = {
                    "full IRI": lambda d, n=node, k=key: full_iri(d, n, k),
                    "compact IRI": lambda d, n=node, k=key: compact_iri(d, n, k),
                    "@nest": lambda d, n=node, k=key: nest(d, n, k),
                    "alias of @nest": lambda d, n=node, k=key: aliased_nest(d, n, k),
                    "value object": lambda d, n=node, k=key: value_object(d, n, k),
                    "array": lambda d, n=node, k=key: wrapped(d, n, k),
                }[way]
                add(kind, f"{where}.{key} as {way}", make)

    top = ["issuer", "credentialSubject", "credentialStatus", "validFrom", "validUntil", "name"]
    each("vc2", (), top, "full IRI", "compact IRI", "@nest", "alias of @nest")
    each("vc2", (), ["validFrom", "validUntil", "awardedDate", "name"], "value object", "array")
    each("vc2", (), ["credentialSubject", "credentialStatus"], "array")
    each("vc2", ("issuer",), ["name", "address"], "full IRI", "@nest", "array")
    each("vc2", ("issuer", "address"), ["addressCountry"], "full IRI", "@nest", "value object", "array")
    each("vc2", S, ["achievement"], "full IRI", "@nest", "array")
    achievement = ["achievementType", "name", "description", "criteria", "creditsAvailable", "alignment"]
    each("vc2", A, achievement, "full IRI", "@nest")
    each("vc2", A, ["achievementType", "name", "description", "criteria", "creditsAvailable"], "array")
    each("vc2", A, ["name", "description", "achievementType"], "value object")
    each("vc2", ("credentialSubject", "achievement", "criteria"), ["narrative"], "full IRI", "@nest", "array")
    each("vc2", AL, ["targetUrl", "targetFramework"], "full IRI", "@nest", "value object", "array")
    eu = ["learningOutcome", "creditSystem", "eqfLevel", "assessmentType", "participationForm"]
    each("vc2", A, [*eu, "qualityAssuranceType"], "full IRI", "@nest")
    each("vc2", A, ["creditSystem", "eqfLevel", "participationForm"], "array")
    each("vc2", A, ["endorsement"], "full IRI", "@nest")
    each("vc2", EN, ["issuer", "validFrom", "credentialSubject", "name"], "full IRI", "@nest")
    each(
        "vc2", ST, ["statusPurpose", "statusListIndex", "statusListCredential"], "full IRI", "@nest", "array"
    )
    each("vc2", ST, ["statusPurpose", "statusListIndex"], "value object")
    # the suites read the other proof options from the JSON themselves: renaming them breaks the signature
    each("vc2", ("proof",), ["created"], "full IRI", "@nest")
    for node in [(), ("issuer",), S, A, ST, AL, EN]:
        where = ".".join(str(s) for s in node) or "$"
        add("vc2", f"{where} id and type as @id and @type", lambda d, n=node: keyword_id_type(d, n))
    for node in [("issuer",), S, A, ST]:
        where = ".".join(str(s) for s in node)
        add("vc2", f"{where} with the document's contexts repeated", lambda d, n=node: repeated_context(d, n))
    v11 = ["issuer", "credentialSubject", "issuanceDate", "expirationDate"]
    each("vc11", (), v11, "full IRI", "@nest")
    each("vc11", (), ["issuanceDate", "expirationDate"], "value object", "array")
    add("vc11", "$ id and type as @id and @type", lambda d: keyword_id_type(d, ()))
    return rows


def repeated_context(document: Doc, node: tuple[str | int, ...]) -> Doc:
    """The node given the document's own (pinned) contexts again: the same terms, the same dataset."""
    copied = copy.deepcopy(document)
    target = at(copied, node)
    target.update(
        {"@context": list(copied["@context"]), **{k: v for k, v in target.items() if k != "@context"}}
    )
    return copied


ROWS = _rows()


def test_the_originals_verify_with_status_endorsement_and_eu_elements(world: World) -> None:
    signed = signed_originals(world)
    for kind, report in signed.reports.items():
        assert report.verified, (kind, [(c.id, c.sentence) for c in report.checks if c.status != "passed"])
    assert signed.reports["vc2"].check("status").status == "passed"
    assert signed.documents["vc2"]["credentialStatus"]["statusListCredential"] == STATUS_URL
    assert signed.reports["vc2"].check("endorsements").status == "passed"
    assert signed.reports["vc2"].eu_complete is True


@pytest.mark.parametrize(("kind", "name"), [(kind, name) for kind, name, _ in ROWS])
def test_a_rewrite_that_signs_alike_is_refused_or_changes_nothing(world: World, kind: str, name: str) -> None:
    rewrite = next(r for k, n, r in ROWS if (k, n) == (kind, name))
    signed = signed_originals(world)
    rewritten = rewrite(signed.documents[kind])
    assert rewritten != signed.documents[kind]
    signature_holds(rewritten, resolver=suites.DidKeyResolver(), loader=world.loader)
    assert_refused_or_same(signed.reports[kind], signed.verify(rewritten))


REFUSED_ALWAYS = ["full IRI", "compact IRI", "@nest", "alias of @nest", "@id and @type", "contexts repeated"]


@pytest.mark.parametrize(
    ("kind", "name"), [(k, n) for k, n, _ in ROWS if any(w in n for w in REFUSED_ALWAYS)]
)
def test_renamed_and_nested_keys_are_always_refused(world: World, kind: str, name: str) -> None:
    """These forms never appear in a plain compacted document, whatever field they touch."""
    rewrite = next(r for k, n, r in ROWS if (k, n) == (kind, name))
    signed = signed_originals(world)
    report = signed.verify(rewrite(signed.documents[kind]))
    assert report.check("proof").problem_type == PROOF_TRANSFORMATION_ERROR, report.check("proof").sentence
    assert report.verified is False


def test_the_refusal_names_the_key_and_its_json_path(world: World) -> None:
    signed = signed_originals(world)
    report = signed.verify(full_iri(signed.documents["vc2"], ST, "statusListIndex"))
    sentence = report.check("proof").sentence
    assert '"https://www.w3.org/ns/credentials/status#statusListIndex"' in sentence
    assert "$.credentialStatus.https://www.w3.org/ns/credentials/status#statusListIndex" in sentence
    report = signed.verify(nest(signed.documents["vc2"], A, "eqfLevel"))
    assert '"@nest"' in report.check("proof").sentence
    assert "$.credentialSubject.achievement.@nest" in report.check("proof").sentence


@pytest.mark.parametrize("key", ["evidence", "description", "credentialSchema"])
def test_a_null_value_signs_as_no_key_and_is_refused(world: World, key: str) -> None:
    """A null is dropped by JSON-LD (the signature holds as if the key were absent) and never written by
    compaction; the checks would see the key present."""
    signed = signed_originals(world)
    rewritten = copy.deepcopy(signed.documents["vc2"])
    assert key not in rewritten
    rewritten[key] = None
    signature_holds(rewritten, resolver=suites.DidKeyResolver(), loader=world.loader)
    proof = signed.verify(rewritten).check("proof")
    assert (proof.status, proof.problem_type) == ("failed", PROOF_TRANSFORMATION_ERROR)
    assert f'"{key}" is null' in proof.sentence
    assert f"$.{key}" in proof.sentence


def test_a_null_in_an_array_is_refused(world: World) -> None:
    signed = signed_originals(world)
    rewritten = copy.deepcopy(signed.documents["vc2"])
    outcomes = rewritten["credentialSubject"]["achievement"]["learningOutcome"]
    outcomes.append(None)
    signature_holds(rewritten, resolver=suites.DidKeyResolver(), loader=world.loader)
    proof = signed.verify(rewritten).check("proof")
    assert (proof.status, proof.problem_type) == ("failed", PROOF_TRANSFORMATION_ERROR)
    assert f"$.credentialSubject.achievement.learningOutcome[{len(outcomes) - 1}]" in proof.sentence


VOCAB_CONTEXT = "https://contexts.test/elm-vocab"  # a test-only context with an @vocab, as some issuers use


def test_keys_under_vocab_are_accepted_unless_they_stand_for_a_term_iri(world: World) -> None:
    """A key that is no term expands through @vocab (none of the pinned contexts has one; the W3C examples context
    and some issuers' do). It is plain unless its IRI is a term's: with @vocab at the ELM namespace, "EQFLevel"
    means what the term "eqfLevel" means, so the EQF check would read nothing while the signature holds."""
    loader = offline_loader({VOCAB_CONTEXT: {"@context": {"@vocab": "http://data.europa.eu/snb/model/elm/"}}})
    credential = world.credential(eu=True)
    credential["@context"].append(VOCAB_CONTEXT)
    credential["credentialSubject"]["achievement"]["localCode"] = (
        "DCE-26"  # no term: ELM-namespace via @vocab
    )
    signed = suites.sign(credential, signer=world.issuer, loader=loader, created=CREATED)
    fetcher = world.web.fetcher()
    verifier = Verifier(document_loader=loader, fetcher=fetcher, resolver=DidResolver(fetcher))
    report = verifier.verify_credential(signed, now=NOW)
    assert report.check("proof").status == "passed", report.check("proof").sentence
    assert report.check("eu:M8").status == "passed", report.check("eu:M8").sentence

    rewritten = copy.deepcopy(signed)
    achievement = rewritten["credentialSubject"]["achievement"]
    achievement["EQFLevel"] = {"id": achievement.pop("eqfLevel")}
    signature_holds(rewritten, resolver=suites.DidKeyResolver(), loader=loader)
    proof = verifier.verify_credential(rewritten, now=NOW).check("proof")
    assert proof.problem_type == PROOF_TRANSFORMATION_ERROR
    assert 'the undefined key "EQFLevel" stands for the IRI of a term' in proof.sentence


def test_graph_wrapping_hides_the_proof_and_is_not_verified(world: World) -> None:
    """``{"@context", "@graph": [credential]}`` states the same credential triples, but the proof is no longer
    the document's: the proof check fails (no proof), so nothing of it is shown as verified."""
    signed = signed_originals(world)
    original = signed.documents["vc2"]
    wrapped_doc = {
        "@context": original["@context"],
        "@graph": [{k: v for k, v in original.items() if k != "@context"}],
    }
    report = signed.verify(wrapped_doc)
    assert report.check("proof").status == "failed"
    assert report.verified is False


@pytest.mark.parametrize("keyword", ["@graph", "@included", "@reverse", "@nest", "@id", "@type", "@index"])
def test_every_raw_keyword_in_a_node_is_named_in_the_refusal(world: World, keyword: str) -> None:
    """The rule, directly: whatever a keyword would mean there, the plain form has none in a node object."""
    document = signed_originals(world).documents["vc2"]
    problem = suites.plain_form_problem(
        {**document, "credentialSubject": {**document["credentialSubject"], keyword: {}}}
    )
    assert problem is not None
    assert f'"{keyword}"' in problem
    assert "$.credentialSubject." in problem
