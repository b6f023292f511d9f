"""The verifier consults a microcred registry's signed export (URL or local file) for scope, dates and state.

The issue's cases: listed and in scope; listed but out of scope; never listed; withdrawn after issuing (reported
as issued while accredited, withdrawal shown); registry signature invalid; registry unreachable — plus unsigned,
too large, wrong shape, stale and foreign-signed exports, all "not checked" with the reason, never "trusted".
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from microcred.keys import Ed25519Signer
from microcred.registry import Scope, StateChange
from microcred.suites import StaticResolver
from microcred.vc.encodings import b64url_decode, b64url_encode
from microcred.verifier.fetch import FetchPolicy, GuardedFetcher
from microcred.verifier.report import Policy
from microcred.verifier.trust_microcred import MicrocredRegistry
from microcred.verifier.trust_policy import TrustSource, build_trust
from tests.registry.factories import entry
from tests.verifier.factories import (
    EXPORT_URL,
    ISSUED,
    NAME,
    NOW,
    REGISTRY_DID,
    REGISTRY_KEY,
    World,
    controller,
    listed,
    publish,
    verify,
)


def test_listed_and_in_scope_is_trusted_naming_the_registry(world: World) -> None:
    publish(world, [listed(world)])
    report = verify(world)
    check = report.check("trust")
    assert report.trusted is True
    assert check.status == "passed"
    assert NAME in check.sentence
    assert "Quality and Qualifications Ireland" in check.sentence
    assert check.value["activeWhenIssued"] is True
    assert check.value["activeNow"] is True


def test_listed_but_out_of_scope_is_not_trusted(world: World) -> None:
    publish(world, [listed(world, scope=Scope(("MicroCredential",), ("4", "5"), ()))])
    report = verify(world)
    assert report.trusted is False
    assert report.check("trust").status == "failed"
    assert "EQF level 6 is not among levels 4, 5" in report.check("trust").sentence
    assert report.verified is True  # a warning by default...
    assert any(w["check"] == "trust" for w in report.vc_api()["warnings"])
    strict = verify(world, policy=Policy(require_trust=True))
    assert strict.verified is False  # ...a failure when the policy requires trust
    assert any(e["check"] == "trust" for e in strict.vc_api()["errors"])


def test_other_scope_dimensions_are_checked_too(world: World) -> None:
    publish(world, [listed(world, scope=Scope(("Course",), (), ("04",)))])
    sentence = verify(world).check("trust").sentence
    assert "achievement type MicroCredential is not among Course" in sentence
    assert "the credential states no ISCED-F field" in sentence


def test_never_listed_is_not_trusted(world: World) -> None:
    publish(world, [entry(dids=("did:web:someone-else.example",))])
    report = verify(world)
    assert report.trusted is False
    assert report.check("trust").sentence == f"The issuer {controller(world.issuer)} is not listed in {NAME}."


def test_withdrawn_after_issuing_reports_issued_while_accredited_and_the_withdrawal(world: World) -> None:
    withdrawn_on = ISSUED + timedelta(days=60)
    history = (
        StateChange("active", ISSUED - timedelta(days=30)),
        StateChange("withdrawn", withdrawn_on, "QA lapsed"),
    )
    publish(world, [listed(world, history=history)])
    report = verify(world)
    check = report.check("trust")
    assert report.trusted is True
    assert "was accredited" in check.sentence
    assert "when this credential was issued (2026-01-01)" in check.sentence
    assert "withdrawn on 2026-03-02" in check.sentence
    assert check.value["activeNow"] is False
    assert check.value["withdrawn"] == "2026-03-02T00:00:00Z"


def test_withdrawn_before_issuing_is_not_trusted(world: World) -> None:
    history = (
        StateChange("active", ISSUED - timedelta(days=30)),
        StateChange("withdrawn", ISSUED - timedelta(days=1)),
    )
    publish(world, [listed(world, history=history)])
    report = verify(world)
    assert report.trusted is False
    assert "was withdrawn then" in report.check("trust").sentence


def test_suspended_when_issued_is_not_trusted(world: World) -> None:
    history = (
        StateChange("active", ISSUED - timedelta(days=30)),
        StateChange("suspended", ISSUED - timedelta(days=1)),
        StateChange("active", ISSUED + timedelta(days=1)),
    )
    publish(world, [listed(world, history=history)])
    assert verify(world).trusted is False


def test_registry_signature_invalid_is_not_checked(world: World) -> None:
    jws = publish(world, [entry(dids=("did:web:someone-else.example",))])
    header, payload, signature = jws.split(".")
    document = json.loads(b64url_decode(payload))
    document["entries"][0]["dids"] = [controller(world.issuer)]  # a forger lists itself
    forged = f"{header}.{b64url_encode(json.dumps(document).encode())}.{signature}"
    world.web.pages[EXPORT_URL] = (200, forged.encode(), {"content-type": "application/jose"})
    report = verify(world)
    assert report.trusted is None
    assert report.check("trust").status == "not-checked"
    assert "signature is invalid" in report.check("trust").sentence
    assert NAME in report.check("trust").sentence


def test_an_export_signed_by_another_key_is_not_used(world: World) -> None:
    intruder = Ed25519Signer.from_seed(bytes(32), verification_method="did:web:evil.example#key-1")
    publish(world, [listed(world)], signer=intruder)
    report = verify(world)
    assert report.trusted is None
    assert "not by the registry did:web:registry.example:registry" in report.check("trust").sentence


def test_registry_unreachable_is_not_checked(world: World) -> None:
    publish(world, [listed(world)])
    world.web.pages[EXPORT_URL] = (503, b"", {})
    report = verify(world)
    assert report.trusted is None
    assert report.check("trust").status == "not-checked"
    assert "could not be consulted" in report.check("trust").sentence
    assert "HTTP 503" in report.check("trust").sentence


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (json.dumps({"type": "MicrocredTrustRegistry", "entries": []}).encode(), "not signed"),
        (b"not a jws", "not a compact JWS"),
        (b"x" * 5_000_000, "limit"),
    ],
)
def test_unsigned_malformed_or_too_large_exports_are_not_checked(
    world: World, body: bytes, reason: str
) -> None:
    publish(world, [listed(world)])
    world.web.pages[EXPORT_URL] = (200, body, {"content-type": "application/jose"})
    report = verify(world)
    assert report.trusted is None
    assert reason in report.check("trust").sentence


def test_wrong_shape_and_stale_exports_are_not_checked(world: World) -> None:
    publish(world, [listed(world)], now=NOW - timedelta(days=30))
    assert "expired" in verify(world).check("trust").sentence
    document = {
        "type": "MicrocredTrustRegistry",
        "registry": {"id": REGISTRY_DID},
        "validUntil": "2030-01-01T00:00:00Z",
        "entries": [{"dids": "x"}],
    }
    header = b64url_encode(json.dumps({"alg": "EdDSA", "kid": REGISTRY_KEY.verification_method}).encode())
    payload = b64url_encode(json.dumps(document).encode())
    signature = b64url_encode(REGISTRY_KEY.sign(f"{header}.{payload}".encode()))
    world.web.pages[EXPORT_URL] = (200, f"{header}.{payload}.{signature}".encode(), {})
    report = verify(world)
    assert report.trusted is None
    assert "entries[0]" in report.check("trust").sentence


def test_a_saved_export_is_consulted_offline_from_a_file(world: World, tmp_path: Path) -> None:
    jws = publish(world, [listed(world)])
    path = tmp_path / "registry.jws"
    path.write_text(jws)
    did_document = json.loads(world.web.pages["https://registry.example/registry/did.json"][1])
    offline = GuardedFetcher(
        httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(599))), policy=FetchPolicy()
    )
    trust = build_trust(
        [TrustSource(type="file", path=path, did=REGISTRY_DID, name="the saved registry")],
        fetcher=offline,
        resolver=StaticResolver({REGISTRY_DID: did_document}),
    )
    report = world.verifier(trust=trust).verify_credential(world.sign(world.credential(eu=True)), now=NOW)
    assert report.trusted is True
    assert "the saved registry" in report.check("trust").sentence
    missing = MicrocredRegistry(
        name="gone", registry_did=REGISTRY_DID, resolver=StaticResolver({}), path=tmp_path / "nope"
    )
    assert missing.lookup(controller(world.issuer), resource="eu-microcredential", when=NOW).trusted is None


def test_the_verified_export_is_reused_while_the_bytes_are_the_same(world: World) -> None:
    publish(world, [listed(world)])
    registry = MicrocredRegistry(
        name=NAME,
        registry_did=REGISTRY_DID,
        resolver=world.verifier().resolver,
        fetcher=world.web.fetcher(),
        url=EXPORT_URL,
    )
    first = registry.entries(now=NOW)
    assert registry.entries(now=NOW) is first
    assert world.web.hits["https://registry.example/registry/did.json"] == 1
