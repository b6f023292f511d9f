"""Validity window: validFrom/validUntil (VC 2.0) or issuanceDate/expirationDate (VC 1.1), with clock skew.

https://www.w3.org/TR/vc-data-model-2.0/#validity-period ; https://www.w3.org/TR/vc-data-model-1.1/#expiration
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from microcred.vc.errors import InvalidInput
from microcred.verifier.report import Check

__all__ = ["check_validity", "parse_datetime"]

_DATE_TIME = re.compile(
    r"^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", re.IGNORECASE
)
MALFORMED = "https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR"


def parse_datetime(value: Any, *, require_zone: bool = False) -> datetime:
    """An XML Schema dateTime(Stamp) as an aware datetime (no zone → UTC unless ``require_zone``)."""
    if not isinstance(value, str) or not _DATE_TIME.match(value):
        raise InvalidInput(f"{value!r} is not an XML Schema dateTime")
    if require_zone and not re.search(r"(Z|[+-]\d{2}:\d{2})$", value, re.IGNORECASE):
        raise InvalidInput(f"{value!r} has no time zone (a dateTimeStamp needs one)")
    text = value[:-1] + "+00:00" if value[-1] in "zZ" else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a valid date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def check_validity(
    credential: Mapping[str, Any], *, version: str, now: datetime, skew_seconds: float
) -> Check:
    """Whether ``now`` (± skew) lies in the credential's validity window, using the fields of its version."""
    if version == "1.1":
        start_field, end_field = "issuanceDate", "expirationDate"
    else:
        start_field, end_field = "validFrom", "validUntil"
    start_text, end_text = credential.get(start_field), credential.get(end_field)
    try:
        start = parse_datetime(start_text, require_zone=version == "2.0") if start_text is not None else None
        end = parse_datetime(end_text, require_zone=version == "2.0") if end_text is not None else None
    except InvalidInput as exc:
        return Check(
            id="validity",
            status="failed",
            sentence=f"A validity date is malformed: {exc.detail}.",
            problem_type=MALFORMED,
        )
    if version == "1.1" and start is None:
        return Check(
            id="validity",
            status="failed",
            sentence="A VC 1.1 credential must have an issuanceDate.",
            problem_type=MALFORMED,
        )
    if start and end and end < start:
        return Check(
            id="validity",
            status="failed",
            sentence=f"{end_field} {end_text} is before {start_field} {start_text}.",
            problem_type=MALFORMED,
        )
    if start and (start - now).total_seconds() > skew_seconds:
        return Check(
            id="validity",
            status="failed",
            sentence=f"The credential is not valid yet: it starts at {start_text}.",
        )
    if end and (now - end).total_seconds() > skew_seconds:
        return Check(id="validity", status="failed", sentence=f"The credential expired at {end_text}.")
    window = f"from {start_text}" if start else "with no start date"
    window += f" until {end_text}" if end else ", with no expiry"
    return Check(
        id="validity", status="passed", sentence=f"The credential is within its validity period ({window})."
    )
