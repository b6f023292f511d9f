"""The local key store seals seeds at rest and never shows them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from microcred.keys import LocalKeyStore, load_or_create_kek, parse_kek, public_key_from_multibase
from microcred.vc.encodings import b64url_encode
from microcred.vc.errors import ConfigurationError, KeyMaterialError


def test_generated_key_signs_and_verifies_with_its_public_key() -> None:
    store = LocalKeyStore(os.urandom(32))
    key = store.generate(key_id="inst-1/key-1")
    signer = store.signer(
        key_id="inst-1/key-1", sealed_secret=key.sealed_secret, verification_method="did:x#k"
    )
    assert signer.public_key_multibase == key.public_key_multibase
    signature = signer.sign(b"message")
    Ed25519PublicKey.from_public_bytes(public_key_from_multibase(key.public_key_multibase)).verify(
        signature, b"message"
    )


def test_sealed_secret_does_not_contain_the_seed() -> None:
    store = LocalKeyStore(os.urandom(32))
    seed = os.urandom(32)
    sealed = store.seal(seed, key_id="k")
    assert seed not in sealed
    assert len(sealed) == 1 + 12 + 32 + 16


def test_wrong_kek_cannot_open() -> None:
    key = LocalKeyStore(os.urandom(32)).generate(key_id="k")
    with pytest.raises(KeyMaterialError, match="key-encryption key"):
        LocalKeyStore(os.urandom(32)).signer(
            key_id="k", sealed_secret=key.sealed_secret, verification_method="v"
        )


def test_sealed_secret_is_bound_to_its_key_id() -> None:
    store = LocalKeyStore(os.urandom(32))
    key = store.generate(key_id="inst-a/key-1")
    with pytest.raises(KeyMaterialError):
        store.signer(key_id="inst-b/key-1", sealed_secret=key.sealed_secret, verification_method="v")


def test_tampered_sealed_secret_is_refused() -> None:
    store = LocalKeyStore(os.urandom(32))
    key = store.generate(key_id="k")
    tampered = bytearray(key.sealed_secret)
    tampered[-1] ^= 1
    with pytest.raises(KeyMaterialError):
        store.signer(key_id="k", sealed_secret=bytes(tampered), verification_method="v")


def test_secrets_never_in_reprs_or_errors() -> None:
    kek = os.urandom(32)
    store = LocalKeyStore(kek)
    key = store.generate(key_id="k")
    signer = store.signer(key_id="k", sealed_secret=key.sealed_secret, verification_method="v")
    texts = [repr(store), str(store), repr(key), repr(signer)]
    try:
        LocalKeyStore(os.urandom(32)).signer(
            key_id="k", sealed_secret=key.sealed_secret, verification_method="v"
        )
    except KeyMaterialError as exc:
        texts.append(str(exc))
    joined = "\n".join(texts)
    for secret in (kek, key.sealed_secret):
        assert secret.hex() not in joined
        assert b64url_encode(secret) not in joined
        assert repr(secret) not in joined


def test_dev_kek_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "var" / "kek"
    first = load_or_create_kek(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_kek(path) == first
    assert len(first) == 32


@pytest.mark.parametrize("text", ["", "c2hvcnQ", b64url_encode(os.urandom(31)), "not base64!!"])
def test_bad_kek_is_a_configuration_error(text: str) -> None:
    with pytest.raises((ConfigurationError, ValueError)):
        parse_kek(text)


def test_kek_must_be_32_bytes() -> None:
    with pytest.raises(ConfigurationError):
        LocalKeyStore(b"short")
