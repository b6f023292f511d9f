"""Bounded JSON parsing: cap the size before parsing and the nesting depth after.

https://www.w3.org/TR/vc-data-integrity/#dataset-poisoning (bounded work starts before canonicalization)

The app caps HTTP bodies with :data:`MAX_DOCUMENT_BYTES`; the verifier uses :func:`parse_json` for uploads and
fetched documents so a huge or deeply nested body is refused before JSON-LD processing sees it.
"""

from __future__ import annotations

import json
from typing import Any

from microcred.vc.errors import InvalidInput

__all__ = ["MAX_DOCUMENT_BYTES", "MAX_JSON_DEPTH", "parse_json"]

MAX_DOCUMENT_BYTES = 1024 * 1024
"""1 MiB: far above any real credential (a few KiB; baked images are referenced, not embedded)."""
MAX_JSON_DEPTH = 64
"""Credentials nest about ten levels; Python's JSON-LD processing recurses per level."""


def _depth(value: Any) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest


def parse_json(
    data: bytes | str, *, max_bytes: int = MAX_DOCUMENT_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parse UTF-8 JSON of at most ``max_bytes`` and ``max_depth`` nesting levels; InvalidInput otherwise."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise InvalidInput(f"the document is {len(raw)} bytes; at most {max_bytes} are accepted")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"the document is not valid UTF-8 JSON: {exc}") from None
    if _depth(value) > max_depth:
        raise InvalidInput(f"the document nests deeper than {max_depth} levels")
    return value
