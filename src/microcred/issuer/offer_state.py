"""One state machine for every way a wallet offer is redeemed: the same rules for the OpenID4VCI token and
credential endpoints and for the VC-API exchange, so no path can skip the transaction code, the expiry, single use
or the attempt limit.

::

    offered --token (pre-authorized code + tx_code)------> token --credential (access token)--> issued
    offered --exchange (DID-auth presentation + txCode)-------------------------------------> issued
    offered --MAX_TX_CODE_FAILURES wrong codes--> blocked

Pure decisions only: the app layer persists each move as one conditional ``UPDATE … WHERE state = …`` (so two
concurrent redemptions cannot both win) and counts a transaction-code attempt before comparing the code (so
parallel guesses cannot exceed the limit).
https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#name-pre-authorized-code-flow ;
https://w3c-ccg.github.io/vc-api/#exchanges
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "BLOCKED",
    "ISSUED",
    "MAX_TX_CODE_FAILURES",
    "OFFERED",
    "TOKEN",
    "Move",
    "OfferFacts",
    "Path",
    "Refusal",
    "admit",
    "after_tx_code",
    "open_for",
]

OFFERED = "offered"
TOKEN = "token"  # noqa: S105 - a state name, not a secret
ISSUED = "issued"
BLOCKED = "blocked"
MAX_TX_CODE_FAILURES = 5
"""Wrong transaction codes tolerated before the offer is blocked (a 6-digit code must not be guessable)."""


class Path(StrEnum):
    """A way of redeeming an offer."""

    TOKEN = "token"  # noqa: S105 - a path name, not a secret
    """OpenID4VCI token endpoint: the pre-authorized code (and ``tx_code``) buys an access token."""
    CREDENTIAL = "credential"
    """OpenID4VCI credential endpoint: the access token buys the credential."""
    EXCHANGE = "exchange"
    """VC-API exchange: a DID-authentication presentation (and ``txCode``) gets the credential."""


class Refusal(StrEnum):
    """Why a redemption step is refused (each path words it in its own protocol's errors)."""

    REDEEMED = "redeemed"
    EXPIRED = "expired"
    BLOCKED = "blocked"
    TX_CODE_MISSING = "tx_code_missing"
    TX_CODE_UNEXPECTED = "tx_code_unexpected"
    TX_CODE_WRONG = "tx_code_wrong"


_MOVES: dict[Path, tuple[str, str]] = {
    Path.TOKEN: (OFFERED, TOKEN),
    Path.CREDENTIAL: (TOKEN, ISSUED),
    Path.EXCHANGE: (OFFERED, ISSUED),
}
_CODE_CHECKED = frozenset({Path.TOKEN, Path.EXCHANGE})
"""The steps that redeem the offer itself: the transaction code is asked there (the token step already had it)."""


@dataclass(frozen=True)
class OfferFacts:
    """What the rules read of an offer."""

    state: str
    expires_at: datetime
    has_tx_code: bool
    tx_code_failures: int
    code_expires_at: datetime | None = None
    """End of the current pre-authorized code's window (token step)."""
    token_expires_at: datetime | None = None
    """End of the access token's life (credential step)."""


@dataclass(frozen=True)
class Move:
    """An admitted step: the state it must still find (checked again when written) and the state it leaves."""

    path: Path
    from_state: str
    to_state: str
    check_tx_code: bool
    """Whether the transaction code must be compared (an attempt counted first) before the move is written."""


def open_for(facts: OfferFacts, *, path: Path, now: datetime) -> Refusal | None:
    """Whether the offer is at the state ``path`` starts from and still alive (None), else why not."""
    from_state, _ = _MOVES[path]
    if facts.state == BLOCKED or facts.tx_code_failures >= MAX_TX_CODE_FAILURES:
        return Refusal.BLOCKED
    if facts.state != from_state:
        return Refusal.REDEEMED
    if facts.expires_at <= now:
        return Refusal.EXPIRED
    if path is Path.TOKEN and (facts.code_expires_at is None or facts.code_expires_at <= now):
        return Refusal.EXPIRED
    if path is Path.CREDENTIAL and (facts.token_expires_at is None or facts.token_expires_at <= now):
        return Refusal.EXPIRED
    return None


def admit(facts: OfferFacts, *, path: Path, tx_code_given: bool, now: datetime) -> Move | Refusal:
    """The move ``path`` may make now, or why it may not: state, expiry, attempts left, and a transaction code
    given exactly when the offer has one (on the steps that redeem the offer)."""
    refused = open_for(facts, path=path, now=now)
    if refused is not None:
        return refused
    check = path in _CODE_CHECKED and facts.has_tx_code
    if path in _CODE_CHECKED:
        if facts.has_tx_code and not tx_code_given:
            return Refusal.TX_CODE_MISSING
        if not facts.has_tx_code and tx_code_given:
            return Refusal.TX_CODE_UNEXPECTED
    from_state, to_state = _MOVES[path]
    return Move(path=path, from_state=from_state, to_state=to_state, check_tx_code=check)


def after_tx_code(*, matched: bool, failures: int) -> tuple[Refusal | None, bool]:
    """The outcome of one counted attempt (``failures`` includes it): (refusal or None, whether to block now).
    A right code gives its attempt back; a wrong one keeps it and blocks the offer at the limit."""
    if matched:
        return None, False
    return Refusal.TX_CODE_WRONG, failures >= MAX_TX_CODE_FAILURES
