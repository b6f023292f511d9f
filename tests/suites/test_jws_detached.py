"""Ed25519Signature2018 and EcdsaSecp256k1Signature2019 (detached JWS, b64:false): sign and verify, the key forms
they are published in (publicKeyBase58, publicKeyJwk, Multikey), and hostile inputs (other JWS headers, keys of
another algorithm, a proof moved to another document). Node interop for Ed25519Signature2018 is in
tests/interop/test_suites_interop.py."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import base58
import pytest
from joserfc import jws
from joserfc.jwk import ECKey, OKPKey

from microcred.contexts import DocumentLoader
from microcred.keys import EcdsaSigner, Ed25519Signer, Signer
from microcred.suites import StaticResolver, SuiteContext, sign, verify
from microcred.suites.jws_detached import create_verify_data
from microcred.vc.encodings import b64url_decode, b64url_encode
from tests.suites.factories import SEED

NOW = datetime(2025, 3, 1, tzinfo=UTC)
ISSUER = "did:web:legacy.example"
SECP_SECRET = bytes.fromhex("c85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4")


def ed_signer() -> Ed25519Signer:
    return Ed25519Signer.from_seed(SEED, verification_method=f"{ISSUER}#ed")


def secp_signer() -> EcdsaSigner:
    return EcdsaSigner.from_secret(SECP_SECRET, algorithm="secp256k1", verification_method=f"{ISSUER}#k1")


def issuer_document(**overrides: dict[str, Any]) -> dict[str, Any]:
    methods = {
        "ed": {
            "id": f"{ISSUER}#ed",
            "type": "Ed25519VerificationKey2018",
            "controller": ISSUER,
            "publicKeyBase58": base58.b58encode(ed_signer().public_key).decode(),
        },
        "k1": {
            "id": f"{ISSUER}#k1",
            "type": "EcdsaSecp256k1VerificationKey2019",
            "controller": ISSUER,
            "publicKeyJwk": secp_signer().public_key.jwk(),
        },
    }
    methods.update(overrides)
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": ISSUER,
        "verificationMethod": list(methods.values()),
        "assertionMethod": [m["id"] for m in methods.values()],
    }


def vc1(issuer: str = ISSUER) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "urn:uuid:0b5e2a4e-58f2-4d0b-9a43-9a6b7f1c1d11",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "issuanceDate": "2020-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }


CASES = [("Ed25519Signature2018", ed_signer, "EdDSA"), ("EcdsaSecp256k1Signature2019", secp_signer, "ES256K")]


@pytest.mark.parametrize(("suite", "make_signer", "alg"), CASES)
def test_sign_and_verify(suite: str, make_signer: Any, alg: str, loader: DocumentLoader) -> None:
    signer: Signer = make_signer()
    signed = sign(vc1(), signer=signer, loader=loader, created=NOW, suite=suite)
    protected, empty, signature = signed["proof"]["jws"].split(".")
    assert empty == ""
    assert json.loads(b64url_decode(protected)) == {"alg": alg, "b64": False, "crit": ["b64"]}
    assert len(b64url_decode(signature)) == 64
    assert "proofValue" not in signed["proof"]
    # credentials v1 defines the proof type, so no suite context is added
    assert signed["@context"] == ["https://www.w3.org/2018/credentials/v1"]
    resolver = StaticResolver({ISSUER: issuer_document()})
    assert verify(signed, resolver=resolver, loader=loader).verified

    altered = copy.deepcopy(signed)
    altered["credentialSubject"]["id"] = "did:example:someone-else"
    assert not verify(altered, resolver=resolver, loader=loader).verified
    moved = {**vc1(), "id": "urn:uuid:other", "proof": signed["proof"]}
    assert not verify(moved, resolver=resolver, loader=loader).verified


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "EdDSA", "b64": True, "crit": ["b64"]},
        {"alg": "EdDSA"},
        {"alg": "none", "b64": False, "crit": ["b64"]},
        {"alg": "EdDSA", "b64": False, "crit": ["b64"], "kid": "did:example:other#1"},
    ],
)
def test_other_jws_headers_are_refused(header: dict[str, Any], loader: DocumentLoader) -> None:
    signed = sign(vc1(), signer=ed_signer(), loader=loader, created=NOW, suite="Ed25519Signature2018")
    _, _, signature = signed["proof"]["jws"].split(".")
    signed["proof"]["jws"] = f"{b64url_encode(json.dumps(header).encode())}..{signature}"
    result = verify(signed, resolver=StaticResolver({ISSUER: issuer_document()}), loader=loader)
    assert not result.verified
    assert 'the "proof.jws" header must be' in (result.results[0].detail or "")


def test_an_attached_payload_is_refused(loader: DocumentLoader) -> None:
    signed = sign(vc1(), signer=ed_signer(), loader=loader, created=NOW, suite="Ed25519Signature2018")
    protected, _, signature = signed["proof"]["jws"].split(".")
    signed["proof"]["jws"] = f"{protected}.e30.{signature}"
    result = verify(signed, resolver=StaticResolver({ISSUER: issuer_document()}), loader=loader)
    assert not result.verified
    assert "detached" in (result.results[0].detail or "")


def test_keys_of_another_algorithm_are_refused(loader: DocumentLoader) -> None:
    """A secp256k1 key published as Ed25519VerificationKey2018, and an ES256K proof naming the Ed25519 key."""
    signed = sign(
        vc1(), signer=secp_signer(), loader=loader, created=NOW, suite="EcdsaSecp256k1Signature2019"
    )
    signed["proof"]["verificationMethod"] = f"{ISSUER}#ed"
    result = verify(signed, resolver=StaticResolver({ISSUER: issuer_document()}), loader=loader)
    assert not result.verified
    assert "has type 'Ed25519VerificationKey2018'" in (result.results[0].detail or "")

    p256 = EcdsaSigner.generate(algorithm="P-256", verification_method="-")
    mislabelled = issuer_document(
        k1={
            "id": f"{ISSUER}#k1",
            "type": "EcdsaSecp256k1VerificationKey2019",
            "controller": ISSUER,
            "publicKeyJwk": p256.public_key.jwk(),
        }
    )
    signed = sign(
        vc1(), signer=secp_signer(), loader=loader, created=NOW, suite="EcdsaSecp256k1Signature2019"
    )
    result = verify(signed, resolver=StaticResolver({ISSUER: mislabelled}), loader=loader)
    assert not result.verified
    assert "holds a P-256 key" in (result.results[0].detail or "")


def test_secp256k1_key_as_base58_verifies(loader: DocumentLoader) -> None:
    """publicKeyBase58 of an EcdsaSecp256k1VerificationKey2019 (the compressed point)."""
    signed = sign(
        vc1(), signer=secp_signer(), loader=loader, created=NOW, suite="EcdsaSecp256k1Signature2019"
    )
    base58_form = issuer_document(
        k1={
            "id": f"{ISSUER}#k1",
            "type": "EcdsaSecp256k1VerificationKey2019",
            "controller": ISSUER,
            "publicKeyBase58": base58.b58encode(bytes(secp_signer().public_key)).decode(),
        }
    )
    assert verify(signed, resolver=StaticResolver({ISSUER: base58_form}), loader=loader).verified


def test_high_s_secp256k1_signatures_verify_as_jws_allows(loader: DocumentLoader) -> None:
    """RFC 8812 (ES256K) does not require low S; our signer writes low S (what strict verifiers want) and the
    verifier accepts the equivalent high-S form, as Digital Bazaar's and most JOSE libraries do."""
    signed = sign(
        vc1(), signer=secp_signer(), loader=loader, created=NOW, suite="EcdsaSecp256k1Signature2019"
    )
    protected, _, signature = signed["proof"]["jws"].split(".")
    raw = b64url_decode(signature)
    order = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    s = int.from_bytes(raw[32:], "big")
    assert s <= order // 2
    high = raw[:32] + (order - s).to_bytes(32, "big")
    signed["proof"]["jws"] = f"{protected}..{b64url_encode(high)}"
    assert verify(signed, resolver=StaticResolver({ISSUER: issuer_document()}), loader=loader).verified


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")  # the 2018 suite's header says EdDSA, as it must
@pytest.mark.parametrize(("suite", "make_signer", "alg"), CASES)
def test_an_independent_jose_library_agrees_both_ways(
    suite: str, make_signer: Any, alg: str, loader: DocumentLoader
) -> None:
    """joserfc's EdDSA / ES256K verifies our ``proof.jws`` over RFC 7797's signing input (header, ".", the
    unencoded verify data), and its signature over the same input verifies here: the JWS layer of both suites is
    standard JOSE (joserfc cannot carry a non-UTF-8 unencoded payload itself, so its algorithm layer is used)."""
    signer = make_signer()
    signed = sign(vc1(), signer=signer, loader=loader, created=NOW, suite=suite)
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    options = {k: v for k, v in signed["proof"].items() if k != "jws"}
    verify_data = create_verify_data(unsecured, options, SuiteContext(loader=loader))
    key = (OKPKey if alg == "EdDSA" else ECKey).import_key(signer._key)
    algorithm = jws.JWSRegistry(algorithms=[alg]).get_alg(alg)
    protected, _, signature = signed["proof"]["jws"].split(".")
    signing_input = protected.encode("ascii") + b"." + verify_data
    assert algorithm.verify(signing_input, b64url_decode(signature), key)
    assert not algorithm.verify(signing_input[:-1] + b"\x00", b64url_decode(signature), key)

    theirs = f"{protected}..{b64url_encode(algorithm.sign(signing_input, key))}"
    resolver = StaticResolver({ISSUER: issuer_document()})
    assert verify(
        {**unsecured, "proof": {**options, "jws": theirs}}, resolver=resolver, loader=loader
    ).verified
