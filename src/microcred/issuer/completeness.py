"""The EU completeness rule: every mandatory standard element of the Recommendation is in the credential, and
every coded element is a concept of its controlled vocabulary; plus the OB 3.0 JSON Schema. Run before signing.

Council Recommendation 2022/C 243/01 Annex I (mandatory elements M1-M11); ``docs/eu-elements.md`` for the paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from microcred.issuer.vocab import vocabulary
from microcred.vc.errors import ValidationFailed
from microcred.vc.schema import (
    OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA,
    ob3_status_view,
    pinned_schema,
    validate_against,
)

__all__ = ["MANDATORY_ELEMENTS", "Finding", "check_before_signing", "eu_findings"]

MANDATORY_ELEMENTS = {
    "M1": "Identification of the learner",
    "M2": "Title of the micro-credential",
    "M3": "Country(ies)/Region(s) of the issuer",
    "M4": "Awarding body(ies)",
    "M5": "Date of issuing",
    "M6": "Learning outcomes",
    "M7": "Notional workload needed to achieve the learning outcomes (in ECTS)",
    "M8": "Level (and cycle, if applicable) of the learning experience (EQF, QF-EHEA)",
    "M9": "Type of assessment",
    "M10": "Form of participation in the learning activity",
    "M11": "Type of quality assurance used to underpin the micro-credential",
}
"""The mandatory EU elements (Council Recommendation 2022/C 243/01, Annex I), by code."""
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_ALPHA2 = re.compile(r"^[A-Z]{2}$")
_A = "/credentialSubject/achievement"


@dataclass(frozen=True)
class Finding:
    """One missing or invalid EU element: which element, where, and what is expected."""

    element: str
    pointer: str
    detail: str


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _in(vocab: str, value: Any) -> bool:
    return isinstance(value, str) and vocabulary(vocab).by_uri.get(value) is not None


def _iris(vocab: str, values: Any) -> bool:
    return isinstance(values, list) and bool(values) and all(_in(vocab, v) for v in values)


def eu_findings(credential: Mapping[str, Any]) -> list[Finding]:
    """Every mandatory EU element that is missing or malformed, and every optional one outside its vocabulary."""
    out: list[Finding] = []

    def need(ok: bool, element: str, pointer: str, expected: str) -> None:
        if not ok:
            out.append(
                Finding(
                    element, pointer, f"{element} {MANDATORY_ELEMENTS.get(element, '')}: {expected}".strip()
                )
            )

    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    issuer = credential.get("issuer")
    issuer = issuer if isinstance(issuer, Mapping) else {}
    raw_address = issuer.get("address")
    address: Mapping[str, Any] = raw_address if isinstance(raw_address, Mapping) else {}
    achievement = subject.get("achievement")
    a: Mapping[str, Any] = achievement if isinstance(achievement, Mapping) else {}

    need(
        _text(subject.get("id")) or bool(subject.get("identifier")),
        "M1",
        "/credentialSubject",
        '"credentialSubject.id" (a DID) or at least one "identifier" is required',
    )
    need(_text(a.get("name")), "M2", f"{_A}/name", '"achievement.name" is required')
    need(
        _ALPHA2.match(str(address.get("addressCountryCode", ""))) is not None,
        "M3",
        "/issuer/address/addressCountryCode",
        '"issuer.address.addressCountryCode" (ISO 3166-1 alpha-2) is required',
    )
    need(
        _text(issuer.get("id")) and _text(issuer.get("name")),
        "M4",
        "/issuer",
        '"issuer" needs "id" and "name"',
    )
    for field in ("validFrom", "awardedDate"):
        need(
            _DATETIME.match(str(credential.get(field, ""))) is not None,
            "M5",
            f"/{field}",
            f'"{field}" must be a date-time with a timezone',
        )
    outcomes = a.get("learningOutcome")
    need(
        isinstance(outcomes, list) and bool(outcomes) and all(_text(o) for o in outcomes),
        "M6",
        f"{_A}/learningOutcome",
        '"achievement.learningOutcome" needs at least one outcome',
    )
    credits = a.get("creditsAvailable")
    need(
        isinstance(credits, int | float) and not isinstance(credits, bool) and credits > 0,
        "M7",
        f"{_A}/creditsAvailable",
        '"achievement.creditsAvailable" (ECTS) must be a positive number',
    )
    need(_text(a.get("creditSystem")), "M7", f"{_A}/creditSystem", '"achievement.creditSystem" is required')
    need(
        _in("eqf-levels", a.get("eqfLevel")),
        "M8",
        f"{_A}/eqfLevel",
        '"achievement.eqfLevel" must be an EQF level URI',
    )
    need(
        _iris("assessment-types", a.get("assessmentType")),
        "M9",
        f"{_A}/assessmentType",
        '"achievement.assessmentType" needs at least one assessment type URI',
    )
    need(
        _in("participation-forms", a.get("participationForm")),
        "M10",
        f"{_A}/participationForm",
        '"achievement.participationForm" must be a form-of-participation URI',
    )
    need(
        _iris("quality-assurance-types", a.get("qualityAssuranceType")),
        "M11",
        f"{_A}/qualityAssuranceType",
        '"achievement.qualityAssuranceType" needs at least one quality assurance type URI',
    )
    optional = (
        ("qfEheaCycle", "qf-ehea-cycles", False),
        ("supervisionVerification", "supervision-verification", False),
        ("integration", "stackability", False),
        ("iscedF", "isced-f", True),
        ("language", "languages", True),
    )
    for field, vocab, is_set in optional:
        if field in a:
            ok = _iris(vocab, a[field]) if is_set else _in(vocab, a[field])
            need(
                ok,
                "O",
                f"{_A}/{field}",
                f'"achievement.{field}" must hold URIs of {vocabulary(vocab).scheme}',
            )
    return out


def check_before_signing(credential: Mapping[str, Any]) -> None:
    """OB 3.0 JSON Schema + EU completeness; ValidationFailed listing each failure, so nothing is signed or stored."""
    view, extra = ob3_status_view(credential)  # several status entries (revocation + suspension): VC 2.0
    errors = [
        {"pointer": v.pointer, "detail": f"OB 3.0 schema: {v.message}"}
        for v in [*validate_against(view, OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA), *extra]
    ]
    schemas = credential.get("credentialSchema")
    for entry in schemas if isinstance(schemas, list) else []:
        # every other schema the credential declares (our EU extension schema) holds before it is signed
        pinned = pinned_schema(str(entry.get("id", ""))) if isinstance(entry, Mapping) else None
        if pinned is not None and pinned != OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA:
            errors += [
                {"pointer": v.pointer, "detail": f"{pinned}: {v.message}"}
                for v in validate_against(credential, pinned)
            ]
    errors += [
        {"pointer": f.pointer, "detail": f.detail, "element": f.element} for f in eu_findings(credential)
    ]
    if errors:
        elements = sorted({e["element"] for e in errors if "element" in e}, key=lambda e: (len(e), e))
        summary = (
            f"missing or invalid EU elements: {', '.join(elements)}"
            if elements
            else "not a valid OB 3.0 credential"
        )
        raise ValidationFailed(f"{summary} ({len(errors)} problem(s))", errors=errors)
