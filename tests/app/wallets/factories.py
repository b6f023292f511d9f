"""Shared by the wallet tests (and tests/security's): a simulated OpenID4VCI wallet and its clock, an LCW holder
whose presentations node signs, offers, and reading the learner page's wallet forms."""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from joserfc.jwk import ECKey, OKPKey

from microcred.suites import StaticResolver, verify
from tests.app.issuance.factories import node
from tests.app.pages.factories import HTML
from tests.issuer.factories import Issuing, deployment_loader, did_key_of, proof_jwt

BASE = "http://testserver"


START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_offer(it: Issuing, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "achievement": it.achievement_id,
        "learner": {"name": "Ana Andromeda", "email": "ana@example.org"},
        "result": {"grade": "Pass"},
    }
    body.update(fields)
    response = it.client.post("/credentials/offers", json=body, headers=it.headers)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def query_value(link: str, name: str) -> str:
    return parse_qs(urlsplit(link).query)[name][0]


@dataclass
class Wallet:
    """A holder's wallet speaking OpenID4VCI 1.0 to the issuer through the test client."""

    client: TestClient
    key: OKPKey | ECKey = field(default_factory=lambda: OKPKey.generate_key("Ed25519"))
    binding: str = "kid"

    @property
    def did(self) -> str:
        return did_key_of(self.key)

    def offer(self, link: str) -> dict[str, Any]:
        """Resolve an openid-credential-offer:// link (by reference or by value)."""
        assert link.startswith("openid-credential-offer://?")
        if "credential_offer_uri=" in link:
            uri = query_value(link, "credential_offer_uri")
            response = self.client.get(uri.removeprefix(BASE))
            assert response.status_code == 200, response.text
            assert response.headers["cache-control"] == "no-store"
            offer: dict[str, Any] = response.json()
            return offer
        value: dict[str, Any] = json.loads(query_value(link, "credential_offer"))
        return value

    def token(self, code: str, tx_code: str | None = None, **extra: str) -> Any:
        form = {
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": code,
        }
        if tx_code is not None:
            form["tx_code"] = tx_code
        form.update(extra)
        return self.client.post("/oid4vci/token", data=form)

    def nonce(self) -> str:
        response = self.client.post("/oid4vci/nonce")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        value: str = response.json()["c_nonce"]
        return value

    def proof(self, *, nonce: str | None, iat: float, **options: Any) -> str:
        return proof_jwt(
            self.key, binding=self.binding, aud=options.pop("aud", BASE), nonce=nonce, iat=iat, **options
        )

    def credential(self, access_token: str, proofs: Any, **body: Any) -> Any:
        request: dict[str, Any] = {"credential_configuration_id": "AchievementCredential_ldp_vc"}
        request.update(body)
        if proofs is not None:
            request["proofs"] = proofs
        return self.client.post(
            "/oid4vci/credential", json=request, headers={"Authorization": f"Bearer {access_token}"}
        )

    def accept(self, link: str, tx_code: str | None, now: datetime) -> dict[str, Any]:
        """The whole flow: offer, metadata, token, nonce, credential."""
        offer = self.offer(link)
        metadata = self.client.get("/.well-known/openid-credential-issuer").json()
        assert metadata["credential_issuer"] == offer["credential_issuer"]
        assert offer["credential_configuration_ids"][0] in metadata["credential_configurations_supported"]
        grant = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
        response = self.token(grant["pre-authorized_code"], tx_code if "tx_code" in grant else None)
        assert response.status_code == 200, response.text
        access_token = response.json()["access_token"]
        proof = self.proof(nonce=self.nonce(), iat=now.timestamp())
        answer = self.credential(access_token, {"jwt": [proof]})
        assert answer.status_code == 200, answer.text
        credential: dict[str, Any] = answer.json()["credentials"][0]["credential"]
        return credential


def verified(client: TestClient, it: Issuing, credential: dict[str, Any]) -> bool:
    did_document = client.get(f"/issuers/{it.slug}/did.json").json()
    result = verify(
        credential, resolver=StaticResolver({it.did: did_document}), loader=deployment_loader(client)
    )
    return result.verified


def granted(wallet: Wallet, answer: dict[str, Any]) -> str:
    """Redeem the offer's code (with its tx_code) for an access token."""
    offer = wallet.offer(answer["links"]["openid4vci"]["byReference"])
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
    response = wallet.token(code, answer["txCode"])
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def error_of(response: Any, status: int = 400) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) <= {"error", "error_description"}
    code: str = body["error"]
    return code


VC_V1 = "https://www.w3.org/2018/credentials/v1"


VC_V2 = "https://www.w3.org/ns/credentials/v2"


class Holder:
    """A wallet key: an Ed25519 seed and its did:key."""

    def __init__(self, byte: int) -> None:
        self.seed = bytes([byte]) * 32
        public = (
            Ed25519PrivateKey.from_private_bytes(self.seed)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        self.multibase = "z" + base58.b58encode(b"\xed\x01" + public).decode()
        self.did = f"did:key:{self.multibase}"

    def sign_job(
        self,
        *,
        challenge: str,
        domain: str,
        suite: str = "Ed25519Signature2020",
        context: str = VC_V1,
        holder: str | None = None,
    ) -> dict[str, Any]:
        """The node job that signs a DID-auth presentation as the LCW does."""
        return {
            "action": "sign",
            "kind": "presentation",
            "suite": suite,
            "document": {
                "@context": [context],
                "type": ["VerifiablePresentation"],
                "holder": holder or self.did,
            },
            "seed": self.seed.hex(),
            "verificationMethod": f"{self.did}#{self.multibase}",
            "controller": self.did,
            "challenge": challenge,
            "domain": domain,
            "created": "2026-11-23T12:00:00Z",
        }


def lcw_offer(it: Issuing, **fields: Any) -> dict[str, Any]:
    """An offer for the LCW, which cannot send a transaction code: made without one."""
    return make_offer(it, txCode=False, **fields)


def exchange_path(answer: dict[str, Any]) -> str:
    """What the LCW reads from its deep link: the vcapi exchange URL (as a test-client path)."""
    link = answer["links"]["vcapi"]["lcw"]
    request = json.loads(parse_qs(urlsplit(link).query)["request"][0])
    assert request["credentialRequestOrigin"] == BASE
    url: str = request["protocols"]["vcapi"]
    return url.removeprefix(BASE)


def start(client: TestClient, path: str) -> dict[str, Any]:
    response = client.post(path, json={})
    assert response.status_code == 200, response.text
    request: dict[str, Any] = response.json()["verifiablePresentationRequest"]
    return request


def signed(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = node(jobs)
    assert all("document" in r for r in results), results
    return [r["document"] for r in results]


class Forms(HTMLParser):
    """Every ``<form>``: its method, action and the text of its buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {"method": values.get("method", ""), "action": values.get("action", ""), "text": ""}
            )
        elif tag == "button":
            self._in_button = True

    def handle_data(self, data: str) -> None:
        if self._in_button and self.forms:
            self.forms[-1]["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False


def wallet_forms(page: str) -> list[dict[str, str]]:
    parser = Forms()
    parser.feed(page)
    return [form for form in parser.forms if form["text"].strip() == "Add to a wallet"]


def press_button(client: TestClient, learner_link: str) -> str:
    """Press "Add to a wallet" on the learner's private page, as a browser without JS: the wallet page's path."""
    page = client.get(learner_link.removeprefix(BASE), headers=HTML).text
    (form,) = wallet_forms(page)
    assert form["method"] == "post"
    response = client.post(
        form["action"].removeprefix(BASE),
        data={"key": html_lib.unescape(re.search(r'name="key" value="([^"]+)"', page)[1])},  # type: ignore[index]
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["cache-control"] == "no-store"
    location = response.headers["location"]
    assert re.fullmatch(rf"{BASE}/wallet/[A-Za-z0-9_-]{{43}}", location), location
    return location.removeprefix(BASE)


def page_links(client: TestClient, wallet_page: str) -> tuple[str, str]:
    """The wallet page's OpenID4VCI and LCW deep links (the two QR codes are of them)."""
    response = client.get(wallet_page)
    assert response.status_code == 200, response.text
    text = response.text
    assert text.count("<svg") == 2
    found = dict(re.findall(r'<a href="([^"]+)">Open in (?:an |the )([^<]+)</a>', text))
    by_name = {name: html_lib.unescape(href) for href, name in found.items()}
    return by_name["OpenID4VCI wallet"], by_name["Learner Credential Wallet"]
