"""Sending an already issued credential to a wallet from its learner page (issue 9 point 2 with issue 10's flows).

The button is a plain form; its POST opens the wallet page of a new offer of that credential (OpenID4VCI by
reference and the LCW deep link). A wallet proving its key gets a DID-bound re-issue of an e-mail-only credential
(same achievement, result, dates and identifiers; new id and status entry; linked to the original), or the stored
credential as is when it already names that DID; other DIDs, revoked credentials and replays are refused, and a
refused or failed redemption writes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from microcred.app.db.tables import IssuedCredential, StatusEntry, WalletOffer
from microcred.app.wallets import service as wallet_service
from microcred.vc.errors import InvalidInput
from tests.app.issuance.factories import node
from tests.app.pages.factories import HTML, issue
from tests.app.status.factories import bit_of, entries, set_status
from tests.app.wallets.factories import (
    BASE,
    Clock,
    Holder,
    Wallet,
    error_of,
    page_links,
    press_button,
    query_value,
    signed,
    start,
    verified,
    wallet_forms,
)
from tests.issuer.factories import Issuing, served_contexts

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def key_of(body: dict[str, Any]) -> dict[str, str]:
    """The form field the private learner page posts: the learner key from the private link."""
    link: str = body["learnerLink"]
    return {"key": link.rsplit("/learner/", 1)[1]}


def offer_rows(app: FastAPI) -> list[WalletOffer]:
    with app.state.services.sessions() as session:
        return list(session.scalars(select(WalletOffer).order_by(WalletOffer.id)))


def counts(app: FastAPI) -> tuple[int, int]:
    """(credentials, status entries) in the database."""
    with app.state.services.sessions() as session:
        return (
            int(session.scalar(select(func.count()).select_from(IssuedCredential)) or 0),
            int(session.scalar(select(func.count()).select_from(StatusEntry)) or 0),
        )


def test_learner_page_has_an_add_to_wallet_form_that_opens_the_wallet_page(
    client: TestClient, app: FastAPI, it: Issuing, clock: Clock
) -> None:
    body = issue(it)
    page = client.get(body["learnerLink"].removeprefix(BASE), headers=HTML).text
    (form,) = wallet_forms(page)
    assert form == {"method": "post", "action": f"{body['learnerPage']}/wallet", "text": "Add to a wallet"}
    wallet_page = press_button(client, body["learnerLink"])
    openid, lcw = page_links(client, wallet_page)
    reference = wallet_page.removeprefix("/wallet/")
    assert query_value(openid, "credential_offer_uri") == f"{BASE}/oid4vci/offers/{reference}"
    assert f'"vcapi":"{BASE}/exchanges/{reference}"' in query_value(lcw, "request")
    assert lcw.startswith("https://lcw.app/request?request=")
    # the learner link is the secret: no transaction code is asked for
    offer = Wallet(client).offer(openid)
    assert "tx_code" not in offer["grants"][PRE_AUTH]
    assert "transaction code" not in client.get(wallet_page).text
    (row,) = offer_rows(app)
    assert row.source_credential_id == body["verifiableCredential"]["id"].removeprefix("urn:uuid:")
    assert row.tx_code_hash is None
    assert reference not in str(row.__dict__)
    # a second press withdraws the unredeemed first offer: one open offer per credential
    second = press_button(client, body["learnerLink"])
    assert client.get(wallet_page).status_code == 404
    assert client.get(second).status_code == 200
    assert len(offer_rows(client.app)) == 1  # type: ignore[arg-type]


def test_openid4vci_wallet_gets_an_equivalent_credential_bound_to_its_did(
    client: TestClient, app: FastAPI, it: Issuing, clock: Clock
) -> None:
    body = issue(it)
    original = body["verifiableCredential"]
    before = counts(app)
    wallet = Wallet(client)
    wallet_page = press_button(client, body["learnerLink"])
    openid, _ = page_links(client, wallet_page)
    offer = wallet.offer(openid)
    credential = wallet.accept(openid, None, clock.now)
    # bound to the wallet's DID, re-signed by the issuer, everything else as awarded
    assert credential["credentialSubject"]["id"] == wallet.did
    assert "id" not in original["credentialSubject"]
    assert verified(client, it, credential)
    assert credential["id"] != original["id"]
    assert credential["credentialStatus"] != original["credentialStatus"]
    assert credential["credentialStatus"]["statusPurpose"] == original["credentialStatus"]["statusPurpose"]
    same = {k: v for k, v in original.items() if k not in {"id", "proof", "credentialStatus"}}
    same["credentialSubject"] = {**original["credentialSubject"], "id": wallet.did}
    assert {k: v for k, v in credential.items() if k not in {"id", "proof", "credentialStatus"}} == same
    assert credential["proof"][0]["created"] == clock.now.isoformat().replace("+00:00", "Z")
    # one new credential and one new status entry; linked to the original; the original unchanged
    assert counts(app) == (before[0] + 1, before[1] + 1)
    (row,) = offer_rows(app)
    copy_id = credential["id"].removeprefix("urn:uuid:")
    assert (row.state, row.holder_did, row.credential_id) == ("issued", wallet.did, copy_id)
    assert row.source_credential_id == original["id"].removeprefix("urn:uuid:")
    stored = client.get(body["learnerPage"].removeprefix(BASE), headers={"Accept": "application/json"})
    assert stored.json() == original
    assert client.get(f"/credentials/{copy_id}", headers={"Accept": "application/json"}).json() == credential
    # the code was single use; the wallet page now leads to the copy's learner page
    again = wallet.token(offer["grants"][PRE_AUTH]["pre-authorized_code"])
    assert error_of(again) == "invalid_grant"
    assert client.get(query_value(openid, "credential_offer_uri").removeprefix(BASE)).status_code == 404
    assert f'href="{BASE}/credentials/{copy_id}"' in client.get(wallet_page).text
    # the same wallet asking again gets the same copy (no new signature); another wallet gets its own copy
    assert wallet.accept(
        page_links(client, press_button(client, body["learnerLink"]))[0], None, clock.now
    ) == (credential)
    assert counts(app) == (before[0] + 1, before[1] + 1)
    other = Wallet(client)
    theirs = other.accept(page_links(client, press_button(client, body["learnerLink"]))[0], None, clock.now)
    assert theirs["credentialSubject"]["id"] == other.did != wallet.did
    assert theirs["id"] not in (credential["id"], original["id"])
    assert counts(app) == (before[0] + 2, before[1] + 2)


def test_a_credential_naming_a_did_is_delivered_as_is_and_only_to_that_did(
    client: TestClient, app: FastAPI, it: Issuing, clock: Clock
) -> None:
    holder, stranger = Wallet(client), Wallet(client)
    response = it.issue(it.subject(id=holder.did, result=[{"type": ["Result"], "value": "Pass"}]))
    assert response.status_code == 201, response.text
    body = response.json()
    before = counts(app)
    openid, _ = page_links(client, press_button(client, body["learnerLink"]))
    offer = stranger.offer(openid)
    token = stranger.token(offer["grants"][PRE_AUTH]["pre-authorized_code"]).json()["access_token"]
    refused = stranger.credential(
        token, {"jwt": [stranger.proof(nonce=stranger.nonce(), iat=clock.now.timestamp())]}
    )
    assert error_of(refused) == "credential_request_denied"
    assert [row.state for row in offer_rows(app)] == ["token"]
    assert counts(app) == before
    openid, _ = page_links(client, press_button(client, body["learnerLink"]))
    assert holder.accept(openid, None, clock.now) == body["verifiableCredential"]  # the stored one, unchanged
    assert counts(app) == before
    row = offer_rows(app)[-1]
    assert row.credential_id == row.source_credential_id == body["verifiableCredential"]["id"][9:]


def test_revoked_credentials_have_no_button_and_cannot_be_sent(
    client: TestClient, app: FastAPI, it: Issuing, clock: Clock
) -> None:
    body = issue(it)
    wallet = Wallet(client)
    openid, _ = page_links(client, press_button(client, body["learnerLink"]))
    offer = wallet.offer(openid)
    token = wallet.token(offer["grants"][PRE_AUTH]["pre-authorized_code"]).json()["access_token"]
    change = client.post(
        "/credentials/status",
        json={
            "credentialId": body["verifiableCredential"]["id"],
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
            "status": True,
        },
        headers=it.headers,
    )
    assert change.status_code == 200, change.text
    before = counts(app)
    # revoked after the offer was made: the redemption is refused and changes nothing
    refused = wallet.credential(
        token, {"jwt": [wallet.proof(nonce=wallet.nonce(), iat=clock.now.timestamp())]}
    )
    assert refused.status_code == 409, refused.text
    assert "revoked" in refused.json()["detail"]
    assert [row.state for row in offer_rows(app)] == ["token"]
    assert counts(app) == before
    page = client.get(body["learnerLink"].removeprefix(BASE), headers=HTML).text
    assert wallet_forms(page) == []
    direct = client.post(
        body["learnerPage"].removeprefix(BASE) + "/wallet", data=key_of(body), follow_redirects=False
    )
    assert direct.status_code == 409
    assert client.post("/credentials/00000000-0000-4000-8000-000000000000/wallet").status_code == 404


def test_a_failed_reissue_leaves_nothing_written(
    client: TestClient, app: FastAPI, it: Issuing, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = issue(it)
    wallet = Wallet(client)
    openid, _ = page_links(client, press_button(client, body["learnerLink"]))
    offer = wallet.offer(openid)
    token = wallet.token(offer["grants"][PRE_AUTH]["pre-authorized_code"]).json()["access_token"]
    before = counts(app)

    def refuse(*_args: Any, **_kwargs: Any) -> str:
        raise InvalidInput("refused by the test")

    monkeypatch.setattr(wallet_service, "check_and_sign", refuse)
    nonce = wallet.nonce()
    failed = wallet.credential(token, {"jwt": [wallet.proof(nonce=nonce, iat=clock.now.timestamp())]})
    assert failed.status_code == 422
    # no credential, no status entry, the offer still waits for its credential request, the nonce unspent
    assert counts(app) == before
    (row,) = offer_rows(app)
    assert (row.state, row.holder_did, row.credential_id) == ("token", None, None)
    monkeypatch.undo()
    credential = wallet.credential(token, {"jwt": [wallet.proof(nonce=nonce, iat=clock.now.timestamp())]})
    assert credential.status_code == 200, credential.text


def test_reissues_per_credential_are_capped(
    client: TestClient, app: FastAPI, it: Issuing, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wallet_service, "MAX_REISSUES", 2)
    body = issue(it)
    first, second = Wallet(client), Wallet(client)
    for wallet in (first, second):
        wallet.accept(page_links(client, press_button(client, body["learnerLink"]))[0], None, clock.now)
    refused = client.post(
        body["learnerPage"].removeprefix(BASE) + "/wallet", data=key_of(body), follow_redirects=False
    )
    assert refused.status_code == 409
    assert "2 wallets" in refused.json()["detail"]
    assert len(offer_rows(app)) == 2


@pytest.mark.interop
def test_learner_credential_wallet_gets_the_credential_over_the_vcapi_exchange(
    client: TestClient, app: FastAPI, it: Issuing, clock: Clock
) -> None:
    body = issue(it)
    original = body["verifiableCredential"]
    _, lcw = page_links(client, press_button(client, body["learnerLink"]))
    request = json.loads(query_value(lcw, "request"))
    assert request["credentialRequestOrigin"] == BASE
    path = request["protocols"]["vcapi"].removeprefix(BASE)
    challenge = start(client, path)
    assert challenge["query"][0]["type"] == "DIDAuthentication"
    holder = Holder(11)
    (presentation,) = signed([holder.sign_job(challenge=challenge["challenge"], domain=challenge["domain"])])
    before = counts(app)
    response = client.post(path, json={"verifiablePresentation": presentation})
    assert response.status_code == 200, response.text
    (credential,) = response.json()["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"] == {**original["credentialSubject"], "id": holder.did}
    assert credential["id"] != original["id"]
    assert counts(app) == (before[0] + 1, before[1] + 1)
    (row,) = offer_rows(app)
    assert (row.state, row.holder_did, row.credential_id) == ("issued", holder.did, credential["id"][9:])
    assert client.post(path, json={"verifiablePresentation": presentation}).status_code == 409
    # Digital Bazaar's stack verifies the re-issued credential's proof
    did_document = client.get(f"/issuers/{it.slug}/did.json").json()
    (result,) = node(
        [
            {
                "action": "verify",
                "kind": "document",
                "document": credential,
                "didDocuments": [did_document],
                "extraContexts": served_contexts(client),
            }
        ]
    )
    assert result["verified"] is True, result
    # a credential that names another DID: the exchange refuses this holder and nothing changes
    named = it.issue(it.subject(id=Holder(12).did, result=[{"type": ["Result"], "value": "Pass"}])).json()
    _, lcw = page_links(client, press_button(client, named["learnerLink"]))
    path = json.loads(query_value(lcw, "request"))["protocols"]["vcapi"].removeprefix(BASE)
    challenge = start(client, path)
    (presentation,) = signed([holder.sign_job(challenge=challenge["challenge"], domain=challenge["domain"])])
    before = counts(app)
    assert client.post(path, json={"verifiablePresentation": presentation}).status_code == 401
    assert counts(app) == before
    assert offer_rows(app)[-1].state == "offered"


def test_with_suspension_entries_the_copy_gets_both_and_a_suspended_credential_is_not_sent(
    client: TestClient, app: FastAPI, it: Issuing, clock: Clock
) -> None:
    services = app.state.services
    services.settings = services.settings.model_copy(update={"status_suspension": True})
    body = issue(it)
    original = body["verifiableCredential"]
    wallet = Wallet(client)
    credential = wallet.accept(
        page_links(client, press_button(client, body["learnerLink"]))[0], None, clock.now
    )
    purposes = [entry["statusPurpose"] for entry in credential["credentialStatus"]]
    assert (
        purposes
        == [entry["statusPurpose"] for entry in original["credentialStatus"]]
        == [
            "revocation",
            "suspension",
        ]
    )
    assert credential["credentialStatus"] != original["credentialStatus"]
    assert verified(client, it, credential)
    change = client.post(
        "/credentials/status",
        json={
            "credentialId": original["id"],
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"},
            "status": True,
        },
        headers=it.headers,
    )
    assert change.status_code == 200, change.text
    assert wallet_forms(client.get(body["learnerLink"].removeprefix(BASE), headers=HTML).text) == []
    refused = client.post(
        body["learnerPage"].removeprefix(BASE) + "/wallet", data=key_of(body), follow_redirects=False
    )
    assert refused.status_code == 409
    assert "suspended" in refused.json()["detail"]
    # the copy has its own entries, and follows the original: suspended with it, reinstated with it
    assert change.json()["walletCopies"] == {credential["id"]: True}
    copy = entries(credential)
    assert bit_of(client, copy["suspension"]) == 1
    assert bit_of(client, copy["revocation"]) == 0
    assert "suspended" in client.get(f"/credentials/{credential['id'][9:]}", headers=HTML).text
    reinstated = set_status(it, original["id"], "suspension", False, reason="cleared")
    assert reinstated.json()["walletCopies"] == {credential["id"]: True}
    assert bit_of(client, copy["suspension"]) == 0
    assert verified(client, it, credential)
    # a copy revoked on its own stays revoked: revocation is final, a later suspension of the original skips it
    assert set_status(it, credential["id"], "revocation", True).status_code == 200
    again = set_status(it, original["id"], "suspension", True)
    assert again.status_code == 200, again.text
    assert again.json()["walletCopies"] == {credential["id"]: False}
    assert (bit_of(client, copy["revocation"]), bit_of(client, copy["suspension"])) == (1, 0)


def test_revoking_the_original_revokes_every_wallet_copy_with_an_audited_reason(
    client: TestClient, app: FastAPI, it: Issuing, clock: Clock
) -> None:
    body = issue(it)
    original = body["verifiableCredential"]
    copies = [
        Wallet(client).accept(
            page_links(client, press_button(client, body["learnerLink"]))[0], None, clock.now
        )
        for _ in range(2)
    ]
    assert all(verified(client, it, copy) for copy in copies)
    revoked = set_status(it, original["id"], "revocation", True, reason="plagiarism found")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["changed"] is True
    assert revoked.json()["walletCopies"] == {copy["id"]: True for copy in copies}
    for copy in copies:
        assert bit_of(client, copy["credentialStatus"]) == 1
        (event,) = client.get(f"/credentials/{copy['id']}/status", headers=it.headers).json()["events"]
        assert event["reason"] == f"follows {original['id']}: plagiarism found"
        assert event["actor"].startswith("api-key:")
        assert "revoked" in client.get(f"/credentials/{copy['id'][9:]}", headers=HTML).text
    assert bit_of(client, original["credentialStatus"]) == 1
    # asking again changes nothing, for the original or its copies
    again = set_status(it, original["id"], "revocation", True)
    assert (again.json()["changed"], again.json()["walletCopies"]) == (
        False,
        {c["id"]: False for c in copies},
    )
    # a credential never sent to a wallet answers as before, without walletCopies
    plain = issue(it)["verifiableCredential"]
    assert "walletCopies" not in set_status(it, plain["id"], "revocation", True).json()
