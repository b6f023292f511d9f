"""One offer, one set of rules: every redemption path (OpenID4VCI token, OpenID4VCI credential, VC-API exchange)
goes through the offer state machine (issuer.offer_state) - the transaction code when the offer has one, expiry,
single use, the wrong-code limit shared by all paths, and two parallel redemptions of which only one wins.

Exchange presentations are signed by node (tests/interop), as the LCW signs them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from microcred.app.db.tables import IssuedCredential, WalletOffer
from microcred.app.wallets.redemption import MAX_TX_CODE_FAILURES
from tests.app.factories import admin, app, client, new_institution, settings  # noqa: F401
from tests.app.wallets.factories import (
    Clock,
    Holder,
    Wallet,
    error_of,
    exchange_path,
    make_offer,
    signed,
    start,
)
from tests.issuer.factories import Issuing, issuing

pytestmark = pytest.mark.interop
PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


@pytest.fixture
def clock(app: FastAPI) -> Clock:  # noqa: F811
    clock = Clock()
    app.state.services.clock = clock
    return clock


@pytest.fixture
def it(client: TestClient, new_institution: Callable[..., Any], clock: Clock) -> Issuing:  # noqa: F811
    # defined on the test's clock: an award may not be dated before its achievement existed
    return issuing(client, new_institution())


def code_of(wallet: Wallet, answer: dict[str, Any]) -> str:
    offer = wallet.offer(answer["links"]["openid4vci"]["byReference"])
    code: str = offer["grants"][PRE_AUTH]["pre-authorized_code"]
    return code


def wrong_codes(answer: dict[str, Any], count: int) -> list[str]:
    return [f"{n:06d}" for n in range(count + 1) if f"{n:06d}" != answer["txCode"]][:count]


def offer_row(app: FastAPI, offer_id: str) -> WalletOffer:  # noqa: F811
    with app.state.services.sessions() as session:
        row: WalletOffer | None = session.scalar(select(WalletOffer).where(WalletOffer.public_id == offer_id))
        assert row is not None
        return row


def credential_count(app: FastAPI) -> int:  # noqa: F811
    with app.state.services.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(IssuedCredential)) or 0)


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def presentation_for(client: TestClient, path: str, holder: Holder) -> dict[str, Any]:  # noqa: F811
    request = start(client, path)
    (document,) = signed([holder.sign_job(challenge=request["challenge"], domain=request["domain"])])
    return document


# --- VC-API exchange ----------------------------------------------------------------------------------------------


def test_exchange_of_an_offer_with_a_transaction_code_needs_the_code(
    client: TestClient,  # noqa: F811
    app: FastAPI,  # noqa: F811
    it: Issuing,
    clock: Clock,
) -> None:
    answer = make_offer(it)  # txCode on by default
    path = exchange_path(answer)
    holder = Holder(21)
    presentation = presentation_for(client, path, holder)
    before = credential_count(app)
    missing = problem(client.post(path, json={"verifiablePresentation": presentation}), 422)
    assert missing["errors"][0]["pointer"] == "/txCode"
    wrong = wrong_codes(answer, 1)[0]
    problem(client.post(path, json={"verifiablePresentation": presentation, "txCode": wrong}), 403)
    assert credential_count(app) == before
    assert offer_row(app, answer["id"]).tx_code_failures == 1  # the refusal was answered and the count kept
    done = client.post(path, json={"verifiablePresentation": presentation, "txCode": answer["txCode"]})
    assert done.status_code == 200, done.text
    issued = done.json()["verifiablePresentation"]["verifiableCredential"][0]
    assert issued["credentialSubject"]["id"] == holder.did
    row = offer_row(app, answer["id"])
    assert (row.state, row.tx_code_failures) == ("issued", 1)  # the right code gave its attempt back
    # Single use: the same presentation and code again are refused.
    again = client.post(path, json={"verifiablePresentation": presentation, "txCode": answer["txCode"]})
    problem(again, 409)
    assert credential_count(app) == before + 1


def test_exchange_refuses_a_code_for_an_offer_without_one_and_expired_offers(
    client: TestClient,  # noqa: F811
    app: FastAPI,  # noqa: F811
    it: Issuing,
    clock: Clock,
) -> None:
    plain = make_offer(it, txCode=False, expiresIn=120)
    path = exchange_path(plain)
    presentation = presentation_for(client, path, Holder(22))
    refused = problem(
        client.post(path, json={"verifiablePresentation": presentation, "txCode": "123456"}), 422
    )
    assert refused["errors"][0]["pointer"] == "/txCode"
    clock.advance(seconds=121)
    problem(client.post(path, json={"verifiablePresentation": presentation}), 404)
    assert offer_row(app, plain["id"]).state == "offered"


def test_exchange_guesses_block_the_offer_for_every_path(
    client: TestClient,  # noqa: F811
    app: FastAPI,  # noqa: F811
    it: Issuing,
    clock: Clock,
) -> None:
    answer = make_offer(it)
    path = exchange_path(answer)
    presentation = presentation_for(client, path, Holder(23))
    wallet = Wallet(client)
    code = code_of(wallet, answer)
    guesses = wrong_codes(answer, MAX_TX_CODE_FAILURES)
    # Wrong codes on either path count against the same limit.
    for guess in guesses[:2]:
        assert error_of(wallet.token(code, guess)) == "invalid_grant"
    for guess in guesses[2:]:
        problem(client.post(path, json={"verifiablePresentation": presentation, "txCode": guess}), 403)
    assert offer_row(app, answer["id"]).state == "blocked"
    # Blocked everywhere, even with the right code.
    right = client.post(path, json={"verifiablePresentation": presentation, "txCode": answer["txCode"]})
    assert "blocked" in problem(right, 403)["detail"]
    problem(client.post(path, json={}), 403)
    assert error_of(wallet.token(code, answer["txCode"])) == "invalid_grant"
    assert credential_count(app) == 0


def test_two_parallel_exchange_redemptions_issue_one_credential(
    client: TestClient,  # noqa: F811
    app: FastAPI,  # noqa: F811
    it: Issuing,
    clock: Clock,
) -> None:
    answer = make_offer(it)
    path = exchange_path(answer)
    presentation = presentation_for(client, path, Holder(24))
    before = credential_count(app)
    statuses = race(
        lambda: client.post(path, json={"verifiablePresentation": presentation, "txCode": answer["txCode"]})
    )
    assert sorted(statuses) == [200, 409]
    assert credential_count(app) == before + 1


# --- OpenID4VCI token and credential endpoints --------------------------------------------------------------------


def test_token_path_needs_the_code_and_is_single_use(
    client: TestClient,  # noqa: F811
    app: FastAPI,  # noqa: F811
    it: Issuing,
    clock: Clock,
) -> None:
    answer = make_offer(it)
    wallet = Wallet(client)
    code = code_of(wallet, answer)
    assert error_of(wallet.token(code)) == "invalid_request"
    assert error_of(wallet.token(code, wrong_codes(answer, 1)[0])) == "invalid_grant"
    assert offer_row(app, answer["id"]).tx_code_failures == 1
    assert wallet.token(code, answer["txCode"]).status_code == 200
    assert error_of(wallet.token(code, answer["txCode"])) == "invalid_grant"
    # Once the code bought a token, the exchange cannot redeem the offer a second time.
    presentation_path = exchange_path(answer)
    problem(client.post(presentation_path, json={}), 409)


def test_token_guesses_are_limited_and_block_the_exchange_too(
    client: TestClient,  # noqa: F811
    app: FastAPI,  # noqa: F811
    it: Issuing,
    clock: Clock,
) -> None:
    answer = make_offer(it)
    wallet = Wallet(client)
    code = code_of(wallet, answer)
    # Parallel guesses: every attempt is counted before its code is compared, so never more than the limit.
    guesses = iter(wrong_codes(answer, MAX_TX_CODE_FAILURES + 3))
    lock = threading.Lock()

    def guess() -> Any:
        with lock:
            value = next(guesses)
        return wallet.token(code, value)

    statuses = race(guess, parallel=MAX_TX_CODE_FAILURES + 3)
    assert statuses == [400] * (MAX_TX_CODE_FAILURES + 3)
    row = offer_row(app, answer["id"])
    assert (row.state, row.tx_code_failures) == ("blocked", MAX_TX_CODE_FAILURES)
    assert error_of(wallet.token(code, answer["txCode"])) == "invalid_grant"
    problem(client.post(exchange_path(answer), json={}), 403)


def test_token_path_refuses_expired_offers_and_codes(
    client: TestClient,  # noqa: F811
    it: Issuing,
    clock: Clock,
) -> None:
    answer = make_offer(it, expiresIn=300)
    wallet = Wallet(client)
    code = code_of(wallet, answer)
    clock.advance(seconds=301)
    assert error_of(wallet.token(code, answer["txCode"])) == "invalid_grant"


def test_two_parallel_token_requests_with_one_code_get_one_token(
    client: TestClient,  # noqa: F811
    app: FastAPI,  # noqa: F811
    it: Issuing,
    clock: Clock,
) -> None:
    answer = make_offer(it)
    wallet = Wallet(client)
    code = code_of(wallet, answer)
    statuses = race(lambda: wallet.token(code, answer["txCode"]))
    assert sorted(statuses) == [200, 400]
    assert offer_row(app, answer["id"]).state == "token"


def test_credential_path_needs_a_live_unused_token_of_an_open_offer(
    client: TestClient,  # noqa: F811
    app: FastAPI,  # noqa: F811
    it: Issuing,
    clock: Clock,
) -> None:
    answer = make_offer(it, expiresIn=200)
    wallet = Wallet(client)
    response = wallet.token(code_of(wallet, answer), answer["txCode"])
    token = response.json()["access_token"]
    clock.advance(seconds=201)  # the offer has expired, though the 300 s token would still live
    proof = wallet.proof(nonce=wallet.nonce(), iat=clock.now.timestamp())
    assert error_of(wallet.credential(token, {"jwt": [proof]}), 401) == "invalid_token"
    assert credential_count(app) == 0
    fresh = make_offer(it)
    token = wallet.token(code_of(wallet, fresh), fresh["txCode"]).json()["access_token"]
    statuses = race(
        lambda: wallet.credential(
            token, {"jwt": [wallet.proof(nonce=wallet.nonce(), iat=clock.now.timestamp())]}
        )
    )
    assert sorted(statuses) == [200, 401]
    assert credential_count(app) == 1
    assert offer_row(app, fresh["id"]).state == "issued"


def race(call: Callable[[], Any], parallel: int = 2) -> list[int]:
    """Run ``call`` in ``parallel`` threads released together; their status codes."""
    barrier = threading.Barrier(parallel)
    statuses: list[int] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        response = call()
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=run) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses
