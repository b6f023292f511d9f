"""Consulting an EBSI Trusted Issuers Registry (TIR API v4/v5 shapes) for an issuer's accreditation attributes.

``GET <base>/issuers/{did}`` answers ``{"did", "attributes": "<URL>", "hasAttributes"}`` (v5) or, in the
v4-style shape, ``{"did", "attributes": [{hash, body, issuerType, tao, rootTao}]}``; 404 means not registered.
The attributes collection lists ``{"items": [{"id", "href"}]}`` and each ``href`` gives ``{"did", "attribute":
{hash, body, issuerType, tao, rootTao}}``. ``issuerType`` ``Revoked`` (any case) withdraws the accreditation;
``TI``/``TAO``/``RootTAO`` accredit. ``body`` is the accreditation as a VC-JWT: its validity dates must cover the
credential's issuance and its types (``type`` plus ``credentialSubject.accreditedFor[].types``) must cover the
credential's types. The accreditation JWT must be signed by its TAO (``attribute.tao``): ``kid`` is a DID URL of
that DID, resolved through the EBSI DID Registry (``GET <did registry>/identifiers/{did}``, by default the TIR's
host with ``did-registry/v5``) and listed under its ``assertionMethod``; ES256, ES256K and EdDSA keys (JWK).
Shapes per ``shared/eu-elements.md`` §6a (``@cef-ebsi/verifiable-credential`` 5.5.0, TIR API v5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urljoin

from microcred.vc.errors import FetchError, InvalidInput, MicrocredError, NotFound
from microcred.verifier.dates import parse_datetime
from microcred.verifier.fetch import Fetcher
from microcred.verifier.inputs import InputLimits, parse_json
from microcred.verifier.jwt import verify_jws_by_did
from microcred.verifier.proof import MemoResolver
from microcred.verifier.trust import TrustAnswer, TrustQuery

__all__ = ["EbsiTir"]

_LIMITS = InputLimits(max_bytes=1_048_576, max_depth=32)
_ACCREDITING = frozenset({"ti", "tao", "roottao", "rtao"})
_MAX_ATTRIBUTES = 16


def _json(fetcher: Fetcher, url: str) -> dict[str, Any]:
    document = parse_json(fetcher.get(url).body, limits=_LIMITS)
    if not isinstance(document, dict):
        raise InvalidInput(f'"{url}" did not answer a JSON object')
    return document


def _not_found(exc: FetchError) -> bool:
    return exc.detail.endswith("answered HTTP 404")


@dataclass(frozen=True)
class _Judgement:
    accredited: bool | None
    """True: in force and covering the credential; False: not; None: its signature could not be checked."""
    why: str


def _judge(attribute: Mapping[str, Any], query: TrustQuery, resolver: MemoResolver | None) -> _Judgement:
    issuer_type = str(attribute.get("issuerType", "")).lower()
    if issuer_type == "revoked":
        return _Judgement(False, "its accreditation attribute is revoked")
    if issuer_type not in _ACCREDITING:
        return _Judgement(False, f"an attribute has issuerType {attribute.get('issuerType')!r}")
    body = attribute.get("body")
    if not isinstance(body, str) or body.count(".") != 2:
        return _Judgement(False, "an accreditation body is not a readable VC-JWT")
    tao = attribute.get("tao")
    if resolver is None:
        return _Judgement(None, "no EBSI DID Registry is configured to check the accreditation's signature")
    try:
        payload, signer = verify_jws_by_did(body, resolver=resolver)
    except LookupError as exc:
        detail = exc.detail if isinstance(exc, MicrocredError) else str(exc)
        return _Judgement(None, f"the key of its accreditation's signer could not be retrieved ({detail})")
    except (InvalidInput, ValueError) as exc:
        detail = exc.detail if isinstance(exc, MicrocredError) else str(exc)
        return _Judgement(False, f"its accreditation is not validly signed: {detail}")
    if signer != tao or payload.get("iss", signer) != signer:
        return _Judgement(False, f"its accreditation is signed by {signer}, not by its accrediting TAO {tao}")
    accreditation = payload.get("vc", payload)
    if not isinstance(accreditation, dict):
        return _Judgement(False, "an accreditation body holds no credential")
    try:
        start = accreditation.get("validFrom") or accreditation.get("issuanceDate")
        end = accreditation.get("validUntil") or accreditation.get("expirationDate")
        if start is not None and query.issued < parse_datetime(start):
            return _Judgement(False, f"its accreditation starts on {start}, after this credential was issued")
        if end is not None and query.issued >= parse_datetime(end):
            return _Judgement(False, f"its accreditation ended on {end}, before this credential was issued")
    except InvalidInput:
        return _Judgement(False, "an accreditation has unreadable dates")
    subject = accreditation.get("credentialSubject")
    accredited = subject.get("id") if isinstance(subject, Mapping) else None
    if accredited != query.issuer:
        return _Judgement(False, f"its accreditation is for {accredited!r}, not for this issuer")
    covered = {t for t in _list(accreditation.get("type")) if isinstance(t, str)}
    for item in _list(subject.get("accreditedFor") if isinstance(subject, Mapping) else None):
        if isinstance(item, Mapping):
            covered |= {t for t in _list(item.get("types")) if isinstance(t, str)}
    left = [t for t in query.credential_types if t not in covered]
    if left:
        return _Judgement(False, f"it is not accredited to issue credentials of type {', '.join(left)}")
    return _Judgement(True, f"accredited by {tao} (the accreditation's signature verifies)")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


@dataclass(frozen=True)
class _EbsiDids:
    """A ``suites.Resolver`` for did:ebsi: ``GET <registry>/identifiers/{did}`` through the guarded fetcher."""

    registry: str
    fetcher: Fetcher

    def resolve(self, did_or_url: str) -> Mapping[str, Any]:
        did = did_or_url.split("#", 1)[0]
        if not did.startswith("did:ebsi:"):
            raise NotFound(f'"{did}" is not a did:ebsi identifier')
        try:
            document = _json(self.fetcher, f"{self.registry.rstrip('/')}/identifiers/{quote(did, safe=':')}")
        except FetchError as exc:
            raise NotFound(exc.detail) from None
        if document.get("id") != did:
            raise InvalidInput(
                f"the EBSI DID Registry answered a document for {document.get('id')!r}, not {did}"
            )
        return document


@dataclass
class EbsiTir:
    """An EBSI TIR-shaped endpoint at ``base_url`` (e.g. ``https://api-pilot.ebsi.eu/trusted-issuers-registry/v5``)."""

    name: str
    base_url: str
    fetcher: Fetcher
    did_registry_url: str | None = None
    """EBSI DID Registry (``…/did-registry/v5``) resolving the TAOs' did:ebsi; default: derived from ``base_url``."""

    def _resolver(self) -> MemoResolver | None:
        url = self.did_registry_url
        if url is None and "/trusted-issuers-registry/" in self.base_url:
            url = self.base_url.split("/trusted-issuers-registry/")[0] + "/did-registry/v5"
        return MemoResolver(_EbsiDids(url, self.fetcher)) if url else None

    def _attributes(self, issuer: str) -> list[Mapping[str, Any]]:
        base = self.base_url.rstrip("/") + "/"
        record = _json(self.fetcher, urljoin(base, f"issuers/{quote(issuer, safe=':')}"))
        attributes = record.get("attributes")
        if isinstance(attributes, list):  # the v4 / ?version=deprecated shape
            return [a for a in attributes if isinstance(a, Mapping)]
        if not isinstance(attributes, str):
            raise InvalidInput('the TIR issuer record has no "attributes"')
        listing = _json(self.fetcher, urljoin(base, attributes))
        items = listing.get("items")
        if not isinstance(items, list):
            raise InvalidInput('the TIR attributes collection has no "items" list')
        found: list[Mapping[str, Any]] = []
        for item in items[:_MAX_ATTRIBUTES]:
            href = item.get("href") if isinstance(item, Mapping) else None
            if not isinstance(href, str):
                raise InvalidInput('a TIR attributes item has no "href"')
            attribute = _json(self.fetcher, urljoin(base, href)).get("attribute")
            if not isinstance(attribute, Mapping):
                raise InvalidInput(f'"{href}" has no "attribute" object')
            found.append(attribute)
        return found

    def evaluate(self, query: TrustQuery) -> TrustAnswer:
        """Registered? An accreditation in force when the credential was issued, covering its types?"""
        try:
            attributes = self._attributes(query.issuer)
        except FetchError as exc:
            if _not_found(exc):
                return TrustAnswer(
                    False,
                    self.name,
                    f"The issuer {query.issuer} is not registered in {self.name}.",
                    {"listed": False},
                )
            return TrustAnswer(
                None, self.name, f"{self.name} could not be consulted: {exc.detail}", {"reason": exc.detail}
            )
        except MicrocredError as exc:
            return TrustAnswer(
                None,
                self.name,
                f"{self.name} answered in an unexpected shape: {exc.detail}",
                {"reason": exc.detail},
            )
        resolver = self._resolver()
        judgements = [_judge(a, query, resolver) for a in attributes]
        good = [j for j in judgements if j.accredited]
        if good:
            return TrustAnswer(
                True,
                self.name,
                f"The issuer {query.issuer} is registered in {self.name}, {good[0].why}, for this credential's "
                "types at its issuance.",
                {"listed": True},
            )
        unchecked = [j for j in judgements if j.accredited is None]
        if unchecked:
            return TrustAnswer(
                None,
                self.name,
                f"The issuer {query.issuer} is registered in {self.name}, but {unchecked[0].why}.",
                {"listed": True, "reason": unchecked[0].why},
            )
        why = "; ".join(dict.fromkeys(j.why for j in judgements)) or "it has no accreditation attributes"
        return TrustAnswer(
            False,
            self.name,
            f"The issuer {query.issuer} is registered in {self.name}, but {why}.",
            {"listed": True},
        )

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        """Without a credential: an accreditation in force at ``when``."""
        return self.evaluate(TrustQuery(issuer=issuer, issued=when, now=when, resource=resource))
