"""Credential offers for wallets: the offer secrets, the OpenID4VCI offer object, deep links and QR codes.

One random *offer reference* is handed to the learner (inside a link, valid as long as the offer). The database
keeps only hashes; what a wallet needs is derived from the reference with HMAC-SHA256:

- the pre-authorized code (OpenID4VCI 1.0 §4.1.1), short-lived: one per code window, minted when the offer is
  fetched by reference (the same code while its window lasts, a new one after), single use;
- the VC-API exchange URL (``/exchanges/<reference>``) for the DCC Learner Credential Wallet;
- the key under which the transaction code (``tx_code``, random, delivered separately) is stored as an HMAC. That
  key is kept only wrapped with the current pre-authorized code, so neither the 6 digits nor the key can be found
  from a copy of the database alone.

https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#name-credential-offer ;
https://github.com/digitalcredentials/learner-credential-wallet (deep links ``https://lcw.app/request?request=``)
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import io
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import segno

from microcred.vc.encodings import b64url_encode

__all__ = [
    "CREDENTIAL_CONFIGURATION_ID",
    "PRE_AUTHORIZED_GRANT",
    "TX_CODE_LENGTH",
    "OfferLinks",
    "credential_offer",
    "hash_secret",
    "lcw_request_link",
    "new_reference",
    "new_secret",
    "new_tx_code",
    "offer_links",
    "openid_offer_link",
    "pre_authorized_code",
    "qr_images",
    "qr_png",
    "qr_png_data_uri",
    "qr_svg",
    "rebind_credential",
    "tx_code_hash",
    "tx_code_key",
    "unwrap_tx_key",
    "wrap_tx_key",
]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CREDENTIAL_CONFIGURATION_ID = "AchievementCredential_ldp_vc"
"""The one entry of ``credential_configurations_supported``: an OB 3.0 AchievementCredential as ``ldp_vc``."""
TX_CODE_LENGTH = 6
_CODE_LABEL = b"microcred/oid4vci/pre-authorized_code/"
_TX_LABEL = b"microcred/oid4vci/tx_code"
_WRAP_LABEL = b"microcred/oid4vci/tx_code-key-wrap/"


def new_secret() -> str:
    """A fresh unguessable token (256 bits, base64url): access tokens, nonces."""
    return secrets.token_urlsafe(32)


def new_reference() -> str:
    """A fresh offer reference (256 bits, base64url): the learner's link to the offer."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """What the database keeps of a secret: SHA-256, hex. The secrets themselves are 256-bit random values."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def pre_authorized_code(reference: str, *, minted_at: str) -> str:
    """The offer's pre-authorized code for the code window that started at ``minted_at`` (HMAC-SHA256 keyed by the
    reference, base64url): the same within a window, so a wallet may fetch the offer twice; a new one after it."""
    digest = hmac.new(reference.encode("utf-8"), _CODE_LABEL + minted_at.encode("utf-8"), hashlib.sha256)
    return b64url_encode(digest.digest())


def new_tx_code(length: int = TX_CODE_LENGTH) -> str:
    """A numeric transaction code (OpenID4VCI §4.1.1 ``tx_code``, ``input_mode`` numeric)."""
    return "".join(str(secrets.randbelow(10)) for _ in range(length))


def tx_code_key(reference: str) -> bytes:
    """The key the transaction code is stored under (derived from the never-stored reference)."""
    return hmac.new(reference.encode("utf-8"), _TX_LABEL, hashlib.sha256).digest()


def tx_code_hash(key: bytes, tx_code: str) -> str:
    """The stored form of a transaction code: HMAC-SHA256 under :func:`tx_code_key` (a 6-digit code cannot be
    found from the database alone)."""
    return hmac.new(key, tx_code.encode("utf-8"), hashlib.sha256).hexdigest()


def _pad(code: str) -> bytes:
    return hashlib.sha256(_WRAP_LABEL + code.encode("utf-8")).digest()


def wrap_tx_key(key: bytes, code: str) -> str:
    """The transaction-code key as stored beside a pre-authorized code: XOR-ed with a hash of that code, so only
    the wallet's token request (which brings the code) can unwrap it."""
    return bytes(a ^ b for a, b in zip(key, _pad(code), strict=True)).hex()


def unwrap_tx_key(wrapped: str, code: str) -> bytes:
    """The transaction-code key, from its stored wrapping and the pre-authorized code."""
    return bytes(a ^ b for a, b in zip(bytes.fromhex(wrapped), _pad(code), strict=True))


def credential_offer(
    *, credential_issuer: str, code: str, tx_code_length: int | None, tx_code_description: str | None = None
) -> dict[str, Any]:
    """The Credential Offer object (OpenID4VCI 1.0 §4.1.1) with the pre-authorized code grant.

    https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#name-credential-offer-parameters
    """
    grant: dict[str, Any] = {"pre-authorized_code": code}
    if tx_code_length is not None:
        tx: dict[str, Any] = {"input_mode": "numeric", "length": tx_code_length}
        if tx_code_description:
            tx["description"] = tx_code_description
        grant["tx_code"] = tx
    return {
        "credential_issuer": credential_issuer,
        "credential_configuration_ids": [CREDENTIAL_CONFIGURATION_ID],
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def openid_offer_link(*, offer: Mapping[str, Any] | None = None, offer_uri: str | None = None) -> str:
    """``openid-credential-offer://?credential_offer=…`` (by value) or ``?credential_offer_uri=…`` (by reference).

    https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#name-sending-credential-offer-by-
    """
    if (offer is None) == (offer_uri is None):
        raise ValueError("give exactly one of offer and offer_uri")
    if offer is not None:
        query = urlencode({"credential_offer": json.dumps(offer, separators=(",", ":"))}, quote_via=quote)
    else:
        query = urlencode({"credential_offer_uri": offer_uri}, quote_via=quote)
    return f"openid-credential-offer://?{query}"


def lcw_request_link(*, origin: str, exchange_url: str) -> str:
    """The Learner Credential Wallet deep link: ``https://lcw.app/request?request=<JSON>`` naming the VC-API
    exchange (``{"credentialRequestOrigin", "protocols": {"vcapi"}}``)."""
    request = {"credentialRequestOrigin": origin, "protocols": {"vcapi": exchange_url}}
    return "https://lcw.app/request?" + urlencode(
        {"request": json.dumps(request, separators=(",", ":"))}, quote_via=quote
    )


def _symbol(text: str) -> segno.QRCode:
    # Making the symbol is the costly part (segno tries all 8 masks, ~10-20 ms for a link): once per image pair.
    return segno.make(text, error="m", micro=False)


def _svg(symbol: segno.QRCode) -> str:
    out = io.BytesIO()
    symbol.save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    return out.getvalue().decode("utf-8")


def _png(symbol: segno.QRCode) -> bytes:
    out = io.BytesIO()
    symbol.save(out, kind="png", scale=6)
    return out.getvalue()


def qr_svg(text: str) -> str:
    """A QR code of ``text`` as an SVG document (error correction M, 4-module quiet zone)."""
    return _svg(_symbol(text))


def qr_png(text: str) -> bytes:
    """A QR code of ``text`` as PNG bytes (6 pixels per module)."""
    return _png(_symbol(text))


def qr_png_data_uri(text: str) -> str:
    """``data:image/png;base64,…`` of a QR code of ``text`` (for an ``<img>`` or a JSON answer)."""
    return "data:image/png;base64," + base64.b64encode(qr_png(text)).decode("ascii")


def qr_images(text: str) -> dict[str, str]:
    """Both images of one QR code of ``text``: ``png`` (data URI) and ``svg``."""
    symbol = _symbol(text)
    return {
        "png": "data:image/png;base64," + base64.b64encode(_png(symbol)).decode("ascii"),
        "svg": _svg(symbol),
    }


@dataclass(frozen=True)
class OfferLinks:
    """Every way to hand one offer to a learner: URLs, wallet deep links and their QR codes."""

    page: str
    """Human page with both QR codes and both links (``/wallet/<reference>``)."""
    credential_offer_uri: str
    """The offer by reference (``GET`` → Credential Offer JSON)."""
    openid_by_reference: str
    openid_by_value: str | None
    """By value, with a short-lived code: only in the API answer at creation (for immediate use)."""
    exchange_url: str
    """The VC-API exchange (the wallet ``POST``s ``{}`` to start)."""
    lcw: str

    def qr(self) -> dict[str, dict[str, str]]:
        """QR codes (PNG data URI and SVG) of the two deep links a wallet app scans."""
        return {"openid4vci": qr_images(self.openid_by_reference), "lcw": qr_images(self.lcw)}

    def as_json(self) -> dict[str, Any]:
        """The links as the offer API returns them (camelCase), with the QR codes."""
        return {
            "page": self.page,
            "credentialOfferUri": self.credential_offer_uri,
            "openid4vci": {"byReference": self.openid_by_reference, "byValue": self.openid_by_value},
            "vcapi": {"exchangeUrl": self.exchange_url, "lcw": self.lcw},
            "qr": self.qr(),
        }


def offer_links(*, base_url: str, reference: str, code: str | None, tx_code_length: int | None) -> OfferLinks:
    """All links of the offer with this reference, on the issuer at ``base_url``; the by-value link carries
    ``code`` (short-lived: for immediate use; the page and the by-reference link get fresh codes)."""
    offer_uri = f"{base_url}/oid4vci/offers/{reference}"
    by_value = (
        openid_offer_link(
            offer=credential_offer(credential_issuer=base_url, code=code, tx_code_length=tx_code_length)
        )
        if code is not None
        else None
    )
    exchange_url = f"{base_url}/exchanges/{reference}"
    return OfferLinks(
        page=f"{base_url}/wallet/{reference}",
        credential_offer_uri=offer_uri,
        openid_by_reference=openid_offer_link(offer_uri=offer_uri),
        openid_by_value=by_value,
        exchange_url=exchange_url,
        lcw=lcw_request_link(origin=base_url, exchange_url=exchange_url),
    )


def rebind_credential(
    signed: Mapping[str, Any],
    *,
    credential_id: str,
    holder: str,
    credential_status: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """The unsigned equivalent of an issued credential, bound to the wallet's DID: the same issuer, achievement
    version, result, dates, evidence and (hashed) identifiers, with a new ``id``, ``credentialSubject.id`` =
    ``holder`` and its own status entries; the original's proof is dropped (the copy must be signed anew).

    https://www.w3.org/TR/vc-data-model-2.0/#identifiers ; https://www.imsglobal.org/spec/ob/v3p0/#achievementsubject
    """
    unsigned = copy.deepcopy({key: value for key, value in signed.items() if key != "proof"})
    subject = unsigned.get("credentialSubject")
    if not isinstance(subject, dict):
        raise ValueError('"credentialSubject" must be one object')
    subject["id"] = holder
    unsigned["id"] = credential_id
    unsigned.pop("credentialStatus", None)
    if isinstance(credential_status, Mapping):
        unsigned["credentialStatus"] = dict(credential_status)
    elif credential_status:
        unsigned["credentialStatus"] = [dict(entry) for entry in credential_status]
    return unsigned
