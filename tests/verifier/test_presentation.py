"""Presentations: holder proof with challenge and domain, each credential verified, holder-is-subject reported."""

from __future__ import annotations

from typing import Any

import pytest

from microcred.verifier.presentation import verify_presentation
from tests.verifier.factories import NOW, World, controller, key_signer

HOLDER_SEED = bytes(range(100, 132))


def presentation(
    world: World,
    credentials: list[Any],
    *,
    holder: str,
    challenge: str = "c-123",
    domain: str = "verifier.example",
    signer=None,
) -> dict[str, Any]:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": credentials,
    }
    return world.sign(
        vp, signer or key_signer(HOLDER_SEED), purpose="authentication", challenge=challenge, domain=domain
    )


def credential_for(world: World, subject: str, *, number: int = 1) -> dict[str, Any]:
    credential = world.credential()
    credential["id"] = f"urn:uuid:5f0c1c4e-0000-4000-8000-00000000000{number}"
    credential["credentialSubject"]["id"] = subject
    credential["credentialSubject"]["achievement"]["id"] = f"https://issuer.example/achievements/{number}"
    credential["credentialSubject"]["achievement"]["name"] = f"Achievement {number}"
    return world.sign(credential)


def test_holder_proof_and_credentials_verify_and_holder_is_subject(world: World) -> None:
    holder = controller(key_signer(HOLDER_SEED))
    vp = presentation(world, [credential_for(world, holder)], holder=holder)
    report = verify_presentation(
        vp, verifier=world.verifier(), now=NOW, challenge="c-123", domain="verifier.example"
    )
    statuses = {c.id: c.status for c in report.checks}
    assert statuses["holderProof"] == "passed"
    assert statuses["holder"] == "passed"
    assert report.holder_is_subject is True
    assert report.verified is True
    assert report.credentials[0].verified is True
    view = report.as_json()
    assert "verifiableCredential[0].proof" in view["checks"]


@pytest.mark.parametrize(("challenge", "domain"), [("other", "verifier.example"), ("c-123", "evil.example")])
def test_wrong_challenge_or_domain_fails(world: World, challenge: str, domain: str) -> None:
    holder = controller(key_signer(HOLDER_SEED))
    vp = presentation(world, [credential_for(world, holder)], holder=holder)
    report = verify_presentation(vp, verifier=world.verifier(), now=NOW, challenge=challenge, domain=domain)
    check = next(c for c in report.checks if c.id == "holderProof")
    assert check.status == "failed"
    assert check.problem_type.endswith("CHALLENGE_ERROR" if challenge != "c-123" else "DOMAIN_ERROR")
    assert report.verified is False


def test_without_a_challenge_the_holder_proof_is_not_checked(world: World) -> None:
    holder = controller(key_signer(HOLDER_SEED))
    vp = presentation(world, [credential_for(world, holder)], holder=holder)
    report = verify_presentation(vp, verifier=world.verifier(), now=NOW, challenge=None)
    assert next(c for c in report.checks if c.id == "holderProof").status == "not-checked"
    assert report.verified is False


def test_presentation_signed_by_someone_other_than_the_holder(world: World) -> None:
    holder = controller(key_signer(HOLDER_SEED))
    vp = presentation(world, [credential_for(world, holder)], holder=holder, signer=world.other)
    report = verify_presentation(
        vp, verifier=world.verifier(), now=NOW, challenge="c-123", domain="verifier.example"
    )
    assert next(c for c in report.checks if c.id == "holder").status == "failed"
    assert report.verified is False


def test_holder_not_the_subject_is_reported(world: World) -> None:
    holder = controller(key_signer(HOLDER_SEED))
    vp = presentation(world, [credential_for(world, "did:example:someone-else")], holder=holder)
    report = verify_presentation(
        vp, verifier=world.verifier(), now=NOW, challenge="c-123", domain="verifier.example"
    )
    assert report.holder_is_subject is False
    assert next(c for c in report.checks if c.id == "holderIsSubject").status == "failed"
    assert report.credentials[0].verified is True


def test_a_bad_contained_credential_makes_the_presentation_unverified(world: World) -> None:
    holder = controller(key_signer(HOLDER_SEED))
    bad = credential_for(world, holder, number=2)
    bad["credentialSubject"]["achievement"]["description"] = "Something else"
    vp = presentation(world, [credential_for(world, holder), bad], holder=holder)
    report = verify_presentation(
        vp, verifier=world.verifier(), now=NOW, challenge="c-123", domain="verifier.example"
    )
    assert [r.verified for r in report.credentials] == [True, False]
    assert report.verified is False
    assert report.verdict == "not valid"
    assert any(e.get("credential") == 1 for e in report.vc_api()["errors"])


def test_enveloped_vc_jwt_inside_a_presentation(world: World) -> None:
    import json

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from microcred.vc.encodings import b64url_encode

    holder = controller(key_signer(HOLDER_SEED))
    credential = world.credential()
    credential["credentialSubject"]["id"] = holder
    payload = {**credential, "iss": controller(world.issuer), "jti": credential["id"], "sub": holder}
    header = {"alg": "EdDSA", "kid": world.issuer.verification_method}
    signing_input = (
        b64url_encode(json.dumps(header).encode()) + "." + b64url_encode(json.dumps(payload).encode())
    )
    jws = (
        signing_input
        + "."
        + b64url_encode(Ed25519PrivateKey.from_private_bytes(bytes(range(32))).sign(signing_input.encode()))
    )
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+jwt," + jws,
    }
    vp = presentation(world, [enveloped], holder=holder)
    report = verify_presentation(
        vp, verifier=world.verifier(), now=NOW, challenge="c-123", domain="verifier.example"
    )
    assert report.credentials[0].format == "jwt"
    assert report.credentials[0].verified
    assert report.holder_is_subject is True
    assert report.verified
