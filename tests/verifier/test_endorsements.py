"""OB3 endorsements (EndorsementCredential on the credential, its achievement or its issuer): each verified like a
credential and reported in one ``endorsements`` check that never changes ``verified`` or the verdict."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from microcred.verifier.endorsements import MAX_ENDORSEMENTS, find_endorsements
from tests.verifier.factories import NOW, World, controller


def endorsement(world: World, subject: str, *, comment: str = "Meets the ESG standards") -> dict[str, Any]:
    """An EndorsementCredential signed by ``world.other`` (a quality agency's did:key)."""
    unsigned = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "id": "urn:uuid:5e1f6d1a-6a0e-4a8e-9d35-1f4e2b9c7a11",
        "name": "Quality agency endorsement",
        "issuer": {"id": controller(world.other), "type": ["Profile"], "name": "Quality Agency"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, "type": ["EndorsementSubject"], "endorsementComment": comment},
    }
    return world.sign(unsigned, world.other)


def endorsed(world: World, *endorsements: dict[str, Any]) -> dict[str, Any]:
    credential = world.credential()
    achievement = credential["credentialSubject"]["achievement"]
    achievement["endorsement"] = list(endorsements)
    return world.sign(credential)


def test_a_valid_endorsement_of_the_achievement_is_reported_and_changes_nothing_else(world: World) -> None:
    credential = world.credential()
    plain = world.verifier().verify_credential(world.sign(credential), now=NOW)
    report = world.verifier().verify_credential(
        endorsed(world, endorsement(world, credential["credentialSubject"]["achievement"]["id"])), now=NOW
    )
    check = report.check("endorsements")
    assert check.status == "passed", check.sentence
    assert check.sentence == (
        f"Quality Agency ({controller(world.other)}) endorses the achievement; the endorsement verifies."
    )
    assert check.value == [{"on": "achievement", "endorser": controller(world.other), "verified": True}]
    assert (report.verified, report.verdict) == (plain.verified, plain.verdict)
    with pytest.raises(KeyError):
        plain.check("endorsements")  # no endorsements: no check


def test_a_tampered_endorsement_fails_its_check_but_not_the_credential(world: World) -> None:
    good = endorsement(world, "urn:uuid:achievement")
    forged = copy.deepcopy(good)
    forged["credentialSubject"]["endorsementComment"] = "The best programme in Europe"
    report = world.verifier().verify_credential(endorsed(world, forged), now=NOW)
    check = report.check("endorsements")
    assert check.status == "failed"
    assert check.sentence.startswith(
        f"The endorsement of the achievement by Quality Agency ({controller(world.other)}) does not verify:"
    )
    assert report.verified is True  # the credential itself is sound: endorsements are information about it
    assert {"check": "endorsements", "message": check.sentence} in report.vc_api()["warnings"]


def test_endorsements_are_found_on_the_credential_the_achievement_and_the_issuer(world: World) -> None:
    credential = world.credential()
    credential["endorsement"] = [{"id": "a"}]
    credential["credentialSubject"]["achievement"]["endorsementJwt"] = ["x.y.z"]
    credential["issuer"] = {"id": controller(world.issuer), "type": ["Profile"], "endorsement": [{"id": "b"}]}
    assert [(e.on, e.value) for e in find_endorsements(credential)] == [
        ("credential", {"id": "a"}),
        ("achievement", "x.y.z"),
        ("issuer", {"id": "b"}),
    ]


def test_at_most_a_bounded_number_of_endorsements_are_checked(world: World) -> None:
    many = [endorsement(world, "urn:uuid:achievement")] * (MAX_ENDORSEMENTS + 1)
    check = world.verifier().verify_credential(endorsed(world, *many), now=NOW).check("endorsements")
    assert check.status == "not-checked"
    assert len(check.value) == MAX_ENDORSEMENTS
    assert (
        f"Only the first {MAX_ENDORSEMENTS} of {MAX_ENDORSEMENTS + 1} endorsements were checked."
        in check.sentence
    )
