"""The offer state machine's rules, path by path (the HTTP paths are in tests/security/test_wallet_offers.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microcred.issuer.offer_state import (
    MAX_TX_CODE_FAILURES,
    Move,
    OfferFacts,
    Path,
    Refusal,
    admit,
    after_tx_code,
)

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


def facts(state: str = "offered", **changes: object) -> OfferFacts:
    values: dict[str, object] = {
        "state": state,
        "expires_at": LATER,
        "has_tx_code": True,
        "tx_code_failures": 0,
        "code_expires_at": LATER,
        "token_expires_at": LATER,
    }
    values.update(changes)
    return OfferFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "offer", "given", "expected"),
    [
        (Path.TOKEN, facts(), True, Move(Path.TOKEN, "offered", "token", check_tx_code=True)),
        (Path.EXCHANGE, facts(), True, Move(Path.EXCHANGE, "offered", "issued", check_tx_code=True)),
        (Path.EXCHANGE, facts(has_tx_code=False), False, Move(Path.EXCHANGE, "offered", "issued", False)),
        (Path.CREDENTIAL, facts("token"), False, Move(Path.CREDENTIAL, "token", "issued", False)),
        (Path.TOKEN, facts(), False, Refusal.TX_CODE_MISSING),
        (Path.EXCHANGE, facts(), False, Refusal.TX_CODE_MISSING),
        (Path.EXCHANGE, facts(has_tx_code=False), True, Refusal.TX_CODE_UNEXPECTED),
        (Path.TOKEN, facts("token"), True, Refusal.REDEEMED),
        (Path.EXCHANGE, facts("token"), True, Refusal.REDEEMED),
        (Path.EXCHANGE, facts("issued"), True, Refusal.REDEEMED),
        (Path.CREDENTIAL, facts("issued"), False, Refusal.REDEEMED),
        (Path.TOKEN, facts("blocked"), True, Refusal.BLOCKED),
        (Path.EXCHANGE, facts(tx_code_failures=MAX_TX_CODE_FAILURES), True, Refusal.BLOCKED),
        (Path.EXCHANGE, facts(expires_at=NOW), True, Refusal.EXPIRED),
        (Path.TOKEN, facts(code_expires_at=NOW), True, Refusal.EXPIRED),
        (Path.CREDENTIAL, facts("token", token_expires_at=NOW), False, Refusal.EXPIRED),
        (Path.CREDENTIAL, facts("token", expires_at=NOW), False, Refusal.EXPIRED),
    ],
)
def test_admit(path: Path, offer: OfferFacts, given: bool, expected: Move | Refusal) -> None:
    assert admit(offer, path=path, tx_code_given=given, now=NOW) == expected


def test_a_wrong_code_blocks_at_the_limit_and_a_right_one_never_does() -> None:
    assert after_tx_code(matched=False, failures=MAX_TX_CODE_FAILURES - 1) == (Refusal.TX_CODE_WRONG, False)
    assert after_tx_code(matched=False, failures=MAX_TX_CODE_FAILURES) == (Refusal.TX_CODE_WRONG, True)
    assert after_tx_code(matched=True, failures=MAX_TX_CODE_FAILURES) == (None, False)
