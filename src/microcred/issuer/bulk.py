"""Bulk input: learners as CSV or JSON Lines, each row checked on its own so one bad row never stops the others.

Columns / keys: ``did`` or ``email`` (required, one of them), ``name``, ``grade``, ``ects``, ``assessmentDate``,
``awardedDate``, ``validFrom``, ``validUntil``, ``evidenceUrl``. Rows are numbered from 1 (the CSV header is not a
row). https://www.rfc-editor.org/rfc/rfc4180 ; https://jsonlines.org/
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from microcred.vc.errors import InvalidInput

__all__ = ["COLUMNS", "MAX_ROWS", "Row", "parse_rows"]

COLUMNS = (
    "did",
    "name",
    "email",
    "grade",
    "ects",
    "assessmentDate",
    "awardedDate",
    "validFrom",
    "validUntil",
    "evidenceUrl",
)
MAX_ROWS = 100_000
_BY_KEY = {re.sub(r"[_\s-]", "", c).lower(): c for c in COLUMNS}
Row = tuple[int, dict[str, Any] | None, str | None]
"""(row number, payload or None, error or None)."""


def _column(name: str) -> str | None:
    return _BY_KEY.get(re.sub(r"[_\s-]", "", name).lower())


def _check(raw: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    payload = {k: v.strip() if isinstance(v, str) else v for k, v in raw.items() if v not in (None, "")}
    if not payload.get("did") and not payload.get("email"):
        return None, 'the row needs "did" or "email"'
    for key, value in payload.items():
        if key == "ects":
            try:
                if float(value) < 0:
                    raise ValueError
            except (TypeError, ValueError):
                return None, '"ects" must be a non-negative number'
        elif not isinstance(value, str) or len(value) > 2000:
            return None, f'"{key}" must be text of at most 2000 characters'
    return payload, None


def parse_rows(data: bytes, *, media_type: str) -> list[Row]:
    """Rows of a CSV (``text/csv``) or JSON Lines (``application/jsonl``, ``application/x-ndjson``) upload.

    A malformed file (undecodable, unknown CSV column, too many rows) raises InvalidInput; a malformed row is
    returned with its error and does not stop the rest.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the upload must be UTF-8 text", pointer="/body") from None
    kind = media_type.split(";")[0].strip().lower()
    if kind == "text/csv":
        rows = _csv(text)
    elif kind in (
        "application/jsonl",
        "application/x-ndjson",
        "application/json-lines",
        "application/x-jsonlines",
    ):
        rows = _jsonl(text)
    else:
        raise InvalidInput(
            "send learners as text/csv or application/jsonl (JSON Lines)", pointer="/headers/Content-Type"
        )
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS} rows per batch", pointer="/body")
    return rows


def _csv(text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise InvalidInput("the CSV has no header row", pointer="/body")
    columns = [_column(h) for h in header]
    unknown = [h for h, c in zip(header, columns, strict=True) if c is None]
    if unknown:
        raise InvalidInput(
            f"unknown CSV columns: {', '.join(unknown)} (known: {', '.join(COLUMNS)})", pointer="/body"
        )
    rows: list[Row] = []
    for number, values in enumerate(reader, start=1):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            rows.append((number, None, f"expected {len(columns)} fields, found {len(values)}"))
            continue
        payload, error = _check({c: v for c, v in zip(columns, values, strict=True) if c})
        rows.append((number, payload, error))
    return rows


def _jsonl(text: str) -> list[Row]:
    rows: list[Row] = []
    for number, line in enumerate((line for line in text.splitlines() if line.strip()), start=1):
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((number, None, f"not JSON: {exc.msg}"))
            continue
        if not isinstance(raw, dict):
            rows.append((number, None, "each line must be a JSON object"))
            continue
        named = {_column(k): v for k, v in raw.items()}
        if None in named:
            unknown = [k for k in raw if _column(k) is None]
            rows.append((number, None, f"unknown keys: {', '.join(unknown)}"))
            continue
        payload, error = _check(
            {
                k: (str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v)
                for k, v in named.items()
                if k
            }
        )
        rows.append((number, payload, error))
    return rows
