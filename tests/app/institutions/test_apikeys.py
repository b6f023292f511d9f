"""API key format: visible prefix, 32-byte secret, SHA-256 at rest, constant-time match."""

from __future__ import annotations

import hashlib

from microcred.app.institutions.apikeys import hash_api_key, matches, new_api_key, parse_api_key


def test_new_key_shape_and_hash() -> None:
    minted = new_api_key()
    assert minted.key.startswith(f"mc_{minted.prefix}_")
    assert len(minted.prefix) == 8
    assert minted.secret_hash == hashlib.sha256(minted.key.encode()).hexdigest()
    assert minted.key not in repr(minted)
    assert minted.secret_hash not in repr(minted)
    assert parse_api_key(minted.key) == minted.prefix
    assert matches(minted.key, minted.secret_hash)
    assert not matches(minted.key + "x", minted.secret_hash)


def test_keys_are_random() -> None:
    keys = {new_api_key().key for _ in range(50)}
    assert len(keys) == 50
    assert len({k.split("_")[1] for k in keys}) == 50


def test_parse_rejects_malformed_keys() -> None:
    for bad in [
        "",
        "mc_",
        "mc_abc_secret",
        "xx_abcdefgh_secret",
        "mc_ABCDEFGH_secret",
        "mc_abcdefgh_",
        "abcdefgh",
    ]:
        assert parse_api_key(bad) is None, bad
    assert hash_api_key("a") != hash_api_key("b")
