"""Bounded parsing: the size is capped before parsing, the depth right after (issue 4, point 6)."""

from __future__ import annotations

import json

import pytest

from microcred.suites import MAX_DOCUMENT_BYTES, parse_json
from microcred.vc.errors import InvalidInput


def test_parses_small_documents() -> None:
    assert parse_json(b'{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    assert parse_json('{"é": "ü"}') == {"é": "ü"}


def test_size_is_capped_before_parsing() -> None:
    body = b'{"a": "' + b"x" * MAX_DOCUMENT_BYTES + b'"}'
    with pytest.raises(InvalidInput, match="bytes"):
        parse_json(body)
    with pytest.raises(InvalidInput, match="at most 10 are accepted"):
        parse_json(b"[1, 2, 3, 4]", max_bytes=10)


def test_depth_is_capped() -> None:
    deep = "[" * 65 + "]" * 65
    with pytest.raises(InvalidInput, match="deeper than 64"):
        parse_json(deep)
    assert parse_json("[" * 64 + "]" * 64, max_depth=64) is not None
    very_deep = '{"a":' * 100_000 + "1" + "}" * 100_000
    with pytest.raises(InvalidInput):
        parse_json(very_deep, max_bytes=10**7)


def test_invalid_json_and_encoding() -> None:
    with pytest.raises(InvalidInput, match="not valid"):
        parse_json(b"{nope")
    with pytest.raises(InvalidInput, match="not valid"):
        parse_json(b'"\xff"')
    assert json.loads(b"{}") == parse_json(b"{}")
