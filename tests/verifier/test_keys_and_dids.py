"""The verifier with the key types and identifiers real issuers use (issue 16, point 5): verification methods in
https controller documents (fetched through the guarded client; controller and assertionMethod checked; unreachable
means "not checked"), did:jwk issuers, and the warnings of keys and suites accepted with reservations."""

from __future__ import annotations

import json
from typing import Any

from microcred import suites
from microcred.keys import EcdsaSigner
from microcred.suites import eddsa_2022
from microcred.suites.eddsa_rdfc_2022 import create_eddsa_proof
from microcred.vc.encodings import b64url_encode
from microcred.verifier.credential import Verifier
from microcred.verifier.did import DidResolver
from microcred.verifier.trust import NoRegistry
from tests.verifier.factories import CREATED, NOW, World, ob3_credential

CONTROLLER = "https://issuer.example/issuers/1"
KEY = "https://issuer.example/keys/1"
SECRET = bytes.fromhex("6ba1e1bd5e9e1c7e9a1e06e8c0c6a5a4b8f4c1d2e3f405162738495a6b7c8d9e")


def https_signer() -> EcdsaSigner:
    return EcdsaSigner.from_secret(SECRET, algorithm="P-256", verification_method=KEY)


def publish_controller(world: World, *, listed: bool = True) -> None:
    world.web.put_json(
        KEY,
        {
            "@context": ["https://www.w3.org/ns/cid/v1"],
            "id": KEY,
            "type": "JsonWebKey",
            "controller": CONTROLLER,
            "publicKeyJwk": https_signer().public_key.jwk(),
        },
    )
    world.web.put_json(
        CONTROLLER,
        {
            "@context": ["https://www.w3.org/ns/cid/v1"],
            "id": CONTROLLER,
            "verificationMethod": [KEY],
            "assertionMethod": [KEY] if listed else [],
        },
    )


def signed_by_https_key(world: World) -> dict[str, Any]:
    return suites.sign(
        ob3_credential(CONTROLLER),
        signer=https_signer(),
        loader=world.loader,
        created=CREATED,
        suite="ecdsa-rdfc-2019",
    )


def test_a_key_in_an_https_controller_document_verifies(world: World) -> None:
    publish_controller(world)
    report = world.verifier().verify_credential(signed_by_https_key(world), now=NOW)
    check = report.check("proof")
    assert check.status == "passed", check.sentence
    assert KEY in check.sentence
    assert report.check("issuer").status == "passed"
    assert world.web.hits[KEY] == 1
    assert world.web.hits[CONTROLLER] == 1


def test_a_key_its_controller_does_not_list_under_assertion_method_fails(world: World) -> None:
    publish_controller(world, listed=False)
    check = world.verifier().verify_credential(signed_by_https_key(world), now=NOW).check("proof")
    assert check.status == "failed"
    assert 'is not listed under "assertionMethod"' in check.sentence


def test_an_unreachable_controller_document_is_not_checked(world: World) -> None:
    check = world.verifier().verify_credential(signed_by_https_key(world), now=NOW).check("proof")
    assert check.status == "not-checked", check.sentence


def test_a_did_jwk_issuer_verifies(world: World) -> None:
    key = EcdsaSigner.from_secret(SECRET, algorithm="P-256", verification_method="-")
    did = "did:jwk:" + b64url_encode(json.dumps(key.public_key.jwk()).encode())
    signer = EcdsaSigner.from_secret(SECRET, algorithm="P-256", verification_method=f"{did}#0")
    signed = suites.sign(
        ob3_credential(did), signer=signer, loader=world.loader, created=CREATED, suite="ecdsa-jcs-2019"
    )
    report = world.verifier().verify_credential(signed, now=NOW)
    assert report.check("proof").status == "passed", report.check("proof").sentence
    assert report.check("issuer").status == "passed"
    assert world.web.hits == {}  # nothing fetched


def test_the_outdated_eddsa_2022_name_is_verified_with_a_warning(world: World) -> None:
    credential = ob3_credential(world.issuer.verification_method.split("#", 1)[0])
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-2022",
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": world.issuer.verification_method,
        "proofPurpose": "assertionMethod",
    }
    proof = create_eddsa_proof(
        credential,
        options,
        world.issuer,
        suites.SuiteContext(loader=world.loader),
        transform=eddsa_2022.transformation,
        configure=eddsa_2022.proof_configuration,
    )
    check = world.verifier().verify_credential({**credential, "proof": proof}, now=NOW).check("proof")
    assert check.status == "passed"
    assert "Warning:" in check.sentence
    assert "pre-2023 draft name" in check.sentence


def test_a_did_ebsi_issuer_resolves_through_the_ebsi_did_registry(world: World) -> None:
    did = "did:ebsi:zvHWX359A3CvfJnCYaAiAde"
    registry = "https://api-pilot.ebsi.example/did-registry/v5"
    signer = EcdsaSigner.from_secret(SECRET, algorithm="P-256", verification_method=f"{did}#key-1")
    world.web.put_json(
        f"{registry}/identifiers/{did}",
        {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
            "id": did,
            "verificationMethod": [
                {
                    "id": f"{did}#key-1",
                    "type": "JsonWebKey2020",
                    "controller": did,
                    "publicKeyJwk": signer.public_key.jwk(),
                }
            ],
            "assertionMethod": [f"{did}#key-1"],
        },
    )
    signed = suites.sign(
        ob3_credential(did), signer=signer, loader=world.loader, created=CREATED, suite="ecdsa-rdfc-2019"
    )
    fetcher = world.web.fetcher()
    verifier = Verifier(
        document_loader=world.loader,
        fetcher=fetcher,
        resolver=DidResolver(fetcher, ebsi_registry=registry),
        trust=NoRegistry(),
    )
    report = verifier.verify_credential(signed, now=NOW)
    assert report.check("proof").status == "passed", report.check("proof").sentence
    assert report.check("issuer").status == "passed"
    # without a registry configured, did:ebsi is not resolved: not checked, never "altered"
    assert world.verifier().verify_credential(signed, now=NOW).check("proof").status == "not-checked"
