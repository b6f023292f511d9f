"""Wallet offer logic: offer objects and deep links, derived secrets, QR codes, and the OpenID4VCI key proof check
against JWTs a wallet makes with joserfc, EdDSA and ES256. (The checker reads JWS through suites/jose.py, itself on
joserfc; tests/suites/test_jose.py checks that module against RFC vectors and tokens built without joserfc.)"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import warnings
import zlib
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OKPKey

from microcred.issuer.offers import (
    PRE_AUTHORIZED_GRANT,
    credential_offer,
    hash_secret,
    lcw_request_link,
    offer_links,
    openid_offer_link,
    pre_authorized_code,
    qr_png,
    qr_svg,
    tx_code_hash,
    tx_code_key,
    unwrap_tx_key,
    wrap_tx_key,
)
from microcred.issuer.oid4vci import check_key_proof, did_jwk, issuer_metadata
from microcred.vc.errors import OAuthError
from tests.issuer.factories import ISSUER, NOW, b64url, did_key_of, proof_jwt


def check(token: str, **options: Any) -> Any:
    return check_key_proof(token, audience=ISSUER, now=NOW, **options)


def refused(token: str, **options: Any) -> str:
    with pytest.raises(OAuthError) as info:
        check(token, **options)
    return info.value.error


# --- offers and links ---------------------------------------------------------------------------------------------


def test_offer_object_has_the_pre_authorized_grant_and_the_tx_code_description() -> None:
    offer = credential_offer(
        credential_issuer=ISSUER, code="c0de", tx_code_length=6, tx_code_description="SMS"
    )
    assert offer == {
        "credential_issuer": ISSUER,
        "credential_configuration_ids": ["AchievementCredential_ldp_vc"],
        "grants": {
            "urn:ietf:params:oauth:grant-type:pre-authorized_code": {
                "pre-authorized_code": "c0de",
                "tx_code": {"input_mode": "numeric", "length": 6, "description": "SMS"},
            }
        },
    }
    plain = credential_offer(credential_issuer=ISSUER, code="c0de", tx_code_length=None)
    assert "tx_code" not in plain["grants"][PRE_AUTHORIZED_GRANT]


def test_offer_links_by_value_and_by_reference_decode_back() -> None:
    offer = credential_offer(credential_issuer=ISSUER, code="a b&c", tx_code_length=None)
    by_value = openid_offer_link(offer=offer)
    assert by_value.startswith("openid-credential-offer://?credential_offer=")
    assert json.loads(parse_qs(urlsplit(by_value).query)["credential_offer"][0]) == offer
    uri = f"{ISSUER}/oid4vci/offers/r?x=1"
    by_reference = openid_offer_link(offer_uri=uri)
    assert by_reference.startswith("openid-credential-offer://?credential_offer_uri=https%3A%2F%2F")
    assert parse_qs(urlsplit(by_reference).query)["credential_offer_uri"] == [uri]


def test_lcw_deep_link_names_the_vcapi_exchange() -> None:
    link = lcw_request_link(origin=ISSUER, exchange_url=f"{ISSUER}/exchanges/r")
    assert link.startswith("https://lcw.app/request?request=")
    request = json.loads(parse_qs(urlsplit(link).query)["request"][0])
    assert request == {"credentialRequestOrigin": ISSUER, "protocols": {"vcapi": f"{ISSUER}/exchanges/r"}}


def test_all_links_of_one_offer_come_from_its_reference() -> None:
    links = offer_links(base_url=ISSUER, reference="REF", code="CODE", tx_code_length=6)
    assert links.page == f"{ISSUER}/wallet/REF"
    assert links.credential_offer_uri == f"{ISSUER}/oid4vci/offers/REF"
    assert links.exchange_url == f"{ISSUER}/exchanges/REF"
    assert links.openid_by_value is not None
    offer = json.loads(parse_qs(urlsplit(links.openid_by_value).query)["credential_offer"][0])
    assert offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"] == "CODE"
    assert offer_links(base_url=ISSUER, reference="REF", code=None, tx_code_length=6).openid_by_value is None


def test_secrets_are_derived_and_hashed_not_kept() -> None:
    code = pre_authorized_code("reference-1", minted_at="2026-11-23T12:00:00+00:00")
    assert code == pre_authorized_code("reference-1", minted_at="2026-11-23T12:00:00+00:00")
    assert code != pre_authorized_code("reference-2", minted_at="2026-11-23T12:00:00+00:00")
    assert code != pre_authorized_code("reference-1", minted_at="2026-11-23T12:10:00+00:00")  # a new window
    assert len(base64.urlsafe_b64decode(code + "=")) == 32
    assert hash_secret(code) == hashlib.sha256(code.encode()).hexdigest()
    # The transaction code is stored as an HMAC under a key derived from the reference, not a bare hash...
    key = tx_code_key("reference-1")
    assert tx_code_hash(key, "123456") != hashlib.sha256(b"123456").hexdigest()
    assert tx_code_hash(key, "123456") != tx_code_hash(tx_code_key("reference-2"), "123456")
    # ...and that key is kept only wrapped with the pre-authorized code: the code unwraps it, another does not.
    wrapped = wrap_tx_key(key, code)
    assert bytes.fromhex(wrapped) != key
    assert unwrap_tx_key(wrapped, code) == key
    assert unwrap_tx_key(wrapped, pre_authorized_code("reference-2", minted_at="x")) != key


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_qr_codes_are_png_and_svg_images_of_the_link() -> None:
    link = offer_links(base_url=ISSUER, reference="REF", code=None, tx_code_length=None).openid_by_reference
    png = qr_png(link)
    width, height = _png_size(png)
    assert width == height
    assert width % 6 == 0
    chunks = png.split(b"IDAT")
    assert len(chunks) >= 2
    assert zlib.decompressobj().decompress(chunks[1][:-4])
    svg = qr_svg(link)
    assert svg.startswith("<svg")
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    # A longer text needs a bigger symbol: the image depends on what it encodes.
    assert _png_size(qr_png(link + "x" * 200))[0] > width


def test_issuer_metadata_offers_an_ldp_vc_achievement_credential() -> None:
    metadata = issuer_metadata(credential_issuer=ISSUER, display_name="microcred")
    assert metadata["credential_issuer"] == ISSUER
    assert metadata["credential_endpoint"] == f"{ISSUER}/oid4vci/credential"
    assert metadata["nonce_endpoint"] == f"{ISSUER}/oid4vci/nonce"
    config = metadata["credential_configurations_supported"]["AchievementCredential_ldp_vc"]
    assert config["format"] == "ldp_vc"
    assert config["credential_definition"]["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert config["credential_definition"]["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert config["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == [
        "EdDSA",
        "Ed25519",
        "ES256",
    ]
    assert "did:key" in config["cryptographic_binding_methods_supported"]


# --- key proofs ---------------------------------------------------------------------------------------------------


def test_eddsa_proof_with_a_did_key_binds_that_did() -> None:
    key = OKPKey.generate_key("Ed25519")
    proof = check(proof_jwt(key))
    assert proof.holder == did_key_of(key)
    assert proof.holder.startswith("did:key:z6Mk")
    assert (proof.nonce, proof.algorithm) == ("n-1", "EdDSA")
    assert check(proof_jwt(key, alg="Ed25519")).holder == did_key_of(key)


def test_es256_proof_with_a_p256_did_key() -> None:
    key = ECKey.generate_key("P-256")
    proof = check(proof_jwt(key))
    assert proof.holder == did_key_of(key)
    assert proof.holder.startswith("did:key:zDn")


def test_es256_proof_with_a_jwk_binds_its_did_jwk() -> None:
    key = ECKey.generate_key("P-256")
    proof = check(proof_jwt(key, binding="jwk"))
    assert proof.holder == did_jwk(key.as_dict(private=False))
    decoded = json.loads(base64.urlsafe_b64decode(proof.holder.removeprefix("did:jwk:") + "=="))
    assert decoded == {k: key.as_dict(private=False)[k] for k in ("crv", "kty", "x", "y")}
    # The same key named by its did:jwk URL is the same holder.
    assert (
        check(proof_jwt(key, binding="none", extra_header={"kid": proof.holder + "#0"})).holder
        == proof.holder
    )


def test_a_proof_signed_by_another_key_is_refused() -> None:
    named, other = OKPKey.generate_key("Ed25519"), OKPKey.generate_key("Ed25519")
    assert refused(proof_jwt(named, signer=other)) == "invalid_proof"
    ec_named, ec_other = ECKey.generate_key("P-256"), ECKey.generate_key("P-256")
    assert refused(proof_jwt(ec_named, binding="jwk", signer=ec_other)) == "invalid_proof"


def test_a_tampered_proof_is_refused() -> None:
    key = OKPKey.generate_key("Ed25519")
    head, body, sig = proof_jwt(key).split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["nonce"] = "n-2"
    forged = b64url(json.dumps(claims).encode())
    assert refused(f"{head}.{forged}.{sig}") == "invalid_proof"


@pytest.mark.parametrize(
    ("options", "why"),
    [
        ({"aud": "https://other.example"}, "aud"),
        ({"aud": None}, "aud"),
        ({"typ": "JWT"}, "typ"),
        ({"iat": NOW.timestamp() - 3600}, "iat"),
        ({"iat": NOW.timestamp() + 3600}, "iat"),
        ({"extra_header": {"jwk": {"kty": "OKP"}}}, "kid and jwk"),
        ({"extra_header": {"crit": ["kid"]}}, "crit"),
        ({"binding": "none"}, "no key"),
    ],
)
def test_refusals_are_invalid_proof(options: dict[str, Any], why: str) -> None:
    key = OKPKey.generate_key("Ed25519")
    assert refused(proof_jwt(key, **options)) == "invalid_proof", why


def test_missing_iat_alg_none_private_jwk_and_wrong_alg_are_refused() -> None:
    key = OKPKey.generate_key("Ed25519")
    head = {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "jwk": key.as_dict(private=False)}
    no_iat = proof_jwt(key, binding="jwk").split(".")
    body = b64url(json.dumps({"aud": ISSUER, "nonce": "n"}).encode())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        without_iat = jwt.encode(head, {"aud": ISSUER, "nonce": "n"}, key, algorithms=["EdDSA"])
    assert refused(without_iat) == "invalid_proof"
    none = b64url(json.dumps({"alg": "none", "typ": "openid4vci-proof+jwt", "jwk": head["jwk"]}).encode())
    assert refused(f"{none}.{body}.") == "invalid_proof"
    private = {**head, "jwk": key.as_dict(private=True)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        leaked = jwt.encode(private, {"aud": ISSUER, "iat": int(NOW.timestamp())}, key, algorithms=["EdDSA"])
    assert refused(leaked) == "invalid_proof"
    ec = ECKey.generate_key("P-256")
    claimed_eddsa = proof_jwt(ec, binding="jwk").split(".")
    relabelled = b64url(
        json.dumps({"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "jwk": ec.as_dict(private=False)}).encode()
    )
    assert refused(f"{relabelled}.{claimed_eddsa[1]}.{claimed_eddsa[2]}") == "invalid_proof"
    assert refused(".".join(no_iat[:2])) == "invalid_proof"
    assert refused("not a jwt") == "invalid_proof"


def test_a_proof_may_be_as_old_as_the_nonce_lifetime() -> None:
    key = OKPKey.generate_key("Ed25519")
    token = proof_jwt(key, iat=NOW.timestamp() - 240)
    assert check(token, max_age=timedelta(minutes=5)).holder == did_key_of(key)
    with pytest.raises(OAuthError):
        check(token, max_age=timedelta(minutes=3))
