"""Checks on raw JSON text that a parser lets through: UTF-16 surrogate escapes that do not pair up.

JSON allows any ``\\uXXXX`` escape, and Python's parser turns a lone ``\\ud800`` into a lone surrogate code point,
which is not a Unicode character: encoding it as UTF-8 (a database, a JSON response, a hash) then fails.
https://www.rfc-editor.org/rfc/rfc8259#section-8.2
"""

from __future__ import annotations

import re

__all__ = ["lone_surrogate_escape"]

# Any backslash escape, taken left to right so an escaped backslash ("\\\\") is consumed as a whole.
_ESCAPE = re.compile(rb"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
_HINT = re.compile(rb"\\u[dD][89a-fA-F]")  # cheap pre-check: some surrogate escape may be present
_HIGH = range(0xD800, 0xDC00)
_LOW = range(0xDC00, 0xE000)


def lone_surrogate_escape(text: bytes) -> bool:
    """True when ``text`` holds a surrogate escape (``\\ud800``-``\\udfff``) that is not a high surrogate
    directly followed by a low one (a valid pair stands for one character beyond U+FFFF)."""
    if _HINT.search(text) is None:
        return False
    high_ends = -1  # where the last escape, an unpaired high surrogate, ended
    for match in _ESCAPE.finditer(text):
        unit = int(match.group(1), 16) if match.group(1) else None
        if high_ends >= 0:
            if match.start() == high_ends and unit in _LOW:
                high_ends = -1
                continue
            return True
        if unit in _HIGH:
            high_ends = match.end()
        elif unit in _LOW:
            return True
    return high_ends >= 0
