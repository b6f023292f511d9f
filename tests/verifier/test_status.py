"""Status lists: revoked/suspended fail; every way the list can be unusable is named, never "not revoked"."""

from __future__ import annotations

import pytest

from microcred.vc.encodings import b64url_encode
from microcred.verifier.fetch import FetchPolicy
from microcred.verifier.status import (
    MALFORMED_VALUE_ERROR,
    RANGE_ERROR,
    STATUS_LIST_LENGTH_ERROR,
    STATUS_RETRIEVAL_ERROR,
    STATUS_VERIFICATION_ERROR,
)
from tests.verifier.factories import (
    NOW,
    STATUS_URL,
    World,
    controller,
    key_signer,
    status_entry,
    status_list,
)


def with_status(world: World, *entries: dict) -> dict:
    credential = world.credential()
    credential["credentialStatus"] = list(entries) if len(entries) > 1 else entries[0]
    return world.sign(credential)


def status_check(world: World, credential: dict, **verifier_options):
    report = world.verifier(**verifier_options).verify_credential(credential, now=NOW)
    return report, report.check("status")


def test_unset_bit_passes_and_the_credential_verifies(world: World) -> None:
    world.publish_status(status_list(controller(world.issuer), set_bits=(5,)))
    report, check = status_check(world, with_status(world, status_entry(94567)))
    assert check.status == "passed"
    assert "not been revoked" in check.sentence
    assert report.verified is True


def test_revoked_credential_fails_with_that_sentence(world: World) -> None:
    world.publish_status(status_list(controller(world.issuer), set_bits=(94567,)))
    report, check = status_check(world, with_status(world, status_entry(94567)))
    assert check.status == "failed"
    assert check.sentence == "The issuer has revoked this credential."
    assert report.verified is False
    assert report.verdict == "not valid"


def test_suspended_credential_fails_with_that_sentence(world: World) -> None:
    url = "https://issuer.example/status/susp"
    world.publish_status(status_list(controller(world.issuer), set_bits=(7,), purpose="suspension", url=url))
    _, check = status_check(world, with_status(world, status_entry(7, purpose="suspension", url=url)))
    assert check.status == "failed"
    assert check.sentence == "The issuer has suspended this credential."


def test_revocation_and_suspension_entries_are_both_checked(world: World) -> None:
    issuer = controller(world.issuer)
    susp = "https://issuer.example/status/susp"
    world.publish_status(status_list(issuer))
    world.publish_status(status_list(issuer, set_bits=(3,), purpose="suspension", url=susp))
    credential = with_status(world, status_entry(3), status_entry(3, purpose="suspension", url=susp))
    _, check = status_check(world, credential)
    assert check.status == "failed"
    assert "suspended" in check.sentence


def test_unfetchable_list_is_not_checked_with_retrieval_error(world: World) -> None:
    report, check = status_check(world, with_status(world, status_entry()))
    assert check.status == "not-checked"
    assert check.problem_type == STATUS_RETRIEVAL_ERROR
    assert "not been revoked" not in check.sentence
    assert report.verified is False
    assert report.verdict == "could not fully check"


def test_list_on_plain_http_is_refused_not_read(world: World) -> None:
    url = "http://issuer.example/status/1"
    world.publish_status(status_list(controller(world.issuer), url=url))
    _, check = status_check(world, with_status(world, status_entry(url=url)))
    assert check.status == "not-checked"
    assert check.problem_type == STATUS_RETRIEVAL_ERROR
    assert world.web.hits == {}


def test_list_with_a_bad_signature_fails_verification(world: World) -> None:
    signed = world.publish_status(status_list(controller(world.issuer)))
    signed["credentialSubject"]["encodedList"] = status_list(controller(world.issuer), set_bits=(1,))[
        "credentialSubject"
    ]["encodedList"]
    world.web.put_json(STATUS_URL, signed)
    _, check = status_check(world, with_status(world, status_entry()))
    assert check.status == "failed"
    assert check.problem_type == STATUS_VERIFICATION_ERROR


def test_unsigned_list_fails_verification(world: World) -> None:
    world.web.put_json(STATUS_URL, status_list(controller(world.issuer)))
    _, check = status_check(world, with_status(world, status_entry()))
    assert check.status == "failed"
    assert check.problem_type == STATUS_VERIFICATION_ERROR


def test_list_from_another_issuer_is_read_when_its_own_proof_binds_it_to_that_issuer(world: World) -> None:
    # Bitstring Status List §2.2: the list's issuer MAY differ from the credential's (DCC signs lists so)
    world.publish_status(status_list(controller(world.other), set_bits=(94567,)), world.other)
    report, check = status_check(world, with_status(world, status_entry()))
    assert check.status == "failed"
    assert check.sentence == "The issuer has revoked this credential."
    assert report.verdict == "not valid"


def test_list_claiming_the_issuer_but_signed_by_another_key_fails(world: World) -> None:
    world.publish_status(status_list(controller(world.issuer)), world.other)
    _, check = status_check(world, with_status(world, status_entry()))
    assert check.status == "failed"
    assert check.problem_type == STATUS_VERIFICATION_ERROR
    assert "does not control" in check.sentence


def test_list_whose_signing_key_cannot_be_retrieved_is_not_checked(world: World) -> None:
    unreachable = "did:web:lists.example"
    document = status_list(unreachable)
    signer = key_signer(bytes(range(7, 39)))
    signed = world.sign(document, signer)
    signed["proof"]["verificationMethod"] = f"{unreachable}#key-1"
    world.web.put_json(STATUS_URL, signed)
    report, check = status_check(world, with_status(world, status_entry()))
    assert check.status == "not-checked"
    assert check.problem_type == STATUS_VERIFICATION_ERROR
    assert "could not be checked" in check.sentence
    assert report.verdict == "could not fully check"


def test_list_id_need_not_be_the_fetched_url(world: World) -> None:
    # the spec has no such rule (DCC's lists name their canonical URL, served from a mirror)
    document = status_list(controller(world.issuer), url="https://issuer.example/status/other")
    world.web.put_json(STATUS_URL, world.sign(document))
    report, check = status_check(world, with_status(world, status_entry()))
    assert check.status == "passed"
    assert report.verified is True


def test_malformed_entry_fails_without_a_verified_proof_and_fetches_nothing(world: World) -> None:
    credential = world.credential()
    credential["credentialStatus"] = {**status_entry(), "statusListIndex": 23}  # a JSON number, not a string
    report = world.verifier().verify_credential(credential, now=NOW)
    assert report.check("status").status == "failed"
    assert report.check("status").problem_type == MALFORMED_VALUE_ERROR
    assert world.web.hits == {}


def test_purpose_mismatch_fails(world: World) -> None:
    world.publish_status(status_list(controller(world.issuer), purpose="suspension"))
    _, check = status_check(world, with_status(world, status_entry(purpose="revocation")))
    assert check.status == "failed"
    assert check.problem_type == STATUS_VERIFICATION_ERROR


def test_short_list_is_a_length_error_reported_as_a_warning(world: World) -> None:
    world.publish_status(status_list(controller(world.issuer), length_bits=8 * 1024))
    report, check = status_check(world, with_status(world, status_entry(5)))
    assert (check.status, check.value) == ("not-checked", "advisory")
    assert check.problem_type == STATUS_LIST_LENGTH_ERROR
    assert "8192 entries, fewer than the 131072" in check.sentence
    assert report.verified is True
    assert [w["check"] for w in report.vc_api()["warnings"]][:1] == ["status"]


def test_short_list_with_the_bit_set_still_fails(world: World) -> None:
    world.publish_status(status_list(controller(world.issuer), length_bits=8 * 1024, set_bits=(5,)))
    report, check = status_check(world, with_status(world, status_entry(5)))
    assert check.status == "failed"
    assert "revoked" in check.sentence
    assert STATUS_LIST_LENGTH_ERROR.rsplit("#", 1)[1] in check.sentence
    assert report.verdict == "not valid"


def test_index_past_the_end_is_a_range_error(world: World) -> None:
    world.publish_status(status_list(controller(world.issuer)))
    _, check = status_check(world, with_status(world, status_entry(131_072)))
    assert check.status == "failed"
    assert check.problem_type == RANGE_ERROR


@pytest.mark.parametrize("index", ["-1", "1e3", "0x10", "", "٣"])
def test_non_numeric_index_is_malformed(world: World, index: str) -> None:
    world.publish_status(status_list(controller(world.issuer)))
    entry = status_entry()
    entry["statusListIndex"] = index
    _, check = status_check(world, with_status(world, entry))
    assert check.status == "failed"
    assert check.problem_type == MALFORMED_VALUE_ERROR


def test_expired_list_fails(world: World) -> None:
    world.publish_status(status_list(controller(world.issuer), validUntil="2026-02-01T00:00:00Z"))
    _, check = status_check(world, with_status(world, status_entry()))
    assert check.status == "failed"
    assert "expired" in check.sentence


def test_gzip_bomb_in_the_list_is_refused(world: World) -> None:
    import gzip

    bomb = "u" + b64url_encode(gzip.compress(b"\0" * (32 * 1024 * 1024)))
    document = status_list(controller(world.issuer))
    document["credentialSubject"]["encodedList"] = bomb
    world.publish_status(document)
    _, check = status_check(world, with_status(world, status_entry()))
    assert check.status == "failed"
    assert check.problem_type == MALFORMED_VALUE_ERROR


def test_unknown_status_type_is_not_checked(world: World) -> None:
    entry = {"id": "https://x.example/s#1", "type": "https://x.example/vocab#RevocationRegistry2030"}
    _, check = status_check(world, with_status(world, entry))
    assert check.status == "not-checked"


def test_list_is_cached_by_max_age_and_ttl_shortens_it(world: World) -> None:
    world.publish_status(status_list(controller(world.issuer)), **{"cache-control": "max-age=600"})
    credential = with_status(world, status_entry())
    verifier = world.verifier()
    for _ in range(3):
        assert verifier.verify_credential(credential, now=NOW).check("status").status == "passed"
    assert world.web.hits[STATUS_URL] == 1

    document = status_list(controller(world.issuer))
    document["credentialSubject"]["ttl"] = 0
    world.publish_status(document, **{"cache-control": "max-age=600"})
    verifier = world.verifier()
    for _ in range(2):
        verifier.verify_credential(credential, now=NOW)
    assert world.web.hits[STATUS_URL] == 3


def test_status_list_2021_legacy_form(world: World) -> None:
    issuer = controller(world.issuer)
    url = "https://issuer.example/status/2021"
    modern = status_list(issuer, set_bits=(42,), url=url)
    legacy = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/vc/status-list/2021/v1",
            "https://w3id.org/security/data-integrity/v2",
        ],
        "id": url,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": issuer,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": modern["credentialSubject"]["encodedList"][1:],  # no multibase prefix
        },
    }
    world.publish_status(legacy)
    credential = world.credential(v11=True)
    credential["@context"] += [
        "https://w3id.org/vc/status-list/2021/v1",
        "https://w3id.org/security/data-integrity/v2",
    ]
    credential["credentialStatus"] = {
        "id": f"{url}#42",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": url,
    }
    _, check = status_check(world, world.sign(credential))
    assert check.status == "failed", check.sentence
    assert check.sentence == "The issuer has revoked this credential."
    credential["credentialStatus"]["statusListIndex"] = "41"
    credential["credentialStatus"]["id"] = f"{url}#41"
    _, check = status_check(world, world.sign(credential))
    assert check.status == "passed", check.sentence


def test_large_list_response_is_capped(world: World) -> None:
    world.publish_status(status_list(controller(world.issuer)))
    status, body, headers = world.web.pages[STATUS_URL]
    world.web.pages[STATUS_URL] = (status, body + b" " * 200_000, headers)
    _, check = status_check(world, with_status(world, status_entry()), fetch=FetchPolicy(max_bytes=100_000))
    assert check.status == "not-checked"
    assert check.problem_type == STATUS_RETRIEVAL_ERROR


def test_a_cached_list_is_not_reverified_on_every_credential(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import microcred.verifier.credential as module

    world.publish_status(status_list(controller(world.issuer)), **{"cache-control": "max-age=600"})
    calls: list[str] = []
    original = module.check_proofs

    def counting(document, **kwargs):
        calls.append(document.get("id", ""))
        return original(document, **kwargs)

    monkeypatch.setattr(module, "check_proofs", counting)
    verifier = world.verifier()
    credential = with_status(world, status_entry())
    for _ in range(3):
        assert verifier.verify_credential(credential, now=NOW).check("status").status == "passed"
    assert calls.count(STATUS_URL) == 1
