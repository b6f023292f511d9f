"""Building the unsigned OB 3.0 AchievementCredential (VC 2.0) of an EU micro-credential award.

https://www.imsglobal.org/spec/ob/v3p0/#achievementcredential ; https://www.w3.org/TR/vc-data-model-2.0/
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from microcred.contexts import context_bytes, digest_sri
from microcred.issuer.vocab import vocabulary
from microcred.vc.errors import InvalidInput
from microcred.vc.schema import (
    EU_MICROCREDENTIAL_SCHEMA_PATH,
    OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA,
    OB3_SCHEMA_TYPE,
)

__all__ = [
    "CONTEXTS",
    "EU_CONTEXT",
    "EU_CONTEXT_PATH",
    "Award",
    "IssuerProfile",
    "Learner",
    "build_credential",
    "identity_hash",
    "xsd_datetime",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EU_CONTEXT = "https://microcred.eu/contexts/eu-microcredential/v1.jsonld"
"""Our EU micro-credential context as pinned in contexts/ (the URL the first credentials carry, and the library's
default); a deployment serves the same bytes at its own ``EU_CONTEXT_PATH`` and issues with that URL."""
EU_CONTEXT_PATH = "/contexts/eu-microcredential/v1.jsonld"
"""Where every deployment serves the pinned EU context (``application/ld+json``, immutable)."""
CONTEXTS = (VC_V2, OB_303, EU_CONTEXT)
"""The pinned ``@context`` of our credentials: VC 2.0, OB 3.0.3, our EU context (which a deployment names at its own
URL, ``build_credential(eu_context=...)``)."""


def xsd_datetime(value: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC with a ``Z`` (timezone required by VC 2.0)."""
    if value.tzinfo is None:
        raise InvalidInput("a naive datetime has no timezone; VC 2.0 dates need one")
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def identity_hash(identifier: str, salt: str) -> str:
    """OB3 IdentityHash ``sha256$<hex>`` over identifier + salt (UTF-8). https://www.imsglobal.org/spec/ob/v3p0/#identityhash"""
    return "sha256$" + hashlib.sha256((identifier + salt).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuerProfile:
    """The awarding institution as an OB3 Profile (EU elements M3 country/region and M4 awarding body)."""

    did: str
    name: str
    url: str
    country: str
    region: str | None = None

    def document(self) -> dict[str, Any]:
        """The Profile JSON embedded as ``issuer``."""
        address: dict[str, Any] = {"type": ["Address"], "addressCountryCode": self.country}
        concept = vocabulary("countries").find(self.country)
        if concept is not None:
            address["addressCountry"] = concept.label
        if self.region:
            address["addressRegion"] = self.region
        profile: dict[str, Any] = {
            "id": self.did,
            "type": ["Profile"],
            "name": self.name,
            "url": self.url,
            "address": address,
        }
        if concept is not None:
            profile["issuerCountry"] = concept.uri
        return profile


@dataclass(frozen=True)
class Learner:
    """Who the credential is awarded to (EU element M1): a DID, or a name and an e-mail address hashed with a salt."""

    did: str | None = None
    name: str | None = None
    email: str | None = None

    def subject_fields(self, *, salt: str) -> dict[str, Any]:
        """``id`` and/or ``identifier`` of the AchievementSubject."""
        fields: dict[str, Any] = {}
        if self.did:
            fields["id"] = self.did
        identifiers: list[dict[str, Any]] = []
        if self.email:
            identifiers.append(
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": identity_hash(self.email.strip().lower(), salt),
                    "salt": salt,
                }
            )
        if self.name:
            identifiers.append(
                {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": self.name}
            )
        if identifiers:
            fields["identifier"] = identifiers
        if not fields:
            raise InvalidInput("the learner needs a DID or an e-mail address", pointer="/credentialSubject")
        return fields


@dataclass(frozen=True)
class Award:
    """What is awarded to one learner: dates, result and evidence (EU elements M5, O3)."""

    learner: Learner
    awarded_date: datetime
    valid_from: datetime
    valid_until: datetime | None = None
    grade: str | None = None
    ects_awarded: float | None = None
    assessment_date: datetime | None = None
    evidence: Sequence[Mapping[str, Any]] = ()


def schema_beside(eu_context: str) -> str:
    """The EU extension schema's URL on the origin that publishes ``eu_context`` (a deployment serves both)."""
    parts = urlsplit(eu_context)
    return f"{parts.scheme}://{parts.netloc}{EU_MICROCREDENTIAL_SCHEMA_PATH}"


def build_credential(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    achievement: Mapping[str, Any],
    award: Award,
    salt: str,
    credential_status: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    eu_context: str = EU_CONTEXT,
    eu_schema: str | None = None,
) -> dict[str, Any]:
    """The unsigned AchievementCredential: contexts VC v2, OB 3.0.3, EU (published at ``eu_context``, which
    ``relatedResource`` binds to the pinned copy's digest); ``credential_status`` is the status hook.

    ``eu_schema`` is where the EU extension schema is published: by default beside the EU context, at
    ``/schemas/eu-microcredential/v1.json`` of its origin, where every deployment serves it (the verifier knows it
    at any URL with that path)."""
    if eu_schema is None:
        eu_schema = schema_beside(eu_context)
    if award.valid_until is not None and award.valid_until <= award.valid_from:
        raise InvalidInput('"validUntil" must be after "validFrom"', pointer="/validUntil")
    subject: dict[str, Any] = {"type": ["AchievementSubject"], **award.learner.subject_fields(salt=salt)}
    subject["achievement"] = dict(achievement)
    if award.ects_awarded is not None:
        subject["creditsEarned"] = award.ects_awarded
    if award.grade is not None:
        result: dict[str, Any] = {"type": ["Result"], "value": award.grade}
        descriptions = achievement.get("resultDescription") or []
        if descriptions:
            result["resultDescription"] = descriptions[0]["id"]
            allowed = descriptions[0].get("allowedValue")
            if allowed and award.grade not in allowed:
                raise InvalidInput(
                    f'"grade" must be one of {", ".join(allowed)} (the achievement\'s grade scale)',
                    pointer="/grade",
                )
        subject["result"] = [result]
    if award.assessment_date is not None:
        subject["assessmentDate"] = xsd_datetime(award.assessment_date)
    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_303, eu_context],
        "id": credential_id,
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": achievement["name"],
        "issuer": issuer.document(),
        "validFrom": xsd_datetime(award.valid_from),
        "awardedDate": xsd_datetime(award.awarded_date),
        "credentialSubject": subject,
        # OB 3.0 asks an extension to publish a schema for its terms, listed beside the OB 3.0 one
        "credentialSchema": [
            {"id": OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": OB3_SCHEMA_TYPE},
            {"id": eu_schema, "type": OB3_SCHEMA_TYPE},
        ],
        # https://www.w3.org/TR/vc-data-model-2.0/#integrity-of-related-resources : the one context that is not
        # a W3C or 1EdTech one, so anyone resolving it can tell they got the text it was signed with
        "relatedResource": [{"id": eu_context, "digestSRI": digest_sri(context_bytes(EU_CONTEXT))}],
    }
    if award.valid_until is not None:
        credential["validUntil"] = xsd_datetime(award.valid_until)
    if award.evidence:
        credential["evidence"] = [{**item, "type": ["Evidence"]} for item in award.evidence]
    if credential_status is not None:
        credential["credentialStatus"] = (
            dict(credential_status)
            if isinstance(credential_status, Mapping)
            else [dict(entry) for entry in credential_status]
        )
    return credential
