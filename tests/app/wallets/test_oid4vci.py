"""OpenID4VCI 1.0 pre-authorized code flow end to end (issue 10, points 1, 3 and 4).

The wallet is simulated with an independent JOSE library (joserfc) for the key proofs, EdDSA and ES256; every
refusal is checked for the error code the specification defines.
"""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient
from joserfc.jwk import ECKey, OKPKey
from sqlalchemy import select

from microcred.app.db.tables import WalletNonce, WalletOffer
from tests.app.wallets.factories import (
    BASE,
    Clock,
    Wallet,
    error_of,
    granted,
    make_offer,
    query_value,
    verified,
)
from tests.issuer.factories import Issuing, definition

# --- metadata -----------------------------------------------------------------------------------------------------


def test_issuer_and_authorization_server_metadata(client: TestClient) -> None:
    issuer = client.get("/.well-known/openid-credential-issuer").json()
    assert issuer["credential_issuer"] == BASE
    assert issuer["credential_endpoint"] == f"{BASE}/oid4vci/credential"
    assert issuer["nonce_endpoint"] == f"{BASE}/oid4vci/nonce"
    assert "authorization_servers" not in issuer  # the issuer is its own authorization server
    config = issuer["credential_configurations_supported"]["AchievementCredential_ldp_vc"]
    assert config["format"] == "ldp_vc"
    assert config["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022", "Ed25519Signature2020"]
    server = client.get("/.well-known/oauth-authorization-server").json()
    assert server["issuer"] == BASE
    assert server["token_endpoint"] == f"{BASE}/oid4vci/token"
    assert server["grant_types_supported"] == ["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert server["pre-authorized_grant_anonymous_access_supported"] is True


# --- the flow -----------------------------------------------------------------------------------------------------


def test_eddsa_wallet_receives_a_credential_bound_to_its_did_key(
    client: TestClient, app: FastAPI, it: Issuing, clock: Clock
) -> None:
    answer = make_offer(it)
    assert answer["state"] == "offered"
    assert answer["txCode"] is not None
    assert len(answer["txCode"]) == 6
    assert answer["txCode"].isdigit()
    wallet = Wallet(client)
    credential = wallet.accept(answer["links"]["openid4vci"]["byReference"], answer["txCode"], clock.now)
    assert credential["credentialSubject"]["id"] == wallet.did
    assert credential["credentialSubject"]["achievement"]["id"] == f"{it.achievement_url}/versions/1"
    identifiers = {i["identityType"]: i for i in credential["credentialSubject"]["identifier"]}
    assert identifiers["name"]["identityHash"] == "Ana Andromeda"
    assert identifiers["emailAddress"]["hashed"] is True
    assert credential["issuer"]["id"] == it.did
    assert verified(client, it, credential)
    # Revocable like any other credential: it has its status-list entry (issue 7).
    assert credential["credentialStatus"]["statusPurpose"] == "revocation"
    assert credential["credentialStatus"]["statusListCredential"].startswith(f"{BASE}/status/")
    status = client.get(f"/credentials/offers/{answer['id']}", headers=it.headers).json()
    assert status["state"] == "issued"
    assert status["holder"] == wallet.did
    assert status["credentialId"] == credential["id"]
    stored = client.get(f"/credentials/{credential['id']}", headers={"Accept": "application/json"}).json()
    assert stored == credential
    with app.state.services.sessions() as session:
        row = session.scalars(select(WalletOffer)).one()
    assert "ana@example.org" not in json.dumps(row.award)  # personal data dropped once in the credential


def test_es256_wallet_with_a_jwk_is_bound_as_did_jwk(client: TestClient, it: Issuing, clock: Clock) -> None:
    answer = make_offer(it, txCode=False)
    assert answer["txCode"] is None
    wallet = Wallet(client, key=ECKey.generate_key("P-256"), binding="jwk")
    credential = wallet.accept(answer["links"]["openid4vci"]["byValue"], None, clock.now)
    assert credential["credentialSubject"]["id"].startswith("did:jwk:")
    assert verified(client, it, credential)


def test_es256_wallet_with_a_p256_did_key(client: TestClient, it: Issuing, clock: Clock) -> None:
    answer = make_offer(it)
    wallet = Wallet(client, key=ECKey.generate_key("P-256"))
    credential = wallet.accept(answer["links"]["openid4vci"]["byReference"], answer["txCode"], clock.now)
    assert credential["credentialSubject"]["id"] == wallet.did
    assert wallet.did.startswith("did:key:zDn")


def test_codes_and_tokens_are_stored_only_as_hashes(
    client: TestClient, app: FastAPI, it: Issuing, clock: Clock
) -> None:
    answer = make_offer(it)
    wallet = Wallet(client)
    offer = wallet.offer(answer["links"]["openid4vci"]["byReference"])
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
    reference = answer["links"]["page"].rsplit("/", 1)[1]
    token = wallet.token(code, answer["txCode"]).json()["access_token"]
    nonce = wallet.nonce()
    with app.state.services.sessions() as session:
        rows = [
            json.dumps([getattr(row, c.name) for c in row.__table__.columns], default=str)
            for row in [*session.scalars(select(WalletOffer)), *session.scalars(select(WalletNonce))]
        ]
    dump = "\n".join(rows)
    for secret in (code, reference, token, nonce, answer["txCode"]):
        assert secret not in dump
    assert len(rows) == 2


def test_authorization_details_give_a_credential_identifier(
    client: TestClient, it: Issuing, clock: Clock
) -> None:
    answer = make_offer(it)
    wallet = Wallet(client)
    offer = wallet.offer(answer["links"]["openid4vci"]["byReference"])
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
    details = json.dumps(
        [{"type": "openid_credential", "credential_configuration_id": "AchievementCredential_ldp_vc"}]
    )
    token = wallet.token(code, answer["txCode"], authorization_details=details).json()
    identifiers = token["authorization_details"][0]["credential_identifiers"]
    assert identifiers == [answer["id"]]
    proof = {"jwt": [wallet.proof(nonce=wallet.nonce(), iat=clock.now.timestamp())]}
    wrong = wallet.credential(
        token["access_token"], proof, credential_configuration_id=None, credential_identifier="x"
    )
    assert error_of(wrong) == "unknown_credential_identifier"
    proof = {"jwt": [wallet.proof(nonce=wallet.nonce(), iat=clock.now.timestamp())]}
    response = wallet.credential(
        token["access_token"], proof, credential_configuration_id=None, credential_identifier=identifiers[0]
    )
    assert response.status_code == 200, response.text


# --- refusals -----------------------------------------------------------------------------------------------------


def test_a_pre_authorized_code_is_single_use(client: TestClient, it: Issuing, clock: Clock) -> None:
    answer = make_offer(it)
    wallet = Wallet(client)
    offer = wallet.offer(answer["links"]["openid4vci"]["byReference"])
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
    assert wallet.token(code, answer["txCode"]).status_code == 200
    assert error_of(wallet.token(code, answer["txCode"])) == "invalid_grant"
    # The by-reference offer is gone once redeemed.
    assert client.get(answer["links"]["credentialOfferUri"].removeprefix(BASE)).status_code == 404


def test_an_expired_code_is_refused(client: TestClient, it: Issuing, clock: Clock) -> None:
    answer = make_offer(it, expiresIn=600)
    wallet = Wallet(client)
    offer = wallet.offer(answer["links"]["openid4vci"]["byReference"])
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
    clock.advance(seconds=601)
    assert error_of(wallet.token(code, answer["txCode"])) == "invalid_grant"
    assert client.get(answer["links"]["credentialOfferUri"].removeprefix(BASE)).status_code == 404
    assert error_of(wallet.token("made-up-code", "123456")) == "invalid_grant"


def test_codes_are_short_lived_and_a_new_fetch_of_the_offer_gives_a_fresh_one(
    client: TestClient, it: Issuing, clock: Clock
) -> None:
    answer = make_offer(it)  # open for a day; each code for MICROCRED_WALLET_CODE_TTL_SECONDS (600 s)
    wallet = Wallet(client)
    link = answer["links"]["openid4vci"]["byReference"]

    def code_now() -> str:
        grant = wallet.offer(link)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
        code: str = grant["pre-authorized_code"]
        return code

    by_value = json.loads(query_value(answer["links"]["openid4vci"]["byValue"], "credential_offer"))
    first = code_now()
    assert (
        first
        == by_value["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
    )
    clock.advance(seconds=200)
    assert code_now() == first  # fetched again within the window: the same code
    clock.advance(seconds=401)
    assert error_of(wallet.token(first, answer["txCode"])) == "invalid_grant"  # 601 s old
    fresh = code_now()
    assert fresh != first
    assert error_of(wallet.token(first, answer["txCode"])) == "invalid_grant"
    assert wallet.token(fresh, answer["txCode"]).status_code == 200  # the tx_code still fits the new code


def test_wrong_or_missing_tx_code(client: TestClient, it: Issuing, clock: Clock) -> None:
    answer = make_offer(it)
    wallet = Wallet(client)
    offer = wallet.offer(answer["links"]["openid4vci"]["byReference"])
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
    assert offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["tx_code"]["length"] == 6
    wrong = "000000" if answer["txCode"] != "000000" else "111111"
    assert error_of(wallet.token(code, wrong)) == "invalid_grant"
    assert error_of(wallet.token(code)) == "invalid_request"
    assert wallet.token(code, answer["txCode"]).status_code == 200
    plain = make_offer(it, txCode=False)
    plain_offer = wallet.offer(plain["links"]["openid4vci"]["byReference"])
    grant = plain_offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert "tx_code" not in grant
    assert error_of(wallet.token(grant["pre-authorized_code"], "123456")) == "invalid_request"
    assert error_of(wallet.token(grant["pre-authorized_code"], grant_type="authorization_code")) == (
        "unsupported_grant_type"
    )


def test_guessing_the_tx_code_blocks_the_offer(client: TestClient, it: Issuing, clock: Clock) -> None:
    answer = make_offer(it)
    wallet = Wallet(client)
    offer = wallet.offer(answer["links"]["openid4vci"]["byReference"])
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
    guesses = [f"{n:06d}" for n in range(10) if f"{n:06d}" != answer["txCode"]][:5]
    for guess in guesses:
        assert error_of(wallet.token(code, guess)) == "invalid_grant"
    assert error_of(wallet.token(code, answer["txCode"])) == "invalid_grant"
    status = client.get(f"/credentials/offers/{answer['id']}", headers=it.headers).json()
    assert status["state"] == "blocked"


def test_nonce_must_be_fresh_known_and_unused(client: TestClient, it: Issuing, clock: Clock) -> None:
    wallet = Wallet(client)
    stale = wallet.nonce()
    clock.advance(seconds=301)  # the nonce lifetime (MICROCRED_WALLET_NONCE_TTL_SECONDS) is 300 s
    token = granted(wallet, make_offer(it))
    iat = clock.now.timestamp()
    assert error_of(wallet.credential(token, {"jwt": [wallet.proof(nonce="never-issued", iat=iat)]})) == (
        "invalid_nonce"
    )
    assert error_of(wallet.credential(token, {"jwt": [wallet.proof(nonce=None, iat=iat)]})) == "invalid_proof"
    assert (
        error_of(wallet.credential(token, {"jwt": [wallet.proof(nonce=stale, iat=iat)]})) == "invalid_nonce"
    )
    # Refusals do not use up the access token: the right proof still gets the credential...
    nonce = wallet.nonce()
    assert wallet.credential(token, {"jwt": [wallet.proof(nonce=nonce, iat=iat)]}).status_code == 200
    # ...and a nonce answers once.
    other = granted(wallet, make_offer(it))
    assert (
        error_of(wallet.credential(other, {"jwt": [wallet.proof(nonce=nonce, iat=iat)]})) == "invalid_nonce"
    )


def test_proof_by_another_key_bad_signature_or_audience(
    client: TestClient, it: Issuing, clock: Clock
) -> None:
    wallet = Wallet(client)
    token = granted(wallet, make_offer(it))
    iat = clock.now.timestamp()
    thief = OKPKey.generate_key("Ed25519")
    by_other_key = wallet.proof(nonce=wallet.nonce(), iat=iat, signer=thief)
    assert error_of(wallet.credential(token, {"jwt": [by_other_key]})) == "invalid_proof"
    head, body, signature = wallet.proof(nonce=wallet.nonce(), iat=iat).split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert error_of(wallet.credential(token, {"jwt": [f"{head}.{body}.{flipped}"]})) == "invalid_proof"
    wrong_aud = wallet.proof(nonce=wallet.nonce(), iat=iat, aud="https://elsewhere.example")
    assert error_of(wallet.credential(token, {"jwt": [wrong_aud]})) == "invalid_proof"
    assert error_of(wallet.credential(token, None)) == "invalid_proof"
    assert error_of(wallet.credential(token, {"jwt": []})) == "invalid_proof"
    other_config = wallet.credential(
        token, {"jwt": [wallet.proof(nonce=wallet.nonce(), iat=iat)]}, credential_configuration_id="Other"
    )
    assert error_of(other_config) == "unknown_credential_configuration"
    good = wallet.credential(token, {"jwt": [wallet.proof(nonce=wallet.nonce(), iat=iat)]})
    assert good.status_code == 200
    assert good.json()["credentials"][0]["credential"]["credentialSubject"]["id"] == wallet.did


def test_access_token_is_single_use_short_lived_and_required(
    client: TestClient, it: Issuing, clock: Clock
) -> None:
    wallet = Wallet(client)
    token = granted(wallet, make_offer(it))
    iat = clock.now.timestamp()
    assert wallet.credential(token, {"jwt": [wallet.proof(nonce=wallet.nonce(), iat=iat)]}).status_code == 200
    again = wallet.credential(token, {"jwt": [wallet.proof(nonce=wallet.nonce(), iat=iat)]})
    assert error_of(again, 401) == "invalid_token"
    assert again.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    late = granted(wallet, make_offer(it))
    clock.advance(seconds=301)
    proof = wallet.proof(nonce=wallet.nonce(), iat=clock.now.timestamp())
    assert error_of(wallet.credential(late, {"jwt": [proof]}), 401) == "invalid_token"
    anonymous = client.post("/oid4vci/credential", json={"proofs": {"jwt": [proof]}})
    assert error_of(anonymous, 401) == "invalid_token"


def test_an_offer_for_a_named_did_refuses_other_holders(
    client: TestClient, it: Issuing, clock: Clock
) -> None:
    learner = Wallet(client)
    answer = make_offer(it, learner={"did": learner.did, "name": "Ana"})
    stranger = Wallet(client)
    token = granted(stranger, answer)
    iat = clock.now.timestamp()
    refused = stranger.credential(token, {"jwt": [stranger.proof(nonce=stranger.nonce(), iat=iat)]})
    assert error_of(refused) == "credential_request_denied"
    learner_proof = learner.proof(nonce=learner.nonce(), iat=iat)
    assert learner.credential(token, {"jwt": [learner_proof]}).status_code == 200


# --- the institution API and the learner's page -------------------------------------------------------------------


def test_offer_api_checks_its_input(client: TestClient, it: Issuing, clock: Clock) -> None:
    body = {"achievement": it.achievement_id, "learner": {"name": "Ana"}}
    assert client.post("/credentials/offers", json=body).status_code == 401
    bad_suite = client.post("/credentials/offers", json={**body, "cryptosuite": "x"}, headers=it.headers)
    assert bad_suite.status_code == 422
    unknown = client.post("/credentials/offers", json={**body, "achievement": "nope"}, headers=it.headers)
    assert unknown.status_code == 404
    too_long = client.post("/credentials/offers", json={**body, "expiresIn": 10**9}, headers=it.headers)
    assert too_long.status_code == 422
    bad_did = client.post(
        "/credentials/offers", json={**body, "learner": {"did": "nope"}}, headers=it.headers
    )
    assert bad_did.status_code == 422
    by_url = client.post(
        "/credentials/offers", json={**body, "achievement": it.achievement_url}, headers=it.headers
    )
    assert by_url.status_code == 201
    assert by_url.headers["cache-control"] == "no-store"
    assert client.get("/credentials/offers/unknown", headers=it.headers).status_code == 404


def test_learner_page_shows_both_flows_qr_codes_and_links(
    client: TestClient, it: Issuing, clock: Clock
) -> None:
    answer = make_offer(it)
    links = answer["links"]
    page = client.get(links["page"].removeprefix(BASE))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert html.count("<svg") == 2
    assert links["openid4vci"]["byReference"].replace("&", "&amp;") in html
    assert links["vcapi"]["lcw"].replace("&", "&amp;") in html
    assert answer["txCode"] not in html
    assert "transaction code" in html
    assert links["qr"]["openid4vci"]["png"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert links["qr"]["lcw"]["svg"].startswith("<svg")
    lcw = json.loads(query_value(links["vcapi"]["lcw"], "request"))
    assert lcw == {"credentialRequestOrigin": BASE, "protocols": {"vcapi": links["vcapi"]["exchangeUrl"]}}
    credential = Wallet(client).accept(links["openid4vci"]["byReference"], answer["txCode"], clock.now)
    # Once accepted, the page leads to the credential's learner page (issue 9).
    after = client.get(links["page"].removeprefix(BASE))
    assert after.status_code == 200
    learner_page = f"{BASE}/credentials/{credential['id'].removeprefix('urn:uuid:')}"
    assert f'href="{learner_page}"' in after.text
    assert client.get(learner_page.removeprefix(BASE)).status_code == 200
    blocked = make_offer(it)
    code = query_value(blocked["links"]["openid4vci"]["byValue"], "credential_offer")
    pre_code = json.loads(code)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"][
        "pre-authorized_code"
    ]
    for _ in range(5):
        Wallet(client).token(pre_code, "x")
    assert client.get(blocked["links"]["page"].removeprefix(BASE)).status_code == 410
    assert client.get("/wallet/not-a-reference").status_code == 404


def test_an_offer_freezes_the_achievement_version_it_offers(
    client: TestClient, it: Issuing, clock: Clock
) -> None:
    answer = make_offer(it)
    changed = client.put(f"/achievements/{it.achievement_id}", json=definition(ects=4), headers=it.headers)
    assert changed.json()["version"] == 2  # version 1 is what was offered, so it stays as it was
    credential = Wallet(client).accept(
        answer["links"]["openid4vci"]["byReference"], answer["txCode"], clock.now
    )
    assert credential["credentialSubject"]["achievement"]["id"] == f"{it.achievement_url}/versions/1"
    assert credential["credentialSubject"]["achievement"]["creditsAvailable"] != 4
