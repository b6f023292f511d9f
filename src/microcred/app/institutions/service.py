"""Institutions and their API keys: creation (with a first signing key and API key), auth, revocation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.app.db.tables import ApiKey, Institution, SigningKey
from microcred.app.institutions import data as institutions_data
from microcred.app.institutions.apikeys import NewApiKey, matches, new_api_key, parse_api_key
from microcred.app.institutions.keys import institution_keys, key_summary
from microcred.issuer.geo import check_country, check_region
from microcred.keys import KeyStore, did_key, did_web
from microcred.vc.errors import Conflict, InvalidInput, NotFound, Unauthorized

__all__ = [
    "CreatedInstitution",
    "api_key_summary",
    "authenticate",
    "create_institution",
    "created_view",
    "for_caller",
    "institution_summary",
    "mint_api_key",
    "profile_document",
    "revoke_api_key",
]

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


@dataclass(frozen=True)
class CreatedInstitution:
    """A new institution, its first signing key and its first API key (shown once)."""

    institution: Institution
    signing_key: SigningKey
    api_key: NewApiKey


def _check_fields(*, slug: str, name: str, url: str, country: str, region: str | None) -> None:
    if not _SLUG.match(slug):
        raise InvalidInput(
            '"slug" must be 1-63 lowercase letters, digits or inner hyphens (e.g. "uni-zed")',
            pointer="#/slug",
        )
    if not name.strip() or len(name) > 300:
        raise InvalidInput('"name" must be 1-300 characters', pointer="#/name")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise InvalidInput('"url" must be an http(s) URL with a host', pointer="#/url")
    check_country(country)
    if region is not None:
        check_region(region, country=country)


def create_institution(
    session: Session,
    *,
    keystore: KeyStore,
    base_url: str,
    slug: str,
    name: str,
    url: str,
    country: str,
    region: str | None,
    now: datetime,
) -> CreatedInstitution:
    """Validate and insert an institution with did:web under ``base_url``, an active key and an API key."""
    _check_fields(slug=slug, name=name, url=url, country=country, region=region)
    if institutions_data.find_institution(session, slug=slug) is not None:
        raise Conflict(f'an institution with slug "{slug}" already exists', pointer="#/slug")
    try:
        institution = institutions_data.add_institution(
            session,
            slug=slug,
            name=name.strip(),
            url=url,
            country=country,
            region=region,
            did=did_web(base_url, "issuers", slug),
            now=now,
        )
    except IntegrityError:
        # A concurrent request created the same slug between the check and the insert.
        raise Conflict(f'an institution with slug "{slug}" already exists', pointer="#/slug") from None
    key = institution_keys(institution).make(session, keystore=keystore, now=now)
    api_key = mint_api_key(session, institution=institution, label="initial", now=now)
    return CreatedInstitution(institution, key, api_key)


def mint_api_key(session: Session, *, institution: Institution, label: str, now: datetime) -> NewApiKey:
    """A new API key for the institution; the caller shows ``key`` once."""
    minted = new_api_key()
    institutions_data.add_api_key(
        session,
        institution=institution,
        prefix=minted.prefix,
        secret_hash=minted.secret_hash,
        label=label,
        now=now,
    )
    return minted


def revoke_api_key(session: Session, *, institution: Institution, prefix: str, now: datetime) -> ApiKey:
    """Revoke one of the institution's API keys (idempotent: the first revocation time is kept)."""
    record = institutions_data.find_api_key(session, prefix=prefix)
    if record is None or record.institution_id != institution.id:
        raise NotFound(f'institution "{institution.slug}" has no API key "{prefix}"', pointer="#/prefix")
    if record.revoked_at is None:
        record.revoked_at = now
        session.flush()
    return record


def authenticate(session: Session, *, key: str | None) -> Institution:
    """The institution an ``Authorization: Bearer mc_…`` key belongs to; Unauthorized if missing/wrong/revoked."""
    if not key:
        raise Unauthorized("an API key is required: Authorization: Bearer mc_…")
    prefix = parse_api_key(key)
    record = institutions_data.find_api_key(session, prefix=prefix) if prefix else None
    if record is None or not matches(key, record.secret_hash):
        raise Unauthorized("the API key is not valid")
    if record.revoked_at is not None:
        raise Unauthorized("the API key has been revoked")
    return record.institution


def institution_summary(institution: Institution) -> dict[str, Any]:
    """Public facts about an institution."""
    return {
        "slug": institution.slug,
        "name": institution.name,
        "url": institution.url,
        "country": institution.country,
        "region": institution.region,
        "did": institution.did,
        "createdAt": institution.created_at.isoformat(),
    }


def api_key_summary(record: ApiKey) -> dict[str, Any]:
    """An API key without its secret."""
    return {
        "prefix": record.prefix,
        "label": record.label,
        "scopes": record.scopes.split(),
        "createdAt": record.created_at.isoformat(),
        "revokedAt": record.revoked_at.isoformat() if record.revoked_at else None,
    }


def profile_document(session: Session, *, institution: Institution) -> dict[str, Any]:
    """The OB3 issuer Profile (JSON-LD); each published key's did:key is listed as an other identifier.

    https://www.imsglobal.org/spec/ob/v3p0/#profile
    """
    address: dict[str, Any] = {"type": ["Address"], "addressCountryCode": institution.country}
    if institution.region:
        address["addressRegion"] = institution.region
    return {
        "@context": [VC_V2, OB_V3],
        "id": institution.did,
        "type": ["Profile"],
        "name": institution.name,
        "url": institution.url,
        "address": address,
        "otherIdentifier": [
            {
                "type": "IdentifierEntry",
                "identifier": did_key(k.public_key_multibase),
                "identifierType": "identifier",
            }
            for k in institution_keys(institution).published(session)
        ],
    }


def for_caller(caller: Institution, *, slug: str) -> Institution:
    """The institution ``slug`` if the caller is it; an API key of another institution gets 404 (no probing)."""
    if caller.slug != slug:
        raise NotFound(f'no institution "{slug}" for this API key', pointer="#/slug")
    return caller


def created_view(created: CreatedInstitution, *, base_url: str) -> dict[str, Any]:
    """What creating an institution returns (API and ``--json``): the one and only display of the API key."""
    institution = created.institution
    return {
        "institution": institution_summary(institution),
        "did": institution.did,
        "didDocument": f"{base_url}/issuers/{institution.slug}/did.json",
        "profile": f"{base_url}/issuers/{institution.slug}",
        "signingKey": key_summary(institution, created.signing_key),
        "apiKey": {"prefix": created.api_key.prefix, "key": created.api_key.key, "shownOnce": True},
    }
