"""Issue requests as data: a VC-API unsigned credential, a learner's plain fields, a batch row, each checked and
turned into an :class:`Award` (no web or database code).

https://w3c-ccg.github.io/vc-api/#issue-credential ; https://www.imsglobal.org/spec/ob/v3p0/#achievementcredential
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from microcred.issuer.achievement import AchievementDefinition
from microcred.issuer.credential import CONTEXTS, Award, Learner
from microcred.vc.errors import InvalidInput, IssuerMismatch, ValidationFailed

__all__ = [
    "AWARDS_ROUTE_FIELDS",
    "CLOCK_SKEW",
    "VCAPI_FIELDS",
    "AwardFields",
    "VcApiRequest",
    "award_from_row",
    "check_award",
    "evidence_items",
    "learner_from_fields",
    "parse_vcapi_credential",
    "row_fields",
]

_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]+(#.*)?$")

_ALLOWED_TOP = {
    "@context",
    "type",
    "id",
    "issuer",
    "validFrom",
    "validUntil",
    "awardedDate",
    "name",
    "credentialSubject",
    "evidence",
    "credentialSchema",
}
_ALLOWED_SUBJECT = {"type", "id", "identifier", "achievement", "result", "creditsEarned", "assessmentDate"}
_ALLOWED_EVIDENCE = {"id", "type", "name", "narrative", "description", "genre", "audience"}


def _datetime(value: Any, pointer: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidInput(f'"{pointer[1:]}" must be a date-time string', pointer=pointer)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f'"{pointer[1:]}" must be an ISO 8601 date-time', pointer=pointer) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f'"{pointer[1:]}" needs a timezone (e.g. "Z")', pointer=pointer)
    return parsed


def _https(value: Any) -> bool:
    return isinstance(value, str) and value.lower().startswith("https://") and len(value) > len("https://")


def evidence_items(items: Any, pointer: str) -> list[dict[str, Any]]:
    """Evidence entries limited to OB3 Evidence properties (anything else would be dropped when signing).

    An evidence ``id`` is a link the learner page and verifiers show; only https is accepted, so no
    ``javascript:``, ``data:`` or plain-http link is ever signed into a credential.
    """
    if items is None:
        return []
    if not isinstance(items, list):
        items = [items]
    out: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or set(item) - _ALLOWED_EVIDENCE:
            raise InvalidInput(
                f'"evidence" items are objects with only {", ".join(sorted(_ALLOWED_EVIDENCE))}',
                pointer=f"{pointer}/{index}",
            )
        if "id" in item and not _https(item["id"]):
            raise InvalidInput('an evidence "id" must be an https URL', pointer=f"{pointer}/{index}/id")
        out.append({k: v for k, v in item.items() if k != "type" and isinstance(v, str)})
    return out


@dataclass(frozen=True)
class VcApiRequest:
    """What a VC-API issue request asks for, once checked."""

    achievement_url: str
    award: Award


def parse_vcapi_credential(credential: Any, *, issuer_did: str, now: datetime) -> VcApiRequest:
    """Check an unsigned VC-API credential: our contexts, our issuer (else IssuerMismatch), known fields only."""
    if not isinstance(credential, Mapping):
        raise InvalidInput('"credential" must be an object', pointer="/credential")
    unknown = sorted(set(credential) - _ALLOWED_TOP)
    if unknown:
        raise InvalidInput(
            f"unsupported credential properties: {', '.join(unknown)}", pointer=f"/credential/{unknown[0]}"
        )
    contexts = credential.get("@context", list(CONTEXTS))
    if (
        not isinstance(contexts, list)
        or not contexts
        or contexts[0] != CONTEXTS[0]
        or set(contexts) - set(CONTEXTS)
    ):
        raise InvalidInput(
            f'"@context" must start with {CONTEXTS[0]} and use only {", ".join(CONTEXTS)}',
            pointer="/credential/@context",
        )
    types = credential.get("type", ["VerifiableCredential"])
    types = [types] if isinstance(types, str) else types
    if (
        not isinstance(types, list)
        or "VerifiableCredential" not in types
        or set(types)
        - {
            "VerifiableCredential",
            "AchievementCredential",
            "OpenBadgeCredential",
        }
    ):
        raise InvalidInput(
            '"type" must be VerifiableCredential (+ AchievementCredential)', pointer="/credential/type"
        )
    given_issuer = credential.get("issuer")
    if given_issuer is not None:
        given_id = given_issuer.get("id") if isinstance(given_issuer, Mapping) else given_issuer
        if given_id != issuer_did:
            raise IssuerMismatch(
                f'"issuer" must be this institution ({issuer_did}) or left out', pointer="/credential/issuer"
            )
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise InvalidInput('"credentialSubject" must be an object', pointer="/credential/credentialSubject")
    unknown = sorted(set(subject) - _ALLOWED_SUBJECT)
    if unknown:
        raise InvalidInput(
            f"unsupported credentialSubject properties: {', '.join(unknown)}",
            pointer=f"/credential/credentialSubject/{unknown[0]}",
        )
    achievement = subject.get("achievement")
    if not isinstance(achievement, Mapping) or not isinstance(achievement.get("id"), str):
        raise InvalidInput(
            '"credentialSubject.achievement" must be {"id": <achievement URL from the catalogue>}',
            pointer="/credential/credentialSubject/achievement",
        )
    learner = _learner(subject)
    grade = None
    results = subject.get("result")
    if results:
        first = results[0] if isinstance(results, list) else results
        if not isinstance(first, Mapping) or not isinstance(first.get("value"), str):
            raise InvalidInput(
                '"result" needs a "value" (the grade)', pointer="/credential/credentialSubject/result"
            )
        grade = first["value"]
    credits = subject.get("creditsEarned")
    if credits is not None and (
        not isinstance(credits, int | float) or isinstance(credits, bool) or credits < 0
    ):
        raise InvalidInput(
            '"creditsEarned" must be a number', pointer="/credential/credentialSubject/creditsEarned"
        )
    valid_from = _datetime(credential["validFrom"], "/validFrom") if "validFrom" in credential else now
    award = Award(
        learner=learner,
        awarded_date=_datetime(credential["awardedDate"], "/awardedDate")
        if "awardedDate" in credential
        else valid_from,
        valid_from=valid_from,
        valid_until=_datetime(credential["validUntil"], "/validUntil")
        if "validUntil" in credential
        else None,
        grade=grade,
        ects_awarded=float(credits) if credits is not None else None,
        assessment_date=_datetime(subject["assessmentDate"], "/assessmentDate")
        if "assessmentDate" in subject
        else None,
        evidence=evidence_items(credential.get("evidence"), "/credential/evidence"),
    )
    return VcApiRequest(achievement_url=achievement["id"], award=award)


def _learner(subject: Mapping[str, Any]) -> Learner:
    did = subject.get("id")
    if did is not None and (not isinstance(did, str) or not _DID.match(did)):
        raise InvalidInput('"credentialSubject.id" must be a DID', pointer="/credential/credentialSubject/id")
    name = email = None
    for index, item in enumerate(subject.get("identifier") or []):
        pointer = f"/credential/credentialSubject/identifier/{index}"
        if not isinstance(item, Mapping) or item.get("hashed") is not False:
            raise InvalidInput(
                'give identifiers in plain text ({"identityType": "emailAddress"|"name", "hashed": false, '
                '"identityHash": ...}); the service hashes the e-mail with a fresh salt',
                pointer=pointer,
            )
        kind, value = item.get("identityType"), item.get("identityHash")
        if kind == "emailAddress" and isinstance(value, str) and "@" in value:
            email = value
        elif kind == "name" and isinstance(value, str) and value.strip():
            name = value
        else:
            raise InvalidInput('identifiers must be an "emailAddress" or a "name"', pointer=pointer)
    if did is None and email is None:
        raise InvalidInput(
            '"credentialSubject" needs "id" (a DID) or an "emailAddress" identifier',
            pointer="/credential/credentialSubject",
        )
    return Learner(did=did, name=name, email=email)


def learner_from_fields(*, did: str | None, name: str | None, email: str | None, pointer: str) -> Learner:
    """A learner from plain fields (awards route, CSV/JSONL rows)."""
    if did:
        if not _DID.match(did):
            raise InvalidInput('"did" must be a DID (did:method:...)', pointer=f"{pointer}/did")
        return Learner(did=did, name=name or None, email=email or None)
    if not email or "@" not in email or len(email) > 320:
        raise InvalidInput('a learner needs "did" or a valid "email"', pointer=f"{pointer}/email")
    return Learner(name=name or None, email=email)


def award_from_row(payload: Mapping[str, Any], *, now: datetime, pointer: str) -> Award:
    """The Award of one batch row (already shaped by ``issuer.bulk``)."""
    learner = learner_from_fields(
        did=payload.get("did"), name=payload.get("name"), email=payload.get("email"), pointer=pointer
    )

    def when(key: str) -> datetime | None:
        value = payload.get(key)
        return _datetime(value, f"{pointer}/{key}") if value else None

    valid_from = when("validFrom") or now
    evidence = [{"id": payload["evidenceUrl"], "name": "Evidence"}] if payload.get("evidenceUrl") else []
    if evidence and not _https(payload["evidenceUrl"]):
        raise InvalidInput('"evidenceUrl" must be an https URL', pointer=f"{pointer}/evidenceUrl")
    return Award(
        learner=learner,
        awarded_date=when("awardedDate") or valid_from,
        valid_from=valid_from,
        valid_until=when("validUntil"),
        grade=payload.get("grade") or None,
        ects_awarded=float(payload["ects"]) if payload.get("ects") not in (None, "") else None,
        assessment_date=when("assessmentDate"),
        evidence=evidence,
    )


CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of the issuer's clock an assessment or award date may be (the caller's clock may run ahead)."""


@dataclass(frozen=True)
class AwardFields:
    """Where each award field sits in the request that gave it (JSON pointers), so a problem names it there."""

    awarded_date: str
    valid_until: str
    grade: str
    ects: str
    assessment_date: str


VCAPI_FIELDS = AwardFields(
    awarded_date="/credential/awardedDate",
    valid_until="/credential/validUntil",
    grade="/credential/credentialSubject/result/0/value",
    ects="/credential/credentialSubject/creditsEarned",
    assessment_date="/credential/credentialSubject/assessmentDate",
)
"""``POST /credentials/issue`` (a VC-API unsigned credential)."""

AWARDS_ROUTE_FIELDS = AwardFields(
    awarded_date="/awardedDate",
    valid_until="/validUntil",
    grade="/result/grade",
    ects="/result/ectsAwarded",
    assessment_date="/result/assessmentDate",
)
"""``POST /achievements/{id}/awards``."""


def row_fields(pointer: str) -> AwardFields:
    """The fields of one batch row at ``pointer`` (``/rows/N``), named as in the CSV / JSON Lines columns."""
    return AwardFields(
        awarded_date=f"{pointer}/awardedDate",
        valid_until=f"{pointer}/validUntil",
        grade=f"{pointer}/grade",
        ects=f"{pointer}/ects",
        assessment_date=f"{pointer}/assessmentDate",
    )


def _below(value: str, required: str, allowed: list[str]) -> bool:
    """Whether ``value`` ranks below ``required``: by position in ``allowed`` (OB 3.0 orders allowedValue "from
    low to high", https://www.imsglobal.org/spec/ob/v3p0/#resultdescription), else as numbers."""
    if allowed:
        return value in allowed and required in allowed and allowed.index(value) < allowed.index(required)
    try:
        return float(value) < float(required)
    except ValueError:
        return False


def check_award(
    award: Award,
    *,
    definition: AchievementDefinition,
    defined_at: datetime,
    now: datetime,
    fields: AwardFields,
    skew: timedelta = CLOCK_SKEW,
) -> None:
    """Refuse an award that cannot have happened; ValidationFailed names each field by its pointer.

    ECTS earned within the ECTS available; a result among the grade scale's allowed values and, unless the
    achievement records all results (``gradeScale.recordsAllResults``), not below its required value; assessment
    and award dates neither in the future (beyond ``skew``) nor before the achievement existed (its
    ``offeredSince``, else ``defined_at``, when it was defined here); ``validUntil`` after ``validFrom``.
    """
    errors: list[dict[str, str]] = []

    def refuse(pointer: str, detail: str) -> None:
        errors.append({"pointer": pointer, "detail": detail})

    if definition.offered_since is not None:
        defined_at = definition.offered_since
    if award.ects_awarded is not None and award.ects_awarded > definition.ects:
        refuse(
            fields.ects,
            f"{award.ects_awarded:g} ECTS earned is more than the {definition.ects:g} ECTS the achievement offers",
        )
    scale = definition.grade_scale
    if award.grade is not None and scale is not None:
        allowed = list(scale.allowed_values)
        if allowed and award.grade not in allowed:
            refuse(fields.grade, f'"{award.grade}" is not on the grade scale ({", ".join(allowed)})')
        elif (
            scale.required_value
            and not scale.records_all_results
            and _below(award.grade, scale.required_value, allowed)
        ):
            refuse(
                fields.grade,
                f'"{award.grade}" is below the required result "{scale.required_value}", so the achievement was '
                'not earned (an achievement that records every result sets "gradeScale.recordsAllResults")',
            )
    for pointer, when, what in (
        (fields.assessment_date, award.assessment_date, "assessment"),
        (fields.awarded_date, award.awarded_date, "award"),
    ):
        if when is None:
            continue
        if when > now + skew:
            refuse(pointer, f"the {what} date {when.isoformat()} is in the future")
        elif when < defined_at:
            refuse(
                pointer,
                f"the {what} date {when.isoformat()} is before the achievement existed "
                f'({defined_at.isoformat()}; a definition gives an earlier start as "offeredSince")',
            )
    if award.valid_until is not None and award.valid_until <= award.valid_from:
        refuse(fields.valid_until, '"validUntil" must be after "validFrom"')
    if errors:
        raise ValidationFailed(
            "impossible award: " + "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors), errors=errors
        )
