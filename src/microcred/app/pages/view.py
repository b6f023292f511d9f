"""The human content of a credential for a page: learner, title, awarding body, date, ECTS, level, outcomes...

Reads untrusted JSON: every value is checked for its type and anything unexpected is left out, never raised.
EU vocabulary URIs are shown with their English labels. https://www.imsglobal.org/spec/ob/v3p0/#achievementcredential
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from microcred.issuer import vocabulary

__all__ = ["CredentialView", "credential_view"]


@dataclass(frozen=True)
class CredentialView:
    """What a person reads on a credential page (each field may be empty)."""

    title: str = ""
    description: str = ""
    learner: str = ""
    awarding_body: str = ""
    awarding_body_url: str = ""
    country: str = ""
    issued: str = ""
    issued_date: datetime | None = None
    valid_until: str = ""
    ects: str = ""
    level: str = ""
    learning_outcomes: list[str] = field(default_factory=list)
    assessment: str = ""
    participation: str = ""
    quality_assurance: str = ""
    grade: str = ""
    credential_id: str = ""
    achievement_id: str = ""
    image: str = ""

    def rows(self) -> list[tuple[str, str]]:
        """Label/value pairs in reading order, empty values left out."""
        pairs = [
            ("Learner", self.learner),
            ("Awarding body", self.awarding_body),
            ("Country", self.country),
            ("Date of issuing", self.issued),
            ("Valid until", self.valid_until),
            ("Workload", self.ects),
            ("Level", self.level),
            ("Type of assessment", self.assessment),
            ("Form of participation", self.participation),
            ("Quality assurance", self.quality_assurance),
            ("Grade", self.grade),
        ]
        return [(label, value) for label, value in pairs if value]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):  # a JSON-LD value object or language map
        inner = value.get("@value", value.get("en"))
        return inner.strip() if isinstance(inner, str) else ""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return f"{value:g}"
    return ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _labels(vocab: str, values: Any) -> str:
    found = []
    for value in _list(values):
        if not isinstance(value, str):
            continue
        concept = vocabulary(vocab).find(value)
        found.append(concept.label if concept else value)
    return ", ".join(found)


def _date(value: Any) -> tuple[str, datetime | None]:
    if not isinstance(value, str):
        return "", None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value, None
    return f"{when.day} {when:%B %Y}", when


def _learner(subject: Mapping[str, Any]) -> str:
    named = [
        _text(i.get("identityHash"))
        for i in _list(subject.get("identifier"))
        if isinstance(i, Mapping) and i.get("hashed") is False and i.get("identityType") == "name"
    ]
    if named and named[0]:
        return named[0]
    if isinstance(subject.get("name"), str):
        return _text(subject["name"])
    if isinstance(subject.get("id"), str):
        return _text(subject["id"])
    if subject.get("identifier"):
        return "identified by a hashed identifier (e-mail address)"
    return ""


def _grade(subject: Mapping[str, Any]) -> str:
    values = [_text(r.get("value")) for r in _list(subject.get("result")) if isinstance(r, Mapping)]
    return ", ".join(v for v in values if v)


def _ects(subject: Mapping[str, Any], achievement: Mapping[str, Any]) -> str:
    for value in (subject.get("creditsEarned"), achievement.get("creditsAvailable")):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:g} ECTS credits"
    return ""


def _level(achievement: Mapping[str, Any]) -> str:
    eqf = [
        f"EQF level {c.code}" if (c := vocabulary("eqf-levels").find(v)) else v
        for v in _list(achievement.get("eqfLevel"))
        if isinstance(v, str)
    ]
    if not eqf:
        for alignment in _list(achievement.get("alignment")):
            if isinstance(alignment, Mapping) and "/snb/eqf/" in str(alignment.get("targetUrl", "")):
                eqf.append(_text(alignment.get("targetName")))
    cycle = _labels("qf-ehea-cycles", achievement.get("qfEheaCycle"))
    return "; ".join(p for p in [", ".join(eqf), f"QF-EHEA {cycle}" if cycle else ""] if p)


def _outcomes(achievement: Mapping[str, Any]) -> list[str]:
    outcomes = []
    for item in _list(achievement.get("learningOutcome")):
        text = _text(item) or (_text(item.get("name")) if isinstance(item, Mapping) else "")
        if text:
            outcomes.append(text)
    return outcomes


def _country(issuer: Mapping[str, Any]) -> str:
    address = issuer.get("address")
    if isinstance(address, Mapping):
        name, code = _text(address.get("addressCountry")), _text(address.get("addressCountryCode"))
        region = _text(address.get("addressRegion"))
        country = name or code
        return f"{country} ({region})" if country and region else country
    return _labels("countries", issuer.get("issuerCountry"))


def credential_view(credential: Mapping[str, Any]) -> CredentialView:
    """The human content of an OB 3.0 AchievementCredential (possibly invalid or hostile JSON)."""
    subject_any = credential.get("credentialSubject")
    subject: Mapping[str, Any] = (
        subject_any[0]
        if isinstance(subject_any, list) and subject_any and isinstance(subject_any[0], Mapping)
        else subject_any
        if isinstance(subject_any, Mapping)
        else {}
    )
    achievement_any = subject.get("achievement")
    achievement: Mapping[str, Any] = achievement_any if isinstance(achievement_any, Mapping) else {}
    issuer_any = credential.get("issuer")
    issuer: Mapping[str, Any] = issuer_any if isinstance(issuer_any, Mapping) else {}
    issued, issued_date = _date(credential.get("awardedDate") or credential.get("validFrom"))
    until, _ = _date(credential.get("validUntil"))
    image = achievement.get("image")
    image_id = image.get("id") if isinstance(image, Mapping) else image
    url = _text(issuer.get("url"))
    return CredentialView(
        title=_text(achievement.get("name")) or _text(credential.get("name")),
        description=_text(achievement.get("description")),
        learner=_learner(subject),
        awarding_body=_text(issuer.get("name")) or (issuer_any if isinstance(issuer_any, str) else ""),
        awarding_body_url=url if url.startswith("https://") or url.startswith("http://") else "",
        country=_country(issuer),
        issued=issued,
        issued_date=issued_date,
        valid_until=until,
        ects=_ects(subject, achievement),
        level=_level(achievement),
        learning_outcomes=_outcomes(achievement),
        assessment=_labels("assessment-types", achievement.get("assessmentType")),
        participation=_labels("participation-forms", achievement.get("participationForm")),
        quality_assurance=_labels("quality-assurance-types", achievement.get("qualityAssuranceType")),
        grade=_grade(subject),
        credential_id=_text(credential.get("id")),
        achievement_id=_text(achievement.get("id")),
        image=image_id if isinstance(image_id, str) and image_id.startswith("https://") else "",
    )
