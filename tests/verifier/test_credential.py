"""verify_credential: each check passes on a sound credential and fails (or is not checked) for its own reason."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from microcred import suites
from microcred.vc.schema import OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA
from microcred.verifier.credential import verify_credential
from microcred.verifier.report import Policy
from microcred.verifier.trust import NoRegistry, TrustAnswer
from tests.verifier.factories import NOW, WEB_DID, World, controller, key_signer, ob3_credential


def statuses(report) -> dict[str, str]:
    return {c.id: c.status for c in report.checks}


def test_sound_did_key_credential_verifies_with_every_core_check_passed(world: World) -> None:
    report = world.verifier().verify_credential(world.sign(world.credential()), now=NOW)
    got = statuses(report)
    for check in ("structure", "schema", "contexts", "proof", "issuer", "validity"):
        assert got[check] == "passed", report.check(check).sentence
    assert got["status"] == "not-checked"
    assert report.check("status").value == "no-status-entry"
    assert report.verified is True
    assert report.trusted is None
    assert got["trust"] == "not-checked"
    assert report.verdict == "could not fully check"  # authentic, but no registry and not EU-complete
    assert "did:key" in report.check("issuer").sentence


def test_module_function_has_the_style_guide_signature(world: World) -> None:
    v = world.verifier()
    report = verify_credential(
        world.sign(world.credential()),
        document_loader=world.loader,
        fetcher=v.fetcher,
        resolver=v.resolver,
        trust=NoRegistry(),
        now=NOW,
    )
    assert report.verified


def test_eu_complete_credential_reports_each_element_with_its_value(world: World) -> None:
    report = world.verifier().verify_credential(world.sign(world.credential(eu=True)), now=NOW)
    assert report.verified
    assert report.eu_complete
    assert report.check("eu:M8").value == {"eqfLevel": "http://data.europa.eu/snb/eqf/6"}
    assert report.check("eu:M3").value["addressCountryCode"] == "IE"
    assert report.check("eu:M10").value == {
        "participationForm": "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"
    }
    assert all(report.check(f"eu:M{i}").status == "passed" for i in range(1, 12))


def test_trusted_and_eu_complete_gives_the_verdict_valid(world: World) -> None:
    class Yes:
        def lookup(self, issuer, *, resource, when):
            return TrustAnswer(True, "test", f"{issuer} is on the test register.")

    report = world.verifier(trust=Yes()).verify_credential(world.sign(world.credential(eu=True)), now=NOW)
    assert report.trusted is True
    assert report.verdict == "valid"


def test_policy_can_require_trust_and_eu_completeness(world: World) -> None:
    signed = world.sign(world.credential())
    assert world.verifier().verify_credential(signed, now=NOW).verified
    strict = world.verifier(policy=Policy(require_trust=True)).verify_credential(signed, now=NOW)
    assert strict.verified is False
    assert any(e["check"] == "trust" for e in strict.vc_api()["errors"])
    eu = world.verifier(policy=Policy(require_eu_complete=True)).verify_credential(signed, now=NOW)
    assert eu.verified is False
    assert eu.verdict == "not valid"


def test_vc_api_view_lists_passed_names_and_problems(world: World) -> None:
    report = world.verifier().verify_credential(world.sign(world.credential()), now=NOW)
    view = report.as_json()
    assert view["verified"] is True
    assert view["errors"] == []
    assert "proof" in view["checks"]
    assert "issuer" in view["checks"]
    assert {w["check"] for w in view["warnings"]} >= {"status", "trust"}
    assert {c["id"] for c in view["report"]["checks"]} >= {"structure", "proof", "eu:M1"}


def test_signature_by_a_key_the_issuer_does_not_control_fails_the_issuer_check(world: World) -> None:
    signed = world.sign(world.credential(), world.other)  # issuer stays did:key of world.issuer
    report = world.verifier().verify_credential(signed, now=NOW)
    assert report.check("proof").status == "passed"
    assert report.check("issuer").status == "failed"
    assert controller(world.other) in report.check("issuer").sentence
    assert report.verified is False
    assert report.verdict == "not valid"


def test_did_web_issuer_resolved_over_guarded_http(world: World) -> None:
    signed = world.sign(ob3_credential(WEB_DID), world.web_issuer)
    report = world.verifier().verify_credential(signed, now=NOW)
    assert report.check("issuer").status == "passed", report.check("issuer").sentence
    assert "did:web" in report.check("issuer").sentence
    assert report.verified


def test_did_web_document_with_another_id_fails(world: World) -> None:
    signed = world.sign(ob3_credential(WEB_DID), world.web_issuer)
    url = "https://issuer.example/.well-known/did.json"
    status, body, headers = world.web.pages[url]
    world.web.pages[url] = (
        status,
        body.replace(b'"id": "did:web:issuer.example"', b'"id": "did:web:evil.example"'),
        headers,
    )
    report = world.verifier().verify_credential(signed, now=NOW)
    assert report.check("issuer").status == "failed"
    assert report.verified is False


def test_unreachable_did_web_is_not_checked_never_passed(world: World) -> None:
    signed = world.sign(ob3_credential(WEB_DID), world.web_issuer)
    del world.web.pages["https://issuer.example/.well-known/did.json"]
    report = world.verifier().verify_credential(signed, now=NOW)
    assert report.check("issuer").status == "not-checked"
    assert report.check("proof").status == "not-checked"
    assert report.verified is False
    assert report.verdict == "could not fully check"


def test_did_web_on_a_private_address_is_refused(world: World) -> None:
    signed = world.sign(ob3_credential(WEB_DID), world.web_issuer)
    v = world.verifier()
    v.fetcher.resolve = lambda host, port: ["10.0.0.8"]  # type: ignore[attr-defined]
    report = v.verify_credential(signed, now=NOW)
    assert report.check("issuer").status == "not-checked"
    assert "non-public" in report.check("issuer").sentence
    assert world.web.hits == {}


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("validUntil", "2026-05-01T00:00:00Z", "expired"),
        ("validFrom", "2026-07-01T00:00:00Z", "not valid yet"),
    ],
)
def test_validity_window(world: World, field: str, value: str, expected: str) -> None:
    credential = world.credential()
    credential[field] = value
    report = world.verifier().verify_credential(world.sign(credential), now=NOW)
    assert report.check("validity").status == "failed"
    assert expected in report.check("validity").sentence
    assert report.verified is False


def test_clock_skew_is_configurable(world: World) -> None:
    credential = world.credential()
    credential["validFrom"] = (NOW + timedelta(seconds=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    signed = world.sign(credential)
    assert (
        world.verifier(skew_seconds=300).verify_credential(signed, now=NOW).check("validity").status
        == "passed"
    )
    assert (
        world.verifier(skew_seconds=30).verify_credential(signed, now=NOW).check("validity").status
        == "failed"
    )


def test_vc_11_credential_uses_issuance_and_expiration_dates(world: World) -> None:
    credential = world.credential(v11=True)
    credential["@context"].append("https://w3id.org/security/data-integrity/v2")
    signed = world.sign(credential)
    report = world.verifier().verify_credential(signed, now=NOW)
    assert report.check("structure").value == "1.1"
    assert report.verified, [c for c in report.checks if c.status != "passed"]
    expired = world.verifier().verify_credential(signed, now=NOW.replace(year=2031))
    assert expired.check("validity").status == "failed"
    assert "2030-01-01" in expired.check("validity").sentence


def test_vc2_credential_with_11_date_fields_is_malformed(world: World) -> None:
    credential = world.credential()
    credential["expirationDate"] = "2020-01-01T00:00:00Z"
    report = world.verifier().verify_credential(credential, now=NOW)
    assert report.check("structure").status == "failed"


def test_unknown_context_is_not_checked_naming_it_and_fetches_nothing(world: World) -> None:
    signed = world.sign(world.credential())
    signed["@context"].append("https://evil.example/context.jsonld")
    report = world.verifier().verify_credential(signed, now=NOW)
    assert report.check("contexts").status == "not-checked"
    assert "https://evil.example/context.jsonld" in report.check("contexts").sentence
    assert report.check("proof").status == "not-checked"
    assert "altered" not in report.check("proof").sentence
    assert report.verdict == "could not fully check"
    assert world.web.hits == {}


def test_ob3_schema_violation_fails_when_the_credential_declares_the_schema(world: World) -> None:
    credential = world.credential()
    credential["credentialSchema"] = [{"id": OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": "JsonSchema"}]
    del credential["credentialSubject"]["achievement"]["criteria"]
    report = world.verifier().verify_credential(world.sign(credential), now=NOW)
    assert report.check("schema").status == "failed"
    assert report.check("schema").sentence.endswith("it declares: the achievement has no criteria.")
    assert report.verified is False
    assert report.verdict == "not valid"


def test_ob3_schema_deviation_is_a_warning_when_the_schema_is_not_declared(world: World) -> None:
    credential = world.credential()
    credential["issuer"]["image"] = "https://uni.example/logo.png"  # VC allows a URL; OB 3.0 wants an Image
    report = world.verifier().verify_credential(world.sign(credential), now=NOW)
    schema = report.check("schema")
    assert (schema.status, schema.value) == ("failed", "advisory")
    assert "the issuer's image is a plain URL, not an Image object" in schema.sentence
    assert report.verified is True
    view = report.vc_api()
    assert [w["check"] for w in view["warnings"]][:1] == ["schema"]
    assert view["errors"] == []
    assert "the issuer's image is a plain URL, not an Image object" in report.verdict_sentence


def test_unsigned_credential_is_not_verified(world: World) -> None:
    report = world.verifier().verify_credential(world.credential(), now=NOW)
    assert report.check("proof").status == "failed"
    assert report.verified is False
    assert report.verdict == "not valid"


def test_issuer_that_is_not_a_did_is_not_checked(world: World) -> None:
    credential = ob3_credential("https://uni.example/issuer")
    report = world.verifier().verify_credential(world.sign(credential), now=NOW)
    assert report.check("proof").status == "passed"
    assert report.check("issuer").status == "not-checked"
    assert report.verified is False


def test_unsupported_did_method_is_not_checked(world: World) -> None:
    report = world.verifier().verify_credential(world.sign(ob3_credential("did:example:123")), now=NOW)
    assert report.check("issuer").status == "not-checked"


def test_proof_set_with_one_bad_proof_fails(world: World) -> None:
    signed = world.sign(world.credential())
    both = world.sign(signed, key_signer(bytes(range(2, 34))))
    assert world.verifier().verify_credential(both, now=NOW).check("proof").status == "passed"
    broken = copy.deepcopy(both)
    broken["proof"][1]["proofValue"] = broken["proof"][0]["proofValue"]
    report = world.verifier().verify_credential(broken, now=NOW)
    assert report.check("proof").status == "failed"
    assert report.check("proof").problem_type == suites.PROOF_VERIFICATION_ERROR


def test_key_not_listed_under_assertion_method_fails(world: World) -> None:
    from microcred.keys import PublishedKey, did_web_document

    signed = world.sign(ob3_credential(WEB_DID), world.web_issuer)
    public = world.web_issuer.public_key_multibase
    retired = did_web_document(WEB_DID, [PublishedKey("key-1", public, assertion=False)])
    world.web.put_json("https://issuer.example/.well-known/did.json", retired)
    report = world.verifier().verify_credential(signed, now=NOW)
    assert report.check("proof").status == "failed"
    assert "assertionMethod" in report.check("proof").sentence
    assert report.verified is False


def test_a_did_key_of_a_key_type_this_verifier_lacks_is_not_checked_naming_it(world: World) -> None:
    # the did:key specification's BLS12-381 G2 example: no suite here verifies with such a key (P-256, P-384 and
    # secp256k1 are implemented since ADR 0010)
    bls = (
        "did:key:zUC7EK3ZakmukHhuncwkbySmomv3FmrkmS36E4Ks5rsb6VQSRpoCrx6Hb8e2Nk6UvJFSdyw9NK1scFXJp21gNNYFjVWNgaqyGnkyh"
        "tagagCpQb5B7tagJu3HDbjQ8h5ypoHjwBb"
    )
    credential = world.credential()
    credential["issuer"]["id"] = bls
    signed = world.sign(credential)
    signed["proof"]["verificationMethod"] = f"{bls}#{bls.removeprefix('did:key:')}"
    report = world.verifier().verify_credential(signed, now=NOW)
    proof = report.check("proof")
    assert proof.status == "not-checked"
    assert f"{bls} holds a BLS12-381 G2 key, a key type this verifier does not implement" in proof.sentence
    assert report.check("issuer").status == "not-checked"
    assert report.verdict == "could not fully check"
