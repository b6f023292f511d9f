"""A DCC-format known-issuer registry (digitalcredentials/issuer-registry registry.json) as a trust source."""

from __future__ import annotations

import json
from pathlib import Path

from microcred.verifier.trust_policy import TrustSource, build_trust
from tests.verifier.factories import NOW, World, controller

URL = "https://registry.example/registry.json"


def dcc(did: str) -> dict[str, object]:
    """The shape of digitalcredentials/issuer-registry registry.json (meta + registry map keyed by DID)."""
    return {
        "meta": {"created": "2020-12-02T02:32:16+0000", "updated": "2022-05-25T12:40:00+0000"},
        "registry": {
            did: {"name": "University of Zed", "location": "Dublin, Ireland", "url": "https://uni.example"},
            "did:web:c21u.gatech.edu": {
                "name": "Georgia Tech Center for 21st Century Universities",
                "location": "Atlanta, GA, USA",
                "url": "https://c21u.gatech.edu",
            },
        },
    }


def verify(world: World, source: TrustSource) -> object:
    trust = build_trust([source], fetcher=world.web.fetcher(), resolver=world.verifier().resolver)
    return world.verifier(trust=trust).verify_credential(world.sign(world.credential()), now=NOW)


def test_listed_in_a_dcc_registry_is_trusted_and_says_scope_was_not_checked(world: World) -> None:
    world.web.put_json(URL, dcc(controller(world.issuer)))
    report = verify(world, TrustSource(type="dcc", url=URL, name="the DCC test registry"))
    check = report.check("trust")
    assert report.trusted is True
    assert check.sentence.startswith("University of Zed, Dublin, Ireland (did:key:")
    assert "listed in the DCC test registry as a known issuer" in check.sentence
    assert "no scope or dates" in check.sentence


def test_not_in_the_dcc_registry_is_not_trusted(world: World) -> None:
    world.web.put_json(URL, dcc("did:web:someone-else.example"))
    report = verify(world, TrustSource(type="dcc", url=URL))
    assert report.trusted is False
    assert f"is not listed in the DCC registry at {URL}" in report.check("trust").sentence


def test_a_dcc_file_works_offline(world: World, tmp_path: Path) -> None:
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(dcc(controller(world.issuer))))
    assert verify(world, TrustSource(type="dcc", path=path)).trusted is True


def test_wrong_shape_or_unreachable_is_not_checked(world: World) -> None:
    world.web.put_json(URL, {"issuers": []})
    report = verify(world, TrustSource(type="dcc", url=URL))
    assert report.trusted is None
    assert '"registry" map of DIDs' in report.check("trust").sentence
    world.web.put_json(URL, {"meta": {}, "registry": {controller(world.issuer): "yes"}})
    assert verify(world, TrustSource(type="dcc", url=URL)).trusted is None
    del world.web.pages[URL]
    report = verify(world, TrustSource(type="dcc", url=URL))
    assert report.trusted is None
    assert "HTTP 404" in report.check("trust").sentence
