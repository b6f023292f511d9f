"""Status checks: BitstringStatusListEntry (and legacy StatusList2021Entry) against a fetched, verified list.

A list that cannot be fetched, parsed or verified never yields "not revoked": it yields a not-checked or failed
check carrying the spec's error name.

https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm ;
https://www.w3.org/TR/vc-bitstring-status-list/#processing-errors ; https://w3c.github.io/vc-status-list-2021/
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from microcred.vc.encodings import decode_bitstring
from microcred.vc.errors import InputTooLarge, InvalidInput, MicrocredError
from microcred.verifier.dates import parse_datetime
from microcred.verifier.fetch import Fetcher
from microcred.verifier.inputs import InputLimits, parse_json
from microcred.verifier.limits import Limits, SizedCache
from microcred.verifier.report import ADVISORY, Check

__all__ = [
    "MALFORMED_VALUE_ERROR",
    "MIN_ENTRIES",
    "RANGE_ERROR",
    "STATUS_LIST_LENGTH_ERROR",
    "STATUS_RETRIEVAL_ERROR",
    "STATUS_VERIFICATION_ERROR",
    "ListProofCheck",
    "check_status",
    "check_status_entries",
]

_SL = "https://www.w3.org/ns/credentials/status-list#"
STATUS_RETRIEVAL_ERROR = _SL + "STATUS_RETRIEVAL_ERROR"
STATUS_VERIFICATION_ERROR = _SL + "STATUS_VERIFICATION_ERROR"
STATUS_LIST_LENGTH_ERROR = _SL + "STATUS_LIST_LENGTH_ERROR"
RANGE_ERROR = "https://www.w3.org/TR/vc-data-model#RANGE_ERROR"
MALFORMED_VALUE_ERROR = "https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR"
MIN_ENTRIES = 131_072
"""minimumNumberOfEntries (herd privacy): 16 KB of 1-bit entries."""

_ENTRY_TO_LIST = {
    "BitstringStatusListEntry": ("BitstringStatusListCredential", "BitstringStatusList"),
    "StatusList2021Entry": ("StatusList2021Credential", "StatusList2021"),
}

ListProofCheck = Callable[[Mapping[str, Any], bytes], tuple[bool | None, str]]
"""Verifies the status list credential (parsed, and the bytes it was read from) by its own proofs, bound to the
list's own issuer: (verified, reason when not); None when the proof could not be checked (key unreachable, suite not
implemented). The bytes let the caller reuse a result while the fetched list is unchanged."""


@dataclass(frozen=True)
class _Outcome:
    status: str  # passed | failed | not-checked
    sentence: str
    problem_type: str | None = None
    advisory: bool = False  # not-checked, but a warning only (a short list whose bit was still read)


class _StatusProblem(Exception):
    def __init__(self, status: str, sentence: str, problem_type: str) -> None:
        super().__init__(sentence)
        self.outcome = _Outcome(status, sentence, problem_type)


def check_status(
    credential: Mapping[str, Any],
    *,
    fetcher: Fetcher,
    verify_list: ListProofCheck,
    now: datetime,
    skew_seconds: float = 300.0,
    decoded: SizedCache[str, bytes] | None = None,
    limits: Limits | None = None,
) -> Check:
    """One ``status`` check over every ``credentialStatus`` entry (failed beats not-checked beats passed).

    ``decoded`` keeps expanded ``encodedList`` values (the same list serves many credentials); ``limits`` bounds
    the entries checked (more: nothing is fetched) and the expanded size of a list.
    """
    limits = limits or Limits()
    raw = credential.get("credentialStatus")
    if raw is None:
        return Check(
            id="status",
            status="not-checked",
            sentence="The credential has no status entry, so the issuer cannot revoke or suspend it.",
            value="no-status-entry",
        )
    entries = raw if isinstance(raw, list) else [raw]
    if len(entries) > limits.max_status_entries:
        return Check(
            id="status",
            status="not-checked",
            sentence=f"The credential has {len(entries)} status entries; this verifier checks at most "
            f"{limits.max_status_entries}, so none was fetched and revocation was not checked.",
            problem_type=STATUS_VERIFICATION_ERROR,
            value="too-many-status-entries",
        )
    outcomes: list[_Outcome] = []
    for entry in entries:
        try:
            outcomes.append(
                _check_entry(
                    entry,
                    fetcher=fetcher,
                    verify_list=verify_list,
                    now=now,
                    skew=skew_seconds,
                    decoded=decoded,
                    max_bits=limits.max_status_list_bits,
                )
            )
        except _StatusProblem as problem:
            outcomes.append(problem.outcome)
    for wanted in ("failed", "not-checked"):
        chosen = [o for o in outcomes if o.status == wanted and not o.advisory]
        if chosen:
            return Check(
                id="status",
                status=chosen[0].status,  # type: ignore[arg-type]
                sentence=" ".join(o.sentence for o in chosen),
                problem_type=chosen[0].problem_type,
            )
    warned = [o for o in outcomes if o.advisory]
    if outcomes:
        return Check(
            id="status",
            status="not-checked" if warned else "passed",
            sentence=" ".join(o.sentence for o in [*warned, *(o for o in outcomes if not o.advisory)]),
            problem_type=warned[0].problem_type if warned else None,
            value=ADVISORY if warned else None,
        )
    return Check(
        id="status",
        status="failed",
        sentence="credentialStatus is empty.",
        problem_type=MALFORMED_VALUE_ERROR,
    )


def _malformed(sentence: str) -> _StatusProblem:
    return _StatusProblem("failed", sentence, MALFORMED_VALUE_ERROR)


@dataclass(frozen=True)
class _Entry:
    """A status entry's fields, read and checked as the spec's data model asks (nothing fetched yet)."""

    kind: str
    purpose: str
    index: int
    list_url: str
    size: int
    messages: Any


def check_status_entries(credential: Mapping[str, Any]) -> Check | None:
    """A failed check when a ``credentialStatus`` entry is malformed, read without fetching anything (so a credential
    whose proof was not checked is still refused for it); None when every entry is well-formed or of another type."""
    raw = credential.get("credentialStatus")
    for entry in raw if isinstance(raw, list) else [] if raw is None else [raw]:
        try:
            _read_entry(entry)
        except _StatusProblem as problem:
            return Check(
                id="status",
                status="failed",
                sentence=problem.outcome.sentence,
                problem_type=problem.outcome.problem_type,
            )
    return None


def _read_entry(entry: Any) -> _Entry | _Outcome:
    """https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry (a MUST broken is a
    MALFORMED_VALUE_ERROR); an entry type this verifier does not read is not checked, naming it."""
    if not isinstance(entry, Mapping):
        raise _malformed("A credentialStatus entry is not an object.")
    entry_type = entry.get("type")
    types = entry_type if isinstance(entry_type, list) else [entry_type]
    kind = next((t for t in types if t in _ENTRY_TO_LIST), None)
    if kind is None:
        return _Outcome(
            "not-checked",
            f"The status entry type {entry_type!r} is not one this verifier reads (BitstringStatusListEntry, "
            "StatusList2021Entry), so revocation could not be checked.",
            STATUS_VERIFICATION_ERROR,
        )
    purpose = entry.get("statusPurpose")
    index_text = entry.get("statusListIndex")
    list_url = entry.get("statusListCredential")
    if not isinstance(purpose, str) or not purpose:
        raise _malformed('"credentialStatus.statusPurpose" must be a non-empty string.')
    if not isinstance(index_text, str) or not index_text.isdigit() or not index_text.isascii():
        raise _malformed(
            f'"credentialStatus.statusListIndex" must be a string of digits, not {index_text!r}.'
        )
    if not isinstance(list_url, str) or not list_url:
        raise _malformed('"credentialStatus.statusListCredential" must be a URL.')
    size = entry.get("statusSize", 1)
    if kind == "StatusList2021Entry":
        size = 1
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 8:
        raise _malformed(f'"credentialStatus.statusSize" must be an integer from 1 to 8, not {size!r}.')
    messages = entry.get("statusMessage")
    if size > 1 and not isinstance(messages, list):
        raise _malformed('"credentialStatus.statusMessage" is required when statusSize is more than 1.')
    return _Entry(kind, purpose, int(index_text), list_url, size, messages)


def _check_entry(
    entry: Any,
    *,
    fetcher: Fetcher,
    verify_list: ListProofCheck,
    now: datetime,
    skew: float,
    decoded: SizedCache[str, bytes] | None,
    max_bits: int,
) -> _Outcome:
    """https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm (and the same steps for StatusList2021).

    The list may be issued by another party than the credential (§2.2: "the issuer of the status list credential
    MAY be different from the issuer of the credential"); it is then bound to its own issuer by its own proof.
    """
    read = _read_entry(entry)
    if isinstance(read, _Outcome):
        return read
    kind, purpose, list_url, size, messages = read.kind, read.purpose, read.list_url, read.size, read.messages
    list_type, subject_type = _ENTRY_TO_LIST[kind]

    try:
        fetched = fetcher.get(list_url, accept="application/vc, application/vc+ld+json, application/json")
        status_list = parse_json(fetched.body, limits=InputLimits(max_bytes=4_194_304, max_depth=32))
    except MicrocredError as exc:
        raise _StatusProblem(
            "not-checked",
            f"The status list {list_url} could not be retrieved ({exc.detail}), so revocation could not be checked.",
            STATUS_RETRIEVAL_ERROR,
        ) from None
    if not isinstance(status_list, Mapping):
        raise _StatusProblem(
            "failed", f"The status list {list_url} is not a JSON object.", STATUS_VERIFICATION_ERROR
        )

    def refuse(reason: str) -> _StatusProblem:
        return _StatusProblem("failed", f"The status list {list_url} {reason}.", STATUS_VERIFICATION_ERROR)

    list_types = status_list.get("type")
    if not isinstance(list_types, list) or list_type not in list_types:
        raise refuse(f'is not a "{list_type}"')
    ok, reason = verify_list(status_list, fetched.body)
    if ok is None:
        raise _StatusProblem(
            "not-checked",
            f"The status list {list_url} was retrieved, but its proof could not be checked ({reason}), so "
            "revocation could not be checked.",
            STATUS_VERIFICATION_ERROR,
        )
    if not ok:
        raise refuse(f"has no valid proof ({reason})")
    _check_list_window(status_list, now=now, skew=skew, refuse=refuse)
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise refuse("has no credentialSubject")
    if subject.get("type") != subject_type and subject_type not in (subject.get("type") or []):
        raise refuse(f'has a credentialSubject that is not a "{subject_type}"')
    list_purposes = subject.get("statusPurpose")
    purposes = list_purposes if isinstance(list_purposes, list) else [list_purposes]
    if purpose not in purposes:
        raise refuse(f'is for {list_purposes!r}, not for "{purpose}"')
    ttl = subject.get("ttl")
    if isinstance(ttl, int | float) and not isinstance(ttl, bool) and ttl >= 0:
        fetcher.limit_cache(list_url, ttl / 1000)

    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise refuse("has no encodedList")
    multibase = encoded if kind == "BitstringStatusListEntry" else "u" + encoded
    try:
        bits = _expand(multibase, decoded, max_bits)
    except InputTooLarge:
        # judged like a decompression bomb: refused, never read as "not revoked"
        raise _StatusProblem(
            "failed",
            f"The status list {list_url} is larger than this verifier accepts (more than {max_bits} bits expanded).",
            MALFORMED_VALUE_ERROR,
        ) from None
    except InvalidInput as exc:
        raise _StatusProblem(
            "failed",
            f"The status list {list_url} has a malformed encodedList ({exc.detail}).",
            MALFORMED_VALUE_ERROR,
        ) from None
    total = len(bits) * 8
    index = read.index
    start = index * size
    if start + size > total:
        raise _StatusProblem(
            "failed",
            f"Status index {index} is outside the list {list_url} ({total // size} entries).",
            RANGE_ERROR,
        )
    value = 0
    for position in range(start, start + size):
        value = (value << 1) | ((bits[position // 8] >> (7 - position % 8)) & 1)
    found = _interpret(value, purpose=purpose, size=size, messages=messages, index=index)
    if total // size < MIN_ENTRIES:
        # validate algorithm step: a list shorter than minimumNumberOfEntries is a STATUS_LIST_LENGTH_ERROR, so the
        # spec gives no status; the issuer's signed bit is still reported (a set bit fails), and the verdict is
        # not withheld for a list too small to protect its holders' privacy: a warning
        short = (
            f"The status list {list_url} has {total // size} entries, fewer than the {MIN_ENTRIES} the Bitstring "
            "Status List spec requires (STATUS_LIST_LENGTH_ERROR), so its answer is not conclusive"
        )
        if found.status == "failed":
            return replace(
                found, sentence=f"{found.sentence} ({short}.)", problem_type=STATUS_LIST_LENGTH_ERROR
            )
        return _Outcome(
            "not-checked", f"{short}; the entry's bits read {value}.", STATUS_LIST_LENGTH_ERROR, advisory=True
        )
    return found


def _expand(multibase: str, decoded: SizedCache[str, bytes] | None, max_bits: int) -> bytes:
    """The expanded bitstring, from ``decoded`` when this exact ``encodedList`` was expanded before; a list that
    expands past ``max_bits`` is refused (a few KB of gzip can expand to many MB)."""
    known = decoded.get(multibase) if decoded is not None else None
    if known is not None:
        return known
    bits = decode_bitstring(multibase, max_bytes=max_bits // 8)
    if decoded is not None:
        decoded.put(multibase, bits, len(bits) + len(multibase))
    return bits


def _interpret(value: int, *, purpose: str, size: int, messages: Any, index: int) -> _Outcome:
    if purpose == "revocation":
        if value:
            return _Outcome("failed", "The issuer has revoked this credential.", None)
        return _Outcome("passed", "The credential has not been revoked (status list checked).")
    if purpose == "suspension":
        if value:
            return _Outcome("failed", "The issuer has suspended this credential.", None)
        return _Outcome("passed", "The credential is not suspended (status list checked).")
    if purpose == "message" and isinstance(messages, list):
        wanted = f"0x{value:x}"
        for item in messages:
            if isinstance(item, Mapping) and str(item.get("status", "")).lower() == wanted:
                return _Outcome("passed", f"Status message from the issuer: {item.get('message')!s}.")
        return _Outcome("passed", f"Status value {wanted} at index {index} has no message.")
    if purpose == "refresh":
        note = "a newer version is available from the issuer" if value else "no newer version is announced"
        return _Outcome("passed", f"Refresh status: {note}.")
    return _Outcome("passed", f'Status "{purpose}" is {value}.')


def _check_list_window(
    status_list: Mapping[str, Any], *, now: datetime, skew: float, refuse: Callable[[str], _StatusProblem]
) -> None:
    start_text = status_list.get("validFrom", status_list.get("issuanceDate"))
    end_text = status_list.get("validUntil", status_list.get("expirationDate"))
    try:
        start = parse_datetime(start_text) if start_text is not None else None
        end = parse_datetime(end_text) if end_text is not None else None
    except InvalidInput as exc:
        raise refuse(f"has an unreadable validity date ({exc.detail})") from None
    if start is not None and (start - now).total_seconds() > skew:
        raise refuse(f"is not valid before {start_text}")
    if end is not None and (now - end).total_seconds() > skew:
        raise refuse(f"expired at {end_text}")
