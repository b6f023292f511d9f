"""Multibase and status-list bitstring encodings."""

from __future__ import annotations

import gzip

import pytest

from microcred.vc.encodings import (
    b64url_decode,
    decode_bitstring,
    encode_bitstring,
    multibase_decode,
    multibase_encode_b58,
    multibase_encode_b64url,
)
from microcred.vc.errors import InvalidInput

# Bitstring Status List v1.0 §2.2 example: 16 KiB of zero bytes (131,072 entries).
SPEC_ENCODED_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def test_spec_example_list_decodes_to_131072_zero_bits() -> None:
    assert decode_bitstring(SPEC_ENCODED_LIST) == bytes(16384)


def test_bitstring_round_trip() -> None:
    bits = bytearray(16384)
    bits[0] = 0b1000_0000  # index 0 is the most significant bit of byte 0
    assert decode_bitstring(encode_bitstring(bytes(bits))) == bytes(bits)
    assert encode_bitstring(bytes(bits)).startswith("u")


def test_decompression_bomb_is_refused() -> None:
    bomb = multibase_encode_b64url(gzip.compress(bytes(64 * 1024 * 1024)))
    with pytest.raises(InvalidInput, match="expands past"):
        decode_bitstring(bomb, max_bytes=1024 * 1024)


@pytest.mark.parametrize("value", ["zH4sI", "u!!!", "uAAAA", ""])
def test_bad_encoded_lists(value: str) -> None:
    with pytest.raises(InvalidInput):
        decode_bitstring(value)


def test_multibase_round_trips() -> None:
    data = bytes(range(40))
    assert multibase_decode(multibase_encode_b58(data)) == data
    assert multibase_decode(multibase_encode_b64url(data)) == data
    assert b64url_decode("AQID") == b"\x01\x02\x03"


@pytest.mark.parametrize("value", ["", "m AQID", "z0OIl"])
def test_bad_multibase(value: str) -> None:
    with pytest.raises(InvalidInput):
        multibase_decode(value)
