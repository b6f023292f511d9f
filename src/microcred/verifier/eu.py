"""EU micro-credential elements: each mandatory element of the Council Recommendation, found with its value.

Elements are read from their Open Badges 3.0 locations first, then from the project's EU extension terms on the
achievement (by term name, ``eumc:`` compact IRI or expanded ELM IRI), per ``shared/eu-elements.md`` §3.1.

https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32022H0627(02) (Annex I) ; https://www.imsglobal.org/spec/ob/v3p0/
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from microcred.verifier.report import Check

__all__ = ["MANDATORY_ELEMENTS", "check_eu_elements"]

ELM = "http://data.europa.eu/snb/model/elm/"
EUMC = "eumc:"

MANDATORY_ELEMENTS: dict[str, str] = {
    "M1": "Identification of the learner",
    "M2": "Title of the micro-credential",
    "M3": "Country(ies)/Region(s) of the issuer",
    "M4": "Awarding body(ies)",
    "M5": "Date of issuing",
    "M6": "Learning outcomes",
    "M7": "Notional workload needed to achieve the learning outcomes (in ECTS, wherever possible)",
    "M8": "Level (and cycle, if applicable) of the learning experience (EQF, QF-EHEA), if applicable",
    "M9": "Type of assessment",
    "M10": "Form of participation in the learning activity",
    "M11": "Type of quality assurance used to underpin the micro-credential",
}

MC = "https://microcred.eu/vocab/eu-microcredential#"

# extension term -> expanded IRI: our EU context (contexts/files/microcred-eu-v1.jsonld) and, for terms it
# names differently, the shared/eu-elements.md §3.2 proposal
_TERMS: dict[str, str] = {
    "issuerCountry": ELM + "countryCode",
    "issuerRegion": ELM + "spatialCode",
    "awardingBody": ELM + "awardingBody",
    "creditSystem": MC + "creditSystem",
    "volumeOfLearning": ELM + "volumeOfLearning",
    "eqfLevel": ELM + "EQFLevel",
    "nqfLevel": ELM + "NQFLevel",
    "qfEheaCycle": MC + "qfEheaCycle",
    "assessmentType": MC + "assessmentType",
    "participationForm": ELM + "mode",
    "mode": ELM + "mode",
    "learningSetting": ELM + "learningSetting",
    "qualityAssuranceType": MC + "qualityAssuranceType",
    "qualityAssuranceReport": MC + "qualityAssuranceReport",
    "qualityAssurance": ELM + "accreditation",
    "learningOutcome": MC + "learningOutcome",
}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


_KEYS: dict[str, tuple[str, ...]] = {
    term: tuple(dict.fromkeys((term, EUMC + term, iri))) for term, iri in _TERMS.items()
}


def _ext(node: Mapping[str, Any], *terms: str) -> Any:
    """The first extension term present, by name, ``eumc:`` compact IRI or expanded IRI."""
    for term in terms:
        for key in _KEYS.get(term, (term,)):
            value = node.get(key)
            if value is not None and value != "" and value != []:
                return value
    return None


def _show(value: Any) -> Any:
    """A short, JSON-friendly rendering of a found value."""
    if isinstance(value, Mapping):
        for key in ("name", "id", "targetName", "type"):
            if isinstance(value.get(key), str):
                return value[key]
    if isinstance(value, list):
        return [_show(v) for v in value[:10]]
    return value


def _learner(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Any:
    ids = [i for i in _list(cs.get("identifier")) if isinstance(i, Mapping) and i.get("identityHash")]
    if cs.get("id") or ids:
        found: dict[str, Any] = {}
        if cs.get("id"):
            found["id"] = cs["id"]
        if ids:
            found["identifier"] = [f"{i.get('identityType')}: {i.get('identityHash')}" for i in ids]
        return found
    return None


def _title(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Any:
    return a.get("name") or None


def _country(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Any:
    address = _obj(_obj(vc.get("issuer")).get("address"))
    found = {
        k: v
        for k, v in {
            "addressCountryCode": address.get("addressCountryCode"),
            "addressCountry": address.get("addressCountry"),
            "addressRegion": address.get("addressRegion"),
            "issuerCountry": _ext(a, "issuerCountry"),
            "issuerRegion": _ext(a, "issuerRegion"),
        }.items()
        if v
    }
    has_country = any(k in found for k in ("addressCountryCode", "addressCountry", "issuerCountry"))
    return found if has_country else None


def _awarding(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Any:
    bodies = _ext(a, "awardingBody")
    if bodies:
        return _show(_list(bodies))
    issuer = vc.get("issuer")
    if isinstance(issuer, Mapping) and issuer.get("name") and issuer.get("id"):
        return {"id": issuer["id"], "name": issuer["name"]}
    return None


def _issued(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Any:
    found = {k: vc[k] for k in ("validFrom", "awardedDate", "issuanceDate") if isinstance(vc.get(k), str)}
    return found or None


def _esco(alignment: Mapping[str, Any]) -> bool:
    url = str(alignment.get("targetUrl", ""))
    return "data.europa.eu/esco/" in url or str(alignment.get("targetFramework", "")).upper() == "ESCO"


def _outcomes(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Any:
    skills = [al for al in _list(a.get("alignment")) if isinstance(al, Mapping) and _esco(al)]
    if skills:
        return [f"{s.get('targetName')} <{s.get('targetUrl')}>" for s in skills]
    extension = _ext(a, "learningOutcome")
    if extension:
        return _show(_list(extension))
    narrative = _obj(a.get("criteria")).get("narrative")
    return narrative or None


def _workload(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Any:
    found = {
        k: v
        for k, v in {
            "creditsAvailable": a.get("creditsAvailable"),
            "creditsEarned": cs.get("creditsEarned"),
            "creditSystem": _ext(a, "creditSystem"),
            "volumeOfLearning": _ext(a, "volumeOfLearning"),
        }.items()
        if v is not None
    }
    has_amount = any(k in found for k in ("creditsAvailable", "creditsEarned", "volumeOfLearning"))
    return found if has_amount else None


def _level(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Any:
    found = {k: v for k in ("eqfLevel", "nqfLevel", "qfEheaCycle") if (v := _ext(a, k))}
    for al in _list(a.get("alignment")):
        if isinstance(al, Mapping) and "data.europa.eu/snb/eqf/" in str(al.get("targetUrl", "")):
            found.setdefault("eqfLevel", al.get("targetUrl"))
    return found or None


def _assessment(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Any:
    return _show(_ext(a, "assessmentType"))


def _participation(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Any:
    form = _ext(a, "participationForm", "mode")
    if not form:
        return None
    setting = _ext(a, "learningSetting")
    return {"participationForm": form, **({"learningSetting": setting} if setting else {})}


def _quality(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Any:
    qa = _ext(a, "qualityAssuranceType", "qualityAssurance")
    if qa:
        report = _ext(a, "qualityAssuranceReport")
        shown = _show(_list(qa))
        return {"type": shown, "report": report} if report else shown
    accreditations = _obj(vc.get("issuer")).get("accreditations")
    return _show(_list(accreditations)) if accreditations else None


_READERS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], Any]] = {
    "M1": _learner,
    "M2": _title,
    "M3": _country,
    "M4": _awarding,
    "M5": _issued,
    "M6": _outcomes,
    "M7": _workload,
    "M8": _level,
    "M9": _assessment,
    "M10": _participation,
    "M11": _quality,
}


def check_eu_elements(credential: Mapping[str, Any]) -> tuple[list[Check], bool]:
    """One ``eu:Mn`` check per mandatory element (passed with its value, or failed: missing) and completeness."""
    subjects = _list(credential.get("credentialSubject"))
    cs = _obj(subjects[0] if subjects else None)
    achievement = _obj(cs.get("achievement"))
    checks: list[Check] = []
    for code, title in MANDATORY_ELEMENTS.items():
        value = _READERS[code](cs, achievement, credential)
        if value:
            checks.append(Check(id=f"eu:{code}", status="passed", sentence=f"{title}: found.", value=value))
        else:
            checks.append(Check(id=f"eu:{code}", status="failed", sentence=f"{title}: missing."))
    return checks, all(c.status == "passed" for c in checks)
