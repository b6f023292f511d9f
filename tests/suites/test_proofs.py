"""Proof semantics: purposes, challenge and domain, created/expires, key resolution, suites, proof sets."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from microcred.contexts import DocumentLoader
from microcred.keys import Ed25519Signer, did_key, did_key_document
from microcred.suites import (
    INVALID_CHALLENGE_ERROR,
    INVALID_DOMAIN_ERROR,
    PARSING_ERROR,
    PROOF_VERIFICATION_ERROR,
    SUITES,
    Budget,
    DidKeyResolver,
    StaticResolver,
    SuiteContext,
    sign,
    suite_for,
    verify,
)
from microcred.vc.errors import (
    CanonicalizationLimit,
    InvalidInput,
    NotFound,
    UnknownCryptosuite,
    UnsafeJsonLd,
)
from tests.suites.factories import Issuer, resolver_for

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SUITE_KEYS = [
    ("eddsa-rdfc-2022", "multikey"),
    ("Ed25519Signature2020", "key2020"),
    ("eddsa-jcs-2022", "multikey"),
]


@pytest.mark.parametrize(("suite", "key"), SUITE_KEYS)
def test_sign_and_verify_with_did_web_keys(
    suite: str, key: str, credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    signer = getattr(issuer, key)
    signed = sign(credential, signer=signer, loader=loader, created=NOW, suite=suite)
    assert signed["proof"]["created"] == "2025-03-01T12:00:00Z"
    assert signed["proof"]["proofPurpose"] == "assertionMethod"
    assert signed["proof"]["verificationMethod"] == signer.verification_method
    assert credential.get("proof") is None  # the input is not modified
    result = verify(signed, resolver=resolver_for(issuer), loader=loader)
    assert result.verified, result
    assert result.results[0].suite == suite
    assert result.controllers == (issuer.did,)


def test_ed25519_signature_2020_uses_the_published_2020_key_form(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    """The issuer's DID document lists each key also as Ed25519VerificationKey2020; that form is the one to use."""
    methods = {m["id"]: m["type"] for m in issuer.document["verificationMethod"]}
    assert methods[issuer.key2020.verification_method] == "Ed25519VerificationKey2020"
    assert issuer.key2020.verification_method in issuer.document["assertionMethod"]
    signed = sign(credential, signer=issuer.key2020, loader=loader, created=NOW, suite="Ed25519Signature2020")
    assert "https://w3id.org/security/suites/ed25519-2020/v1" in signed["@context"]
    # The Multikey form of the same key does not fit this suite.
    wrong = sign(credential, signer=issuer.multikey, loader=loader, created=NOW, suite="Ed25519Signature2020")
    result = verify(wrong, resolver=resolver_for(issuer), loader=loader)
    assert not result.verified
    assert "Ed25519VerificationKey2020" in (result.results[0].detail or "")


def test_eddsa_accepts_the_2020_key_form_of_the_same_key(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    signed = sign(credential, signer=issuer.key2020, loader=loader, created=NOW)
    assert verify(signed, resolver=resolver_for(issuer), loader=loader).verified


@pytest.mark.parametrize(("suite", "key"), SUITE_KEYS)
def test_tampered_documents_and_proofs_fail(
    suite: str, key: str, credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    signed = sign(credential, signer=getattr(issuer, key), loader=loader, created=NOW, suite=suite)
    tampered_document = copy.deepcopy(signed)
    tampered_document["credentialSubject"]["result"][0]["value"] = "A+"
    tampered_created = copy.deepcopy(signed)
    tampered_created["proof"]["created"] = "2025-03-01T12:00:01Z"
    tampered_value = copy.deepcopy(signed)
    value = tampered_value["proof"]["proofValue"]
    tampered_value["proof"]["proofValue"] = value[:-2] + ("2" if value[-2] != "2" else "3") + value[-1]
    for document in (tampered_document, tampered_created, tampered_value):
        result = verify(document, resolver=resolver_for(issuer), loader=loader)
        assert not result.verified
        assert result.results[0].problem_type == PROOF_VERIFICATION_ERROR


def test_key_not_listed_under_assertion_method_is_rejected(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    assert issuer.retired.verification_method not in issuer.document["assertionMethod"]
    signed = sign(credential, signer=issuer.retired, loader=loader, created=NOW)
    result = verify(signed, resolver=resolver_for(issuer), loader=loader)
    assert not result.verified
    assert 'not listed under "assertionMethod"' in (result.results[0].detail or "")


def test_key_missing_from_document_or_wrong_controller_is_rejected(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    stranger = Ed25519Signer.from_seed(bytes(32), verification_method=f"{issuer.did}#key-9")
    signed = sign(credential, signer=stranger, loader=loader, created=NOW)
    result = verify(signed, resolver=resolver_for(issuer), loader=loader)
    assert "is not in its controller's document" in (result.results[0].detail or "")

    document = copy.deepcopy(issuer.document)
    document["verificationMethod"][0]["controller"] = "did:web:other.example"
    signed = sign(credential, signer=issuer.multikey, loader=loader, created=NOW)
    result = verify(signed, resolver=StaticResolver({issuer.did: document}), loader=loader)
    assert not result.verified
    assert '"controller"' in (result.results[0].detail or "")


def test_resolved_document_must_be_the_controllers(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    signed = sign(credential, signer=issuer.multikey, loader=loader, created=NOW)
    impostor = {**issuer.document, "id": "did:web:evil.example"}
    result = verify(signed, resolver=StaticResolver({issuer.did: impostor}), loader=loader)
    assert not result.verified


def test_unresolvable_key_fails(credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer) -> None:
    signed = sign(credential, signer=issuer.multikey, loader=loader, created=NOW)
    result = verify(signed, resolver=StaticResolver({}), loader=loader)
    assert not result.verified
    assert "no DID document" in (result.results[0].detail or "")


def test_non_ed25519_public_key_is_rejected(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    document = copy.deepcopy(issuer.document)
    document["verificationMethod"][0]["publicKeyMultibase"] = (
        "zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76"
    )
    signed = sign(credential, signer=issuer.multikey, loader=loader, created=NOW)
    result = verify(signed, resolver=StaticResolver({issuer.did: document}), loader=loader)
    assert not result.verified
    assert "holds a P-256 key; this proof needs Ed25519" in (result.results[0].detail or "")


def test_did_key_signatures_verify_offline_for_both_suites(
    credential: dict[str, Any], loader: DocumentLoader
) -> None:
    seed = bytes(range(5, 37))
    public = Ed25519Signer.from_seed(seed, verification_method="x").public_key_multibase
    signer = Ed25519Signer.from_seed(seed, verification_method=f"{did_key(public)}#{public}")
    for suite in ("eddsa-rdfc-2022", "Ed25519Signature2020"):
        signed = sign(credential, signer=signer, loader=loader, created=NOW, suite=suite)
        assert verify(signed, resolver=DidKeyResolver(), loader=loader).verified
        assert verify(
            signed, resolver=DidKeyResolver(key_type="Ed25519VerificationKey2020"), loader=loader
        ).verified
    assert did_key_document(did_key(public))["assertionMethod"] == [signer.verification_method]


# --- purposes, challenge, domain ------------------------------------------------------------------------------


def presentation(credential: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": "did:web:uni.example",
        "verifiableCredential": [credential],
    }


@pytest.mark.parametrize(("suite", "key"), SUITE_KEYS)
def test_authentication_with_challenge_and_domain(
    suite: str, key: str, credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    signed_vc = sign(credential, signer=issuer.multikey, loader=loader, created=NOW)
    vp = sign(
        presentation(signed_vc),
        signer=getattr(issuer, key),
        loader=loader,
        created=NOW,
        suite=suite,
        purpose="authentication",
        challenge="c-123",
        domain="verifier.example",
    )
    resolver = resolver_for(issuer)
    ok = verify(
        vp,
        resolver=resolver,
        loader=loader,
        purpose="authentication",
        challenge="c-123",
        domain="verifier.example",
    )
    assert ok.verified, ok

    wrong_challenge = verify(
        vp, resolver=resolver, loader=loader, purpose="authentication", challenge="c-999"
    )
    assert wrong_challenge.results[0].problem_type == INVALID_CHALLENGE_ERROR
    wrong_domain = verify(
        vp,
        resolver=resolver,
        loader=loader,
        purpose="authentication",
        challenge="c-123",
        domain="evil.example",
    )
    assert wrong_domain.results[0].problem_type == INVALID_DOMAIN_ERROR
    # An authentication proof is not an assertion, and vice versa.
    as_assertion = verify(vp, resolver=resolver, loader=loader)
    assert not as_assertion.verified
    assert "proofPurpose" in (as_assertion.results[0].detail or "")
    as_auth = verify(signed_vc, resolver=resolver, loader=loader, purpose="authentication", challenge="c-123")
    assert not as_auth.verified


def test_challenge_in_proof_is_signed(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    vp = sign(
        presentation(credential),
        signer=issuer.multikey,
        loader=loader,
        created=NOW,
        purpose="authentication",
        challenge="a",
    )
    vp["proof"]["challenge"] = "b"
    result = verify(vp, resolver=resolver_for(issuer), loader=loader, purpose="authentication", challenge="b")
    assert not result.verified
    assert result.results[0].problem_type == PROOF_VERIFICATION_ERROR


def test_authentication_key_must_be_listed_under_authentication(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    document = copy.deepcopy(issuer.document)
    document["authentication"] = []
    vp = sign(
        presentation(credential),
        signer=issuer.multikey,
        loader=loader,
        created=NOW,
        purpose="authentication",
        challenge="a",
    )
    result = verify(
        vp,
        resolver=StaticResolver({issuer.did: document}),
        loader=loader,
        purpose="authentication",
        challenge="a",
    )
    assert 'not listed under "authentication"' in (result.results[0].detail or "")


def test_authentication_without_expected_challenge_is_misuse(
    credential: dict[str, Any], loader: DocumentLoader
) -> None:
    with pytest.raises(InvalidInput, match="challenge"):
        verify(credential, resolver=DidKeyResolver(), loader=loader, purpose="authentication")
    with pytest.raises(InvalidInput, match='"purpose" must be one of'):
        verify(credential, resolver=DidKeyResolver(), loader=loader, purpose="keyAgreement")


# --- created, expires ---------------------------------------------------------------------------------------------


def test_created_must_be_timezone_aware_and_valid(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    with pytest.raises(InvalidInput, match="timezone"):
        sign(credential, signer=issuer.multikey, loader=loader, created=datetime(2025, 1, 1))
    signed = sign(credential, signer=issuer.multikey, loader=loader, created=NOW + timedelta(microseconds=5))
    assert signed["proof"]["created"] == "2025-03-01T12:00:00Z"
    signed["proof"]["created"] = "yesterday"
    result = verify(signed, resolver=resolver_for(issuer), loader=loader)
    assert not result.verified
    assert "dateTime" in (result.results[0].detail or "")


def test_expired_proof_fails_when_a_clock_is_given(
    credential: dict[str, Any], loader: DocumentLoader
) -> None:
    signer = Ed25519Signer.from_seed(bytes(range(32)), verification_method="x")
    public = signer.public_key_multibase
    signer = Ed25519Signer.from_seed(bytes(range(32)), verification_method=f"did:key:{public}#{public}")
    signed = sign(credential, signer=signer, loader=loader, created=NOW)
    signed["proof"]["expires"] = (
        "2025-06-01T00:00:00Z"  # not signed: the proof fails anyway, but expiry first
    )
    result = verify(signed, resolver=DidKeyResolver(), loader=loader, now=NOW + timedelta(days=365))
    assert "expired" in (result.results[0].detail or "")


# --- suites, proof sets, shape --------------------------------------------------------------------------------


def test_registry_dispatches_on_exact_pairs() -> None:
    assert set(SUITES) == {
        ("DataIntegrityProof", "eddsa-rdfc-2022"),
        ("DataIntegrityProof", "eddsa-jcs-2022"),
        ("Ed25519Signature2020", None),
        ("DataIntegrityProof", "ecdsa-rdfc-2019"),
        ("DataIntegrityProof", "ecdsa-jcs-2019"),
        ("DataIntegrityProof", "ecdsa-sd-2023"),
        ("DataIntegrityProof", "eddsa-2022"),
        ("Ed25519Signature2018", None),
        ("EcdsaSecp256k1Signature2019", None),
    }
    for name in (
        "eddsa-rdfc-2022",
        "eddsa-jcs-2022",
        "ecdsa-rdfc-2019",
        "ecdsa-jcs-2019",
        "ecdsa-sd-2023",
        "eddsa-2022",
    ):
        assert suite_for({"type": "DataIntegrityProof", "cryptosuite": name}).name == name
    for legacy in ("Ed25519Signature2018", "EcdsaSecp256k1Signature2019"):
        assert suite_for({"type": legacy}).name == legacy
    for proof in (
        {"type": "DataIntegrityProof", "cryptosuite": "bbs-2023"},
        {"type": "DataIntegrityProof", "cryptosuite": "ecdsa-2019"},
        {"type": "DataIntegrityProof"},
        {"type": "Ed25519Signature2020", "cryptosuite": "eddsa-rdfc-2022"},
        {"type": "Ed25519Signature2018", "cryptosuite": "eddsa-rdfc-2022"},
        {"type": "EcdsaSecp256r1Signature2019"},
    ):
        with pytest.raises(UnknownCryptosuite, match="supported"):
            suite_for(proof)


def test_unknown_cryptosuite_is_a_clear_error(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    signed = sign(credential, signer=issuer.multikey, loader=loader, created=NOW)
    signed["proof"]["cryptosuite"] = "bbs-2023"
    with pytest.raises(UnknownCryptosuite, match='"bbs-2023" is not supported'):
        verify(signed, resolver=resolver_for(issuer), loader=loader)
    with pytest.raises(UnknownCryptosuite, match="bbs-2023"):
        sign(credential, signer=issuer.multikey, loader=loader, created=NOW, suite="bbs-2023")


def test_signing_a_signed_document_makes_a_proof_set(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    once = sign(credential, signer=issuer.multikey, loader=loader, created=NOW)
    twice = sign(once, signer=issuer.key2020, loader=loader, created=NOW, suite="Ed25519Signature2020")
    assert isinstance(twice["proof"], list)
    assert [p["type"] for p in twice["proof"]] == ["DataIntegrityProof", "Ed25519Signature2020"]
    result = verify(twice, resolver=resolver_for(issuer), loader=loader)
    assert result.verified, result
    assert [r.suite for r in result.results] == ["eddsa-rdfc-2022", "Ed25519Signature2020"]


def test_vc_1_1_document_gets_the_data_integrity_context(loader: DocumentLoader, issuer: Issuer) -> None:
    document = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": issuer.did,
        "issuanceDate": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    signed = sign(document, signer=issuer.multikey, loader=loader, created=NOW)
    assert signed["@context"][-1] == "https://w3id.org/security/data-integrity/v2"
    assert verify(signed, resolver=resolver_for(issuer), loader=loader).verified


def test_documents_without_or_with_malformed_proofs(
    credential: dict[str, Any], loader: DocumentLoader
) -> None:
    none = verify(credential, resolver=DidKeyResolver(), loader=loader)
    assert not none.verified
    assert none.results == ()
    assert "no" in (none.detail or "")
    bad = verify({**credential, "proof": ["text"]}, resolver=DidKeyResolver(), loader=loader)
    assert bad.results[0].problem_type == PARSING_ERROR
    missing = verify(
        {**credential, "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}},
        resolver=DidKeyResolver(),
        loader=loader,
    )
    assert "verificationMethod" in (missing.results[0].detail or "")
    untyped = verify({**credential, "proof": {"proofValue": "z1"}}, resolver=DidKeyResolver(), loader=loader)
    assert untyped.results[0].problem_type == PROOF_VERIFICATION_ERROR
    assert '"proof.type"' in (untyped.results[0].detail or "")
    short = verify(
        {
            **credential,
            "proof": {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "verificationMethod": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
                "proofPurpose": "assertionMethod",
                "proofValue": "uAAAA",
            },
        },
        resolver=DidKeyResolver(),
        loader=loader,
    )
    assert "base58btc" in (short.results[0].detail or "")
    with pytest.raises(InvalidInput):
        verify("not a document", resolver=DidKeyResolver(), loader=loader)  # type: ignore[arg-type]


def test_resolver_errors_other_than_not_found_propagate(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    """A resolver outage is not a bad credential: the caller sees it and can report "could not check"."""

    class Down:
        def resolve(self, did_or_url: str) -> dict[str, Any]:
            raise TimeoutError("resolver down")

    signed = sign(credential, signer=issuer.multikey, loader=loader, created=NOW)
    with pytest.raises(TimeoutError):
        verify(signed, resolver=Down(), loader=loader)
    assert issubclass(NotFound, LookupError)


def credential_with_equal_list_values(credential: dict[str, Any]) -> dict[str, Any]:
    credential["credentialSubject"]["achievement"]["resultDescription"] = [
        {
            "id": "urn:uuid:8d3c7d8c-2a1e-4bb0-9b0e-3f1c2a3b4c5d",
            "type": ["ResultDescription"],
            "name": "Grade",
            "resultType": "LetterGrade",
            "allowedValue": ["pass", "pass", "pass", "pass"],
        }
    ]
    return credential


def test_signing_refuses_what_jsonld_js_verifiers_could_not_canonicalize(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    document = credential_with_equal_list_values(credential)
    with pytest.raises(CanonicalizationLimit, match=r"jsonld\.js"):
        sign(document, signer=issuer.multikey, loader=loader, created=NOW)
    # Verification keeps the more generous default budget (such documents are not poison).
    signed = sign(document, signer=issuer.multikey, loader=loader, created=NOW, budget=Budget())
    assert verify(signed, resolver=resolver_for(issuer), loader=loader).verified


def test_poisoned_credential_fails_verification_quickly(loader: DocumentLoader, issuer: Issuer) -> None:
    """A signed clique of blank nodes (JSON-LD @graph with explicit blank node ids): refused, not hung on."""
    size = 7
    nodes = [
        {"@id": f"_:n{i}", "https://schema.org/knows": [{"@id": f"_:n{j}"} for j in range(size) if j != i]}
        for i in range(size)
    ]
    document = {"@context": ["https://www.w3.org/ns/credentials/v2"], "@graph": nodes}
    with pytest.raises(CanonicalizationLimit):
        sign(document, signer=issuer.multikey, loader=loader, created=NOW)
    document["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-03-01T12:00:00Z",
        "verificationMethod": issuer.multikey.verification_method,
        "proofPurpose": "assertionMethod",
        "proofValue": "z" + "1" * 64,  # 64 zero bytes: well-formed, wrong
    }
    started = time.process_time()
    result = verify(document, resolver=resolver_for(issuer), loader=loader)
    assert time.process_time() - started < 1.0
    assert not result.verified
    assert result.results[0].problem_type == CanonicalizationLimit.problem_type


def test_eddsa_jcs_2022_refuses_lossy_json_ld_like_the_rdfc_suites(
    credential: dict[str, Any], loader: DocumentLoader, issuer: Issuer
) -> None:
    """JCS signs JSON text, but a term no context defines is still never signed or verified (issue 4, point 5)."""
    lossy = {**credential, "undefinedTerm": "dropped by JSON-LD expansion"}
    with pytest.raises(UnsafeJsonLd, match="undefinedTerm"):
        sign(lossy, signer=issuer.multikey, loader=loader, created=NOW, suite="eddsa-jcs-2022")
    # a proof made over the lossy document by the suite itself, skipping sign()'s checks, does not verify
    signed = sign(credential, signer=issuer.multikey, loader=loader, created=NOW, suite="eddsa-jcs-2022")
    suite = suite_for(signed["proof"])
    options = {k: v for k, v in signed["proof"].items() if k not in ("proofValue", "@context")}
    with pytest.raises(UnsafeJsonLd):
        suite.create_proof(lossy, options, issuer.multikey, SuiteContext(loader=loader))
    forged = {**lossy, "proof": signed["proof"]}
    result = verify(forged, resolver=resolver_for(issuer), loader=loader)
    assert not result.verified
    assert "undefinedTerm" in (result.results[0].detail or "")
