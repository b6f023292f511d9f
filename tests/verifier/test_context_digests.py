"""Our EU context at a deployment's own URL: recognised by its digest through the guarded client, never trusted
on the credential's word; declared relatedResource digests of pinned contexts are checked (VC 2.0 §5.3)."""

from __future__ import annotations

from typing import Any

from microcred import suites
from microcred.contexts import aliased_loader, context_bytes, declared_aliases, digest_sri
from microcred.verifier.fetch import FetchPolicy
from tests.verifier.factories import CREATED, EU_CONTEXT, NOW, World

DEPLOYED = "https://uni.example/contexts/eu-microcredential/v1.jsonld"
SRI = digest_sri(context_bytes(EU_CONTEXT))


def deployed_credential(world: World, url: str = DEPLOYED, sri: str = SRI) -> dict[str, Any]:
    """An EU credential naming our context at ``url`` with ``sri`` declared, signed as the issuer signs its own."""
    unsigned = world.credential(eu=True)
    unsigned["@context"] = [c if c != EU_CONTEXT else url for c in unsigned["@context"]]
    unsigned["relatedResource"] = [{"id": url, "digestSRI": sri}]
    signing = aliased_loader(world.loader, {url: EU_CONTEXT})
    return suites.sign(unsigned, signer=world.issuer, loader=signing, created=CREATED)


def serve(world: World, body: bytes, *, url: str = DEPLOYED, status: int = 200, **headers: str) -> None:
    world.web.pages[url] = (status, body, {"content-type": "application/ld+json", **headers})


def test_a_deployment_serving_the_pinned_bytes_is_an_alias_and_the_credential_verifies(world: World) -> None:
    credential = deployed_credential(world)
    serve(world, context_bytes(EU_CONTEXT))
    report = world.verifier().verify_credential(credential, now=NOW)
    assert report.check("proof").status == "passed", report.check("proof").sentence
    assert report.check("contexts").status == "passed", report.check("contexts").sentence
    assert (
        f'"{DEPLOYED}" serves, byte for byte, the pinned copy of "{EU_CONTEXT}"'
        in report.check("contexts").sentence
    )
    assert world.web.hits[DEPLOYED] == 1


def test_without_the_deployment_serving_it_the_credential_is_not_checked_naming_the_url(world: World) -> None:
    credential = deployed_credential(world)
    report = world.verifier().verify_credential(credential, now=NOW)
    contexts = report.check("contexts")
    assert contexts.status == "not-checked"
    assert DEPLOYED in contexts.sentence
    assert "HTTP 404" in contexts.sentence
    assert report.check("proof").status != "passed"


def test_a_deployment_url_serving_other_content_is_not_an_alias(world: World) -> None:
    credential = deployed_credential(world)
    other = context_bytes(EU_CONTEXT).replace(b"eu-microcredential#learningOutcome", b"evil.example#outcome")
    serve(world, other)
    report = world.verifier().verify_credential(credential, now=NOW)
    contexts = report.check("contexts")
    assert contexts.status == "not-checked"
    assert f'"{DEPLOYED}"' in contexts.sentence
    assert "does not have the digest the credential declares" in contexts.sentence
    assert report.check("proof").status != "passed"


def test_other_content_declared_with_its_own_digest_is_no_pinned_context(world: World) -> None:
    other = context_bytes(EU_CONTEXT).replace(b"eu-microcredential#learningOutcome", b"evil.example#outcome")
    credential = deployed_credential(world, sri=digest_sri(other))
    serve(world, other)
    contexts = world.verifier().verify_credential(credential, now=NOW).check("contexts")
    assert contexts.status == "not-checked"
    assert "no context this verifier has a pinned copy of" in contexts.sentence


def test_a_redirect_to_a_private_address_is_refused_by_the_guarded_client(world: World) -> None:
    credential = deployed_credential(world)
    serve(world, b"", status=302, location="https://10.0.0.7/contexts/eu-microcredential/v1.jsonld")
    contexts = world.verifier().verify_credential(credential, now=NOW).check("contexts")
    assert contexts.status == "not-checked"
    assert "not publicly reachable" in contexts.sentence
    assert not any("10.0.0.7" in url for url in world.web.hits)


def test_a_huge_response_is_not_read_past_the_cap(world: World) -> None:
    credential = deployed_credential(world)
    serve(world, b" " * 70_000 + context_bytes(EU_CONTEXT))
    report = world.verifier(fetch=FetchPolicy(max_bytes=65_536)).verify_credential(credential, now=NOW)
    contexts = report.check("contexts")
    assert contexts.status == "not-checked"
    assert "the limit is 65536" in contexts.sentence or "larger than 65536 bytes" in contexts.sentence


def test_a_declared_digest_that_does_not_match_the_pinned_copy_fails(world: World) -> None:
    unsigned = world.credential(eu=True)  # the old, pinned URL
    unsigned["relatedResource"] = [{"id": EU_CONTEXT, "digestSRI": digest_sri(b"something else")}]
    report = world.verifier().verify_credential(world.sign(unsigned), now=NOW)
    contexts = report.check("contexts")
    assert contexts.status == "failed"
    assert "does not match the digest the credential declares" in contexts.sentence
    assert SRI in contexts.sentence
    assert report.verified is False


def test_a_matching_declared_digest_of_a_pinned_context_passes(world: World) -> None:
    unsigned = world.credential(eu=True)
    unsigned["relatedResource"] = [{"id": EU_CONTEXT, "digestSRI": SRI}]
    report = world.verifier().verify_credential(world.sign(unsigned), now=NOW)
    assert report.check("contexts").status == "passed"
    assert report.check("proof").status == "passed"


def test_credentials_signed_under_the_old_url_keep_verifying(world: World) -> None:
    credential = world.sign(world.credential(eu=True))
    assert EU_CONTEXT in credential["@context"]
    assert "relatedResource" not in credential
    report = world.verifier().verify_credential(credential, now=NOW)
    assert (report.check("contexts").status, report.check("proof").status) == ("passed", "passed")
    assert world.web.hits == {}


def test_an_unknown_context_without_a_declared_digest_is_never_fetched(world: World) -> None:
    unsigned = world.credential(eu=True)
    unsigned["@context"] = [c if c != EU_CONTEXT else DEPLOYED for c in unsigned["@context"]]
    serve(world, context_bytes(EU_CONTEXT))
    contexts = world.verifier().verify_credential(unsigned, now=NOW).check("contexts")
    assert contexts.status == "not-checked"
    assert world.web.hits == {}


def test_an_alias_holds_for_one_verification_only(world: World) -> None:
    verifier = world.verifier()
    serve(world, context_bytes(EU_CONTEXT))
    assert (
        verifier.verify_credential(deployed_credential(world), now=NOW).check("contexts").status == "passed"
    )
    undeclared = deployed_credential(world)
    del undeclared["relatedResource"]
    assert verifier.verify_credential(undeclared, now=NOW).check("contexts").status == "not-checked"


def test_the_issuer_takes_its_own_declaration_only_for_a_pinned_digest() -> None:
    assert declared_aliases(
        {"@context": [DEPLOYED], "relatedResource": [{"id": DEPLOYED, "digestSRI": SRI}]}
    ) == {DEPLOYED: EU_CONTEXT}
    other = {"@context": [DEPLOYED], "relatedResource": [{"id": DEPLOYED, "digestSRI": digest_sri(b"x")}]}
    assert declared_aliases(other) == {}
