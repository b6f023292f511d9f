"""Open Badges 3.0 endorsements: third parties vouching for the credential, its achievement or its issuer.

https://www.imsglobal.org/spec/ob/v3p0/#endorsementcredential

An ``EndorsementCredential`` may be embedded in ``endorsement`` on the AchievementCredential itself, on
``credentialSubject.achievement`` and on the issuer ``Profile`` (``endorsementJwt`` holds the same as VC-JWTs).
Each is a credential of its own: the verifier checks it like any credential (signature, its issuer's key,
dates, status) and reports the outcome in one ``endorsements`` check. Endorsements are information about the
credential, not part of it, so that check never changes ``verified`` or the verdict; endorsements inside
endorsements are not followed, and at most :data:`MAX_ENDORSEMENTS` are checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from microcred.vc.errors import MicrocredError
from microcred.verifier.report import Check, CheckStatus, VerificationReport

__all__ = ["MAX_ENDORSEMENTS", "Endorsement", "check_endorsements", "find_endorsements"]

MAX_ENDORSEMENTS = 8
_PLACES = {"credential": "the credential", "achievement": "the achievement", "issuer": "the issuer"}


@dataclass(frozen=True)
class Endorsement:
    """One embedded endorsement: where it was found and the credential (a JSON object or a VC-JWT string)."""

    on: str
    """``credential``, ``achievement`` or ``issuer``."""
    value: Any


def _listed(holder: Any, on: str) -> list[Endorsement]:
    if not isinstance(holder, Mapping):
        return []
    found: list[Endorsement] = []
    for key in ("endorsement", "endorsementJwt"):
        items = holder.get(key)
        for item in items if isinstance(items, list) else [] if items is None else [items]:
            found.append(Endorsement(on, item))
    return found


def find_endorsements(credential: Mapping[str, Any]) -> list[Endorsement]:
    """Every embedded endorsement, on the credential, its achievement(s) and its issuer, in that order."""
    found = _listed(credential, "credential")
    subjects = credential.get("credentialSubject")
    for subject in subjects if isinstance(subjects, list) else [subjects]:
        if isinstance(subject, Mapping):
            found += _listed(subject.get("achievement"), "achievement")
    return found + _listed(credential.get("issuer"), "issuer")


def _endorser(report: VerificationReport, value: Any) -> str:
    issuer = value.get("issuer") if isinstance(value, Mapping) else None
    name = issuer.get("name") if isinstance(issuer, Mapping) else None
    who = report.issuer or "an unnamed issuer"
    return f"{name} ({who})" if isinstance(name, str) and name else who


def check_endorsements(
    found: list[Endorsement],
    *,
    verify: Callable[[Any], VerificationReport],
) -> Check | None:
    """The ``endorsements`` check over ``found`` (None when there are none); ``verify`` checks one endorsement
    (a JSON object or a VC-JWT string) like a credential, without following its own endorsements."""
    if not found:
        return None
    outcomes: list[dict[str, Any]] = []
    sentences: list[str] = []
    failed = unchecked = False
    for item in found[:MAX_ENDORSEMENTS]:
        place = _PLACES[item.on]
        try:
            report = verify(item.value)
        except MicrocredError as exc:
            failed = True
            sentences.append(f"An endorsement of {place} cannot be read: {exc.detail}.")
            outcomes.append({"on": item.on, "endorser": None, "verified": False})
            continue
        endorser = _endorser(report, item.value)
        outcomes.append({"on": item.on, "endorser": report.issuer, "verified": report.verified})
        if report.verified:
            sentences.append(f"{endorser} endorses {place}; the endorsement verifies.")
        elif report.verdict == "not valid":
            failed = True
            reason = report.verdict_sentence.partition(": ")[2] or report.verdict_sentence
            sentences.append(f"The endorsement of {place} by {endorser} does not verify: {reason}")
        else:
            unchecked = True
            reason = report.verdict_sentence.partition(": ")[2] or report.verdict_sentence
            sentences.append(f"The endorsement of {place} by {endorser} could not be fully checked: {reason}")
    if len(found) > MAX_ENDORSEMENTS:
        unchecked = True
        sentences.append(f"Only the first {MAX_ENDORSEMENTS} of {len(found)} endorsements were checked.")
    status: CheckStatus = "failed" if failed else "not-checked" if unchecked else "passed"
    return Check(id="endorsements", status=status, sentence=" ".join(sentences), value=outcomes)
