"""What is checked is what is signed, beyond a credential on its own: status list credentials the verifier
fetches, presentations (the VP and each credential in it), OB3 endorsements, a credential inside a VC-JWT, and
the signed registry exports the trust check reads."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from microcred import suites
from microcred.vc.encodings import b64url_decode, b64url_encode
from microcred.verifier.presentation import verify_presentation
from tests.verifier.factories import (
    EXPORT_URL,
    NOW,
    STATUS_URL,
    World,
    controller,
    eddsa,
    encode,
    key_signer,
    listed,
    ob3_payload,
    publish,
    status_entry,
    status_list,
)
from tests.verifier.factories import verify as verify_with_registry

from .signed_rewrites import (
    PROOF_TRANSFORMATION_ERROR,
    full_iri,
    keyword_id_type,
    nest,
    signature_holds,
    signed_originals,
    value_object,
    wrapped,
)

Doc = dict[str, Any]
REVOKED_INDEX = 94567
HOLDER = key_signer(bytes(range(100, 132)))


def _revoked_credential(world: World) -> Doc:
    world.publish_status(status_list(controller(world.issuer), set_bits=(REVOKED_INDEX,)))
    credential = world.credential()
    credential["credentialStatus"] = status_entry(REVOKED_INDEX)
    credential["credentialSubject"]["id"] = controller(HOLDER)
    return world.sign(credential)


def _refused(check: Any) -> None:
    assert check.status == "failed"
    assert check.problem_type == PROOF_TRANSFORMATION_ERROR
    assert "not in the plain form" in check.sentence


# --- status list credentials ---------------------------------------------------------------------------------

LIST_REWRITES = {
    "validUntil as its full IRI": lambda d: full_iri(d, (), "validUntil"),
    "validUntil under @nest": lambda d: nest(d, (), "validUntil"),
    "validUntil as a value object": lambda d: value_object(d, (), "validUntil"),
    "encodedList as its full IRI": lambda d: full_iri(d, ("credentialSubject",), "encodedList"),
    "statusPurpose under @nest": lambda d: nest(d, ("credentialSubject",), "statusPurpose"),
    "statusPurpose in an array": lambda d: wrapped(d, ("credentialSubject",), "statusPurpose"),
    "credentialSubject under @nest": lambda d: nest(d, (), "credentialSubject"),
    "the list's id and type as @id and @type": lambda d: keyword_id_type(d, ()),
}


@pytest.mark.parametrize("name", sorted(LIST_REWRITES))
def test_a_rewritten_status_list_is_not_read(world: World, name: str) -> None:
    """A stale list (expired before the revocation was published) served again with its validUntil hidden was
    read as current, so the revoked credential passed; now any rewritten list fails the status check."""
    issuer = controller(world.issuer)
    stale = world.sign(
        status_list(issuer, validUntil=(NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    )
    rewritten = LIST_REWRITES[name](stale)
    signature_holds(rewritten, resolver=suites.DidKeyResolver(), loader=world.loader)
    world.web.put_json(STATUS_URL, rewritten)
    credential = world.credential()
    credential["credentialStatus"] = status_entry(REVOKED_INDEX)
    report = world.verifier().verify_credential(world.sign(credential), now=NOW)
    status = report.check("status")
    assert status.status == "failed", status.sentence
    assert report.verified is False
    if "@type" in name:
        # read before the proof, "type" only ever refuses: hidden, the list is not a BitstringStatusListCredential
        assert 'is not a "BitstringStatusListCredential"' in status.sentence
    else:
        assert "has no valid proof" in status.sentence
        assert "not in the plain form" in status.sentence


def test_the_stale_list_itself_is_refused_as_expired(world: World) -> None:
    """The baseline: the same list unrewritten is refused for its date, not for its form."""
    stale = world.sign(
        status_list(
            controller(world.issuer), validUntil=(NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    )
    world.web.put_json(STATUS_URL, stale)
    credential = world.credential()
    credential["credentialStatus"] = status_entry(REVOKED_INDEX)
    report = world.verifier().verify_credential(world.sign(credential), now=NOW)
    assert "expired at" in report.check("status").sentence
    assert "plain form" not in report.check("status").sentence


# --- presentations -------------------------------------------------------------------------------------------


def _vp(world: World, credentials: list[Doc], **extra: Any) -> Doc:
    vp: Doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": controller(HOLDER),
        "verifiableCredential": credentials,
        **extra,
    }
    return world.sign(vp, HOLDER, purpose="authentication", challenge="c-1", domain="verifier.example")


def _verify_vp(world: World, vp: Doc) -> Any:
    return verify_presentation(
        vp, verifier=world.verifier(), now=NOW, challenge="c-1", domain="verifier.example"
    )


def test_a_presentation_of_a_genuine_revoked_credential_is_not_verified(world: World) -> None:
    report = _verify_vp(world, _vp(world, [_revoked_credential(world)]))
    assert {c.id: c.status for c in report.checks}["holderProof"] == "passed"
    assert report.credentials[0].check("status").status == "failed"
    assert report.verified is False


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda c: full_iri(c, (), "credentialStatus"),
        lambda c: nest(c, (), "credentialStatus"),
        lambda c: keyword_id_type(c, ("credentialStatus",)),
    ],
    ids=["credentialStatus as its full IRI", "credentialStatus under @nest", "the entry's @id and @type"],
)
def test_a_holder_who_rewrites_the_credential_inside_a_presentation_gets_nothing(
    world: World, rewrite: Any
) -> None:
    """The holder signs the presentation over the rewritten credential: the credential's own proof still
    verifies, but both the presentation and the credential are refused for their form."""
    rewritten = rewrite(_revoked_credential(world))
    signature_holds(rewritten, resolver=suites.DidKeyResolver(), loader=world.loader)
    report = _verify_vp(world, _vp(world, [rewritten]))
    _refused(next(c for c in report.checks if c.id == "holderProof"))
    _refused(report.credentials[0].check("proof"))
    assert report.credentials[0].verified is False
    assert report.verified is False
    assert report.verdict == "not valid"


def test_a_presentation_rewritten_after_the_holder_signed_it_is_refused(world: World) -> None:
    vp = _vp(world, [_revoked_credential(world)])
    rewritten = full_iri(vp, (), "holder")
    signature_holds(
        rewritten,
        resolver=suites.DidKeyResolver(),
        loader=world.loader,
        purpose="authentication",
        challenge="c-1",
        domain="verifier.example",
    )
    report = _verify_vp(world, rewritten)
    _refused(next(c for c in report.checks if c.id == "holderProof"))
    assert report.verified is False


# --- endorsements --------------------------------------------------------------------------------------------


def test_a_rewritten_endorsement_is_refused_inside_and_on_its_own(world: World) -> None:
    signed = signed_originals(world)
    original = signed.documents["vc2"]
    endorsement_path = ("credentialSubject", "achievement", "endorsement", 0)
    rewritten = nest(original, endorsement_path, "issuer")
    signature_holds(rewritten, resolver=suites.DidKeyResolver(), loader=world.loader)
    report = signed.verify(rewritten)
    _refused(report.check("proof"))
    assert report.verified is False
    endorsement = rewritten["credentialSubject"]["achievement"]["endorsement"][0]
    signature_holds(endorsement, resolver=suites.DidKeyResolver(), loader=world.loader)
    alone = world.verifier().verify_credential(endorsement, now=NOW)
    _refused(alone.check("proof"))
    # the refused credential's endorsements are not followed at all (nothing is fetched for an unverified document)
    assert "endorsements" not in {check.id for check in report.checks}


def test_hiding_the_endorsement_key_is_refused(world: World) -> None:
    signed = signed_originals(world)
    rewritten = full_iri(signed.documents["vc2"], ("credentialSubject", "achievement"), "endorsement")
    signature_holds(rewritten, resolver=suites.DidKeyResolver(), loader=world.loader)
    _refused(signed.verify(rewritten).check("proof"))


# --- a credential inside a VC-JWT ----------------------------------------------------------------------------


def test_a_rewritten_credential_wrapped_in_someone_elses_jwt_is_not_verified(world: World) -> None:
    """The JWT signs its bytes, so its JSON is what is signed; but a JWT by another key around a rewritten
    issuer-signed credential must not borrow the embedded proof for the issuer."""
    rewritten = full_iri(_revoked_credential(world), (), "credentialStatus")
    other_seed = bytes(range(1, 33))
    jws = encode(
        {"alg": "EdDSA", "kid": world.other.verification_method, "typ": "JWT"},
        {**ob3_payload(rewritten), "iss": controller(world.other)},
        eddsa(other_seed),
    )
    report = world.verifier().verify_jwt(jws, now=NOW)
    assert report.verified is False
    assert report.check("issuer").status != "passed"


# --- signed registry exports ---------------------------------------------------------------------------------


def _reencoded(jws: str, change: Any) -> str:
    header, payload, signature = jws.split(".")
    document = json.loads(b64url_decode(payload))
    return f"{header}.{b64url_encode(json.dumps(change(document)).encode())}.{signature}"


EXPORT_REWRITES = {
    "an entry's dids under @nest": lambda d: {
        **d,
        "entries": [
            {**{k: v for k, v in e.items() if k != "dids"}, "@nest": {"dids": e["dids"]}}
            for e in d["entries"]
        ],
    },
    "validUntil as an IRI": lambda d: {
        ("https://www.w3.org/2018/credentials#validUntil" if k == "validUntil" else k): v
        for k, v in d.items()
    },
    "the same JSON, keys reordered": lambda d: dict(reversed(list(d.items()))),
    "the same JSON, with an @context": lambda d: {"@context": "https://www.w3.org/ns/credentials/v2", **d},
}


@pytest.mark.parametrize("name", sorted(EXPORT_REWRITES))
def test_a_rewritten_registry_export_is_not_read(world: World, name: str) -> None:
    """The export is a JWS over its bytes: the trust check reads exactly the signed JSON, so any rewrite (even
    one a JSON-LD processor would call equivalent) leaves the signature invalid and the registry unused."""
    jws = publish(world, [listed(world)])
    assert verify_with_registry(world).trusted is True
    world.web.pages[EXPORT_URL] = (
        200,
        _reencoded(jws, EXPORT_REWRITES[name]).encode(),
        {"content-type": "application/jose"},
    )
    report = verify_with_registry(world)
    assert report.trusted is None
    assert "signature is invalid" in report.check("trust").sentence
