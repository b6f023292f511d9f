"""Bitstring Status List bit logic: bit order, encoding, random free indices, the entry and the list credential."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from microcred.issuer.status_list import (
    MIN_ENTRIES,
    Bitstring,
    choose_free_index,
    list_credential,
    status_entry,
)
from microcred.vc.encodings import decode_bitstring
from microcred.vc.errors import InvalidInput
from microcred.vc.schema import ob3_status_view

# https://www.w3.org/TR/vc-bitstring-status-list/#example-example-bitstringstatuslistcredential
SPEC_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def test_index_zero_is_the_left_most_bit_of_the_first_byte() -> None:
    bits = Bitstring(16)
    bits.set(0)
    assert bits.to_bytes() == b"\x80\x00"
    bits.set(7)
    bits.set(8)
    bits.set(15)
    assert bits.to_bytes() == b"\x81\x81"
    bits.clear(0)
    assert bits.to_bytes() == b"\x01\x81"
    assert [bits.get(i) for i in (0, 7, 8, 15, 1)] == [False, True, True, True, False]


def test_encoded_list_is_multibase_base64url_gzip_and_round_trips() -> None:
    bits = Bitstring.with_set(MIN_ENTRIES, [0, 94567, MIN_ENTRIES - 1])
    encoded = bits.encoded()
    assert encoded.startswith("uH4sI")  # 'u' + base64url of the GZIP magic 1f 8b 08
    raw = decode_bitstring(encoded)
    assert len(raw) == MIN_ENTRIES // 8
    assert raw[0] == 0x80
    assert raw[94567 // 8] == 0x80 >> (94567 % 8)
    assert raw[-1] == 0x01
    assert sum(bin(b).count("1") for b in raw) == 3


def test_the_spec_example_list_is_131072_clear_bits_and_ours_encodes_the_same_bits() -> None:
    spec = decode_bitstring(SPEC_EMPTY_LIST)
    assert spec == bytes(16_384)
    assert decode_bitstring(Bitstring(MIN_ENTRIES).encoded()) == spec


@pytest.mark.parametrize("length", [0, -8, 12])
def test_lengths_must_be_whole_bytes(length: int) -> None:
    with pytest.raises(InvalidInput):
        Bitstring(length)


def test_out_of_range_index_is_refused() -> None:
    bits = Bitstring(8)
    with pytest.raises(InvalidInput):
        bits.set(8)
    with pytest.raises(InvalidInput):
        bits.get(-1)


def test_free_index_is_the_kth_free_one_for_the_random_k() -> None:
    # With used {0, 1, 3}, free indices are 2, 4, 5, 6, 7: k = 0 -> 2, k = 1 -> 4, k = 4 -> 7.
    used = {0, 1, 3}
    assert choose_free_index(8, used, randbelow=lambda n: 0) == 2
    assert choose_free_index(8, used, randbelow=lambda n: 1) == 4
    assert choose_free_index(8, used, randbelow=lambda n: n - 1) == 7
    assert choose_free_index(4, {0, 1, 2, 3}, randbelow=lambda n: 0) is None


def test_free_indices_are_spread_over_the_whole_list_and_never_used_ones() -> None:
    rng = random.Random(7)
    used: set[int] = set()
    for _ in range(64):
        index = choose_free_index(64, used, randbelow=rng.randrange)
        assert index is not None
        assert index not in used
        used.add(index)
    assert used == set(range(64))
    # Not sequential: the first picks of a fresh list are scattered.
    rng = random.Random(1)
    picks: set[int] = set()
    for _ in range(10):
        pick = choose_free_index(MIN_ENTRIES, picks, randbelow=rng.randrange)
        assert pick is not None
        picks.add(pick)
    assert max(picks) - min(picks) > MIN_ENTRIES // 4


def test_status_entry_shape() -> None:
    entry = status_entry(list_url="https://uni.example/status/abc", index=94567, purpose="revocation")
    assert entry == {
        "id": "https://uni.example/status/abc#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://uni.example/status/abc",
    }
    with pytest.raises(InvalidInput):
        status_entry(list_url="https://uni.example/status/abc", index=1, purpose="message")


def test_list_credential_shape() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    bits = Bitstring.with_set(MIN_ENTRIES, [5])
    document = list_credential(
        list_url="https://uni.example/status/abc",
        issuer="did:web:uni.example",
        purpose="suspension",
        bits=bits,
        valid_from=now,
        valid_for=timedelta(hours=1),
        ttl_ms=1000,
    )
    assert document == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://uni.example/status/abc",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:web:uni.example",
        "validFrom": "2026-01-02T03:04:05Z",
        "validUntil": "2026-01-02T04:04:05Z",
        "credentialSubject": {
            "id": "https://uni.example/status/abc#list",
            "type": "BitstringStatusList",
            "statusPurpose": "suspension",
            "encodedList": bits.encoded(),
            "ttl": 1000,
        },
    }


def test_two_status_entries_are_checked_as_the_ob3_schema_checks_one() -> None:
    """VC 2.0 allows an array (revocation + suspension); OB 3.0's schema takes one object: the first entry goes
    through the schema, and each further one must be an object with a string id and type."""
    revocation = status_entry(list_url="https://uni.example/status/a", index=1, purpose="revocation")
    suspension = status_entry(list_url="https://uni.example/status/b", index=2, purpose="suspension")
    view, problems = ob3_status_view({"credentialStatus": [revocation, suspension]})
    assert view == {"credentialStatus": revocation}
    assert problems == []
    _, problems = ob3_status_view({"credentialStatus": [revocation, {"type": "BitstringStatusListEntry"}]})
    assert [p.pointer for p in problems] == ["/credentialStatus/1"]
    single = {"credentialStatus": revocation}
    assert ob3_status_view(single) == (single, [])
