"""The verifier's front door: ``Verifier.default().verify(...)`` with the service's own wiring (pinned contexts,
the guarded HTTP client, did:key and did:web resolution), on our issuer front door's credentials, tampered ones, a
VC-JWT and the W3C vectors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from microcred.contexts import DocumentLoader
from microcred.issuer import DEMO_ACHIEVEMENT, Learner
from microcred.issuer.baking import badge_png, badge_svg, bake_png, bake_svg
from microcred.vc.errors import FetchError, InvalidInput
from microcred.verifier import FetchPolicy, Verifier
from tests.factories import EDDSA_VECTORS
from tests.issuer.factories import ACHIEVEMENT_URL, DID_KEY, institution
from tests.verifier.factories import NOW, World, eddsa, encode, ob3_payload


@pytest.fixture(scope="module")
def signed() -> dict[str, Any]:
    return institution().issue(DEMO_ACHIEVEMENT, Learner(did=DID_KEY), achievement_id=ACHIEVEMENT_URL)


class Recorder:
    """An httpx transport that answers 404 and remembers every request that reached it."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def client(self) -> httpx.Client:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(404)

        return httpx.Client(transport=httpx.MockTransport(handle))


@pytest.mark.parametrize("form", ["dict", "text", "bytes"])
def test_a_credential_from_our_issuer_front_door_is_verified(signed: dict[str, Any], form: str) -> None:
    given: Any = {"dict": signed, "text": json.dumps(signed), "bytes": json.dumps(signed).encode()}[form]
    report = Verifier.default().verify(given)
    assert report.verified, [(c.id, c.sentence) for c in report.checks if c.status != "passed"]
    assert report.check("proof").status == "passed"
    assert report.check("issuer").status == "passed"
    assert report.eu_complete is True
    assert report.format == "json"


@pytest.mark.parametrize("change", ["claim", "signature"])
def test_a_tampered_credential_is_not_valid(signed: dict[str, Any], change: str) -> None:
    tampered = json.loads(json.dumps(signed))
    if change == "claim":
        tampered["credentialSubject"]["achievement"]["name"] = "Another micro-credential"
    else:
        value = tampered["proof"][0]["proofValue"]
        tampered["proof"][0]["proofValue"] = value[:-2] + ("2" if value[-2] != "2" else "3") + value[-1]
    report = Verifier.default().verify(tampered)
    assert report.verified is False
    assert report.check("proof").status == "failed"
    assert report.verdict == "not valid"


@pytest.mark.parametrize("image", ["png", "svg"])
def test_a_baked_badge_is_verified(signed: dict[str, Any], image: str) -> None:
    text = json.dumps(signed)
    badge = (
        bake_png(badge_png(), text)
        if image == "png"
        else bake_svg(badge_svg(title="Badge", issuer="Demo University", year="2026"), text).encode()
    )
    report = Verifier.default().verify(badge)
    assert report.verified, [(c.id, c.sentence) for c in report.checks if c.status != "passed"]
    assert report.format == image


def test_a_vc_jwt_is_verified(world: World) -> None:
    jws = encode(
        {"alg": "EdDSA", "kid": world.issuer.verification_method, "typ": "JWT"},
        ob3_payload(world.credential()),
        eddsa(),
    )
    report = Verifier.default().verify(jws, now=NOW)
    assert report.verified, [(c.id, c.sentence) for c in report.checks if c.status != "passed"]
    assert report.format == "jwt"
    tampered = jws[:-4] + ("AAAA" if not jws.endswith("AAAA") else "BBBB")
    assert Verifier.default().verify(tampered, now=NOW).check("proof").status == "failed"


def test_a_presentation_has_its_own_door(signed: dict[str, Any]) -> None:
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [signed],
    }
    with pytest.raises(InvalidInput, match="verify_presentation"):
        Verifier.default().verify(presentation)
    report = Verifier.default().verify_presentation(json.dumps(presentation))
    holder_proof = next(check for check in report.checks if check.id == "holderProof")
    assert holder_proof.status == "not-checked"  # no challenge was given
    assert [inner.verified for inner in report.credentials] == [True]


def test_a_w3c_vector_context_is_never_fetched() -> None:
    """The vc-di-eddsa vectors use the W3C examples context, which is not pinned: the default verifier refuses it
    by name as not checked (a context it lacks is never a failure), and nothing goes out (contexts are never
    fetched)."""
    recorder = Recorder()
    vector = (EDDSA_VECTORS / "eddsa-rdfc-2022" / "signedDataInt.json").read_bytes()
    report = Verifier.default(client=recorder.client()).verify(vector, now=NOW)
    assert report.check("contexts").status == "not-checked"
    assert "https://www.w3.org/ns/credentials/examples/v2" in report.check("contexts").sentence
    assert report.verified is False
    assert recorder.requests == []


@pytest.mark.parametrize(
    "name",
    [
        "eddsa-rdfc-2022/signedDataInt.json",
        "Ed25519Signature2020/signedEdSig.json",
        "eddsa-jcs-2022/signedJCS.json",
    ],
)
def test_a_w3c_vector_proof_verifies_with_its_context_pinned(
    name: str, examples_loader: DocumentLoader
) -> None:
    report = Verifier.default(document_loader=examples_loader).verify(
        (EDDSA_VECTORS / name).read_bytes(), now=NOW
    )
    assert report.check("proof").status == "passed", report.check("proof").sentence
    assert report.check("contexts").status == "passed"
    # the vectors' issuer is an https URL, unrelated to the did:key that signed: never "verified"
    assert report.check("issuer").status == "not-checked"
    tampered = json.loads((EDDSA_VECTORS / name).read_text(encoding="utf-8"))
    tampered["credentialSubject"]["alumniOf"] = "Another School"
    assert (
        Verifier.default(document_loader=examples_loader).verify(tampered, now=NOW).check("proof").status
        == "failed"
    )


def test_the_default_client_is_guarded() -> None:
    """Loopback is refused before any request is sent (the policy allows it only when told), through the fetcher
    and through did:web resolution."""
    recorder = Recorder()
    verifier = Verifier.default(client=recorder.client())
    with pytest.raises(FetchError, match="not publicly reachable"):
        verifier.fetcher.get("https://127.0.0.1/status/1")
    with pytest.raises(FetchError):
        verifier.resolver.resolve("did:web:localhost")
    assert recorder.requests == []
    allowed = Verifier.default(
        client=recorder.client(), fetch_policy=FetchPolicy(allow_private=frozenset({"127.0.0.1"}))
    )
    with pytest.raises(FetchError, match="answered HTTP 404"):  # the request went out: the guard let it pass
        allowed.fetcher.get("https://127.0.0.1/status/1")
    assert [str(request.url) for request in recorder.requests] == ["https://127.0.0.1/status/1"]


def test_the_default_real_client_refuses_loopback_too() -> None:
    """Without an injected client (the real httpx transport), a loopback URL fails at the guard, offline."""
    with pytest.raises(FetchError):
        Verifier.default().fetcher.get("https://127.0.0.1:9/")
