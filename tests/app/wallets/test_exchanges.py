"""VC-API exchange for the Learner Credential Wallet end to end (issue 10, points 2, 3 and 4).

The wallet's DID-authentication presentation is signed by Digital Bazaar's ``@digitalbazaar/vc`` run by node
(``tests/interop/di.mjs``), as the LCW does (Ed25519Signature2020 with a did:key, purpose authentication); the
issued credential is verified by node too. A missing node or node_modules fails, never skips.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.app.issuance.factories import node
from tests.app.wallets.factories import (
    BASE,
    VC_V1,
    VC_V2,
    Clock,
    Holder,
    exchange_path,
    lcw_offer,
    signed,
    start,
)
from tests.issuer.factories import Issuing, served_contexts

pytestmark = pytest.mark.interop


def test_lcw_exchange_issues_to_the_authenticated_did(client: TestClient, it: Issuing, clock: Clock) -> None:
    answer = lcw_offer(it)
    path = exchange_path(answer)
    request = start(client, path)
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["query"][0]["acceptedMethods"] == [{"method": "key"}]
    assert request["domain"] == BASE
    assert len(request["challenge"]) >= 32
    holder, modern = Holder(7), Holder(9)
    other = lcw_offer(it)
    other_request = start(client, exchange_path(other))
    presentation, v2_presentation = signed(
        [
            holder.sign_job(challenge=request["challenge"], domain=request["domain"]),
            modern.sign_job(
                challenge=other_request["challenge"],
                domain=other_request["domain"],
                suite="eddsa-rdfc-2022",
                context=VC_V2,
            ),
        ]
    )
    response = client.post(path, json={"verifiablePresentation": presentation})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    credentials = response.json()["verifiablePresentation"]["verifiableCredential"]
    assert len(credentials) == 1
    credential = credentials[0]
    assert credential["credentialSubject"]["id"] == holder.did
    status = client.get(f"/credentials/offers/{answer['id']}", headers=it.headers).json()
    assert (status["state"], status["holder"], status["credentialId"]) == (
        "issued",
        holder.did,
        credential["id"],
    )
    # The offer is spent for both flows.
    assert client.post(path, json={}).status_code == 409
    assert client.post(path, json={"verifiablePresentation": presentation}).status_code == 409
    page_offer = answer["links"]["openid4vci"]["byReference"]
    uri = parse_qs(urlsplit(page_offer).query)["credential_offer_uri"][0]
    assert client.get(uri.removeprefix(BASE)).status_code == 404
    # A did:key presentation with a Data Integrity eddsa-rdfc-2022 proof (VC 2.0 context) works as well.
    second = client.post(exchange_path(other), json={"verifiablePresentation": v2_presentation})
    assert second.status_code == 200, second.text
    assert second.json()["verifiablePresentation"]["verifiableCredential"][0]["credentialSubject"]["id"] == (
        modern.did
    )
    # Node (jsonld-signatures) verifies the proof on what the wallet received. ("document": the proof only; the
    # credential now has a credentialStatus, which @digitalbazaar/vc would want a status checker for.)
    assert credential["credentialStatus"]["statusPurpose"] == "revocation"
    did_document = client.get(f"/issuers/{it.slug}/did.json").json()
    rebound = {**credential, "credentialSubject": {**credential["credentialSubject"], "id": modern.did}}
    result, tampered = node(
        [
            {
                "action": "verify",
                "kind": "document",
                "document": document,
                "didDocuments": [did_document],
                "extraContexts": served_contexts(client),
            }
            for document in (credential, rebound)
        ]
    )
    assert result["verified"] is True, result
    assert tampered["verified"] is False, tampered


def test_presentations_that_do_not_authenticate_are_refused(
    client: TestClient, it: Issuing, clock: Clock
) -> None:
    answer = lcw_offer(it)
    path = exchange_path(answer)
    before = {"@context": [VC_V1], "type": ["VerifiablePresentation"], "holder": Holder(1).did}
    assert client.post(path, json={"verifiablePresentation": before}).status_code == 401  # no challenge yet
    request = start(client, path)
    challenge, domain = request["challenge"], request["domain"]
    again = lcw_offer(it)
    first = start(client, exchange_path(again))
    start(client, exchange_path(again))  # a new challenge replaces the old one
    holder, impostor = Holder(2), Holder(3)
    jobs = [
        holder.sign_job(challenge="another-challenge", domain=domain),
        holder.sign_job(challenge=challenge, domain="https://elsewhere.example"),
        impostor.sign_job(challenge=challenge, domain=domain, holder=holder.did),
        holder.sign_job(challenge=first["challenge"], domain=domain),
        holder.sign_job(challenge=challenge, domain=domain),
    ]
    wrong_challenge, wrong_domain, not_the_holder, stale, good = signed(jobs)
    for refused in (wrong_challenge, wrong_domain, not_the_holder):
        response = client.post(path, json={"verifiablePresentation": refused})
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert client.post(exchange_path(again), json={"verifiablePresentation": stale}).status_code == 401
    unsigned = {k: v for k, v in good.items() if k != "proof"}
    assert client.post(path, json={"verifiablePresentation": unsigned}).status_code == 401
    tampered = {**good, "holder": impostor.did}
    assert client.post(path, json={"verifiablePresentation": tampered}).status_code == 401
    assert client.post(path, json={"verifiablePresentation": "x"}).status_code == 422
    # None of that used the offer up: the real holder still gets the credential.
    response = client.post(path, json={"verifiablePresentation": good})
    assert response.status_code == 200, response.text


def test_an_offer_for_a_named_did_and_an_expired_exchange(
    client: TestClient, it: Issuing, clock: Clock
) -> None:
    learner, stranger = Holder(4), Holder(5)
    named = lcw_offer(it, learner={"did": learner.did})
    path = exchange_path(named)
    request = start(client, path)
    by_stranger, by_learner = signed(
        [
            stranger.sign_job(challenge=request["challenge"], domain=request["domain"]),
            learner.sign_job(challenge=request["challenge"], domain=request["domain"]),
        ]
    )
    assert client.post(path, json={"verifiablePresentation": by_stranger}).status_code == 401
    assert client.post(path, json={"verifiablePresentation": by_learner}).status_code == 200
    short = lcw_offer(it, expiresIn=60)
    protocols = client.get(f"{exchange_path(short)}/protocols").json()["protocols"]
    assert protocols["vcapi"] == f"{BASE}{exchange_path(short)}"
    assert protocols["OID4VCI"] == short["links"]["openid4vci"]["byReference"]
    clock.advance(seconds=61)
    assert client.post(exchange_path(short), json={}).status_code == 404
    assert client.post("/exchanges/unknown", json={}).status_code == 404
