"""HTML views of the issuer's public documents (catalogue, achievement, issuer profile) for browsers.

The same URLs answer JSON-LD to machines; the routes pick by ``Accept`` and call these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.responses import HTMLResponse

from microcred.app.db.tables import Achievement, AchievementVersion, Institution
from microcred.app.pages.templating import render
from microcred.issuer import vocabulary

__all__ = ["achievement_page", "catalogue_page", "issuer_page"]


def _labels(vocab: str, uris: Any) -> str:
    values = uris if isinstance(uris, list) else [uris] if uris else []
    found = [vocabulary(vocab).find(u) for u in values if isinstance(u, str)]
    return ", ".join(c.label for c in found if c is not None)


def catalogue_page(items: Sequence[Mapping[str, Any]], filters: Mapping[str, Any]) -> HTMLResponse:
    """The catalogue with its filter form."""
    active = {k: v for k, v in filters.items() if v is not None and v != ""}
    return render("catalogue.html", items=items, filters=filters, active=active)


def achievement_page(version: AchievementVersion, achievement: Achievement, *, json_url: str) -> HTMLResponse:
    """One micro-credential definition with its EU elements."""
    d = version.document
    institution = achievement.institution
    rows = [
        ("Awarding body", f"{institution.name} ({institution.country})"),
        (
            "Workload",
            f"{d.get('creditsAvailable')} ECTS credits" if d.get("creditsAvailable") is not None else "",
        ),
        ("EQF level", _labels("eqf-levels", d.get("eqfLevel"))),
        ("QF-EHEA cycle", _labels("qf-ehea-cycles", d.get("qfEheaCycle"))),
        ("Type of assessment", _labels("assessment-types", d.get("assessmentType"))),
        ("Form of participation", _labels("participation-forms", d.get("participationForm"))),
        ("Quality assurance", _labels("quality-assurance-types", d.get("qualityAssuranceType"))),
        ("Prerequisites", str(d.get("prerequisites") or "")),
        (
            "Supervision and identity verification",
            _labels("supervision-verification", d.get("supervisionVerification")),
        ),
        ("Integration / stackability", _labels("stackability", d.get("integration"))),
        ("Language", _labels("languages", d.get("language"))),
        ("Field of education (ISCED-F)", _labels("isced-f", d.get("iscedF"))),
        ("Further information", str(d.get("furtherInformation") or "")),
        ("Version", str(version.version)),
    ]
    outcomes = [o for o in d.get("learningOutcome", []) if isinstance(o, str)]
    return render(
        "achievement.html",
        name=d.get("name", ""),
        description=d.get("description", ""),
        rows=[(k, v) for k, v in rows if v],
        outcomes=outcomes,
        institution=institution,
        json_url=json_url,
    )


def issuer_page(
    institution: Institution, profile: Mapping[str, Any], achievements: Sequence[Mapping[str, Any]]
) -> HTMLResponse:
    """An institution's public profile: who it is, its DID, its micro-credentials."""
    return render(
        "issuer.html",
        institution=institution,
        country=_labels("countries", profile.get("issuerCountry")) or institution.country,
        profile=profile,
        achievements=achievements,
    )
