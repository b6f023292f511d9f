"""EU micro-credential elements: each mandatory element of the Council Recommendation, found with its value.

Elements are read where peers put them first (Edubadges' OB 3.0 shape, EBSI diplomas: ``eu_shapes.py``), then
from their Open Badges 3.0 locations and the project's EU extension terms on the achievement (by term name,
``eumc:`` compact IRI or expanded ELM IRI), per ``shared/eu-elements.md`` §3.1. Each element's sentence says
where its value was found; the check reads the verified document and never decides ``verified``.

https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32022H0627(02) (Annex I) ; https://www.imsglobal.org/spec/ob/v3p0/
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microcred.verifier.eu_shapes import PEER_READERS, Found, Reader, Refused, eqf_level, list_of, obj
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
ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"

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


def _found(found: dict[str, Any], where: str) -> Found:
    """``found``'s keys named after ``where`` ("the credential's validFrom and awardedDate")."""
    return Found(found, f"{where} {' and '.join(found)}")


def _learner(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    ids = [i for i in list_of(cs.get("identifier")) if isinstance(i, Mapping) and i.get("identityHash")]
    found: dict[str, Any] = {}
    if cs.get("id"):
        found["id"] = cs["id"]
    if ids:
        found["identifier"] = [f"{i.get('identityType')}: {i.get('identityHash')}" for i in ids]
    return _found(found, "the credential subject's") if found else None


def _title(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    name = a.get("name")
    return Found(name, "the achievement's name", name) if isinstance(name, str) and name else None


def _country(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    address = obj(obj(vc.get("issuer")).get("address"))
    in_address = {
        k: address[k] for k in ("addressCountryCode", "addressCountry", "addressRegion") if address.get(k)
    }
    terms = {k: v for k in ("issuerCountry", "issuerRegion") if (v := _ext(a, k))}
    if not {"addressCountryCode", "addressCountry", "issuerCountry"} & {*in_address, *terms}:
        return None
    where = [f"the issuer's address ({', '.join(in_address)})"] if in_address else []
    where += [f"the achievement's {k} term" for k in terms]
    return Found({**in_address, **terms}, " and ".join(where))


def _awarding(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    bodies = _ext(a, "awardingBody")
    if bodies:
        return Found(_show(list_of(bodies)), "the achievement's awardingBody term")
    issuer = vc.get("issuer")
    if isinstance(issuer, Mapping) and issuer.get("name") and issuer.get("id"):
        return Found(
            {"id": issuer["id"], "name": issuer["name"]}, "the issuer's profile", str(issuer["name"])
        )
    return None


def _issued(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    found = {k: vc[k] for k in ("validFrom", "awardedDate", "issuanceDate") if isinstance(vc.get(k), str)}
    return _found(found, "the credential's") if found else None


def _esco(alignment: Mapping[str, Any]) -> bool:
    url = str(alignment.get("targetUrl", ""))
    return "data.europa.eu/esco/" in url or str(alignment.get("targetFramework", "")).upper() == "ESCO"


def _outcomes(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    skills = [al for al in list_of(a.get("alignment")) if isinstance(al, Mapping) and _esco(al)]
    if skills:
        value = [f"{s.get('targetName')} <{s.get('targetUrl')}>" for s in skills]
        return Found(value, "alignments to ESCO skills")
    extension = _ext(a, "learningOutcome")
    if extension:
        return Found(_show(list_of(extension)), "the achievement's learningOutcome term")
    narrative = obj(a.get("criteria")).get("narrative")
    return Found(narrative, "the achievement's criteria narrative") if narrative else None


_WORKLOAD_WHERE = {
    "creditsAvailable": "the achievement's creditsAvailable",
    "creditsEarned": "the credential subject's creditsEarned",
    "creditSystem": "the achievement's creditSystem term",
    "volumeOfLearning": "the achievement's volumeOfLearning term",
}


def _workload(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
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
    if not {"creditsAvailable", "creditsEarned", "volumeOfLearning"} & set(found):
        return None
    where = " and ".join(_WORKLOAD_WHERE[k] for k in found)
    credits = found.get("creditsAvailable")
    ects = (
        found.get("creditSystem") == ECTS
        and isinstance(credits, int | float)
        and not isinstance(credits, bool)
    )
    return Found(found, where, f"{credits:g} ECTS" if ects else None)


def _level(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | Refused | None:
    found = {k: v for k in ("eqfLevel", "nqfLevel", "qfEheaCycle") if (v := _ext(a, k))}
    if "eqfLevel" in found and eqf_level(found["eqfLevel"]) is None:
        refused = f"the achievement's eqfLevel {found.pop('eqfLevel')!r} is not an EQF level 1 to 8"
        if not found:
            return Refused(refused)
    where = [f"the achievement's {k} term" for k in found]
    for al in list_of(a.get("alignment")):
        if isinstance(al, Mapping) and "eqfLevel" not in found and eqf_level(al.get("targetUrl")) is not None:
            found["eqfLevel"] = al["targetUrl"]
            where.append("an alignment to an EQF level IRI")
    if not found:
        return None
    level = eqf_level(found.get("eqfLevel"))
    return Found(found, " and ".join(where), f"EQF level {level}" if level else None)


def _assessment(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    value = _ext(a, "assessmentType")
    return Found(_show(value), "the achievement's assessmentType term") if value else None


def _participation(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    form = _ext(a, "participationForm", "mode")
    if not form:
        return None
    setting = _ext(a, "learningSetting")
    value = {"participationForm": form, **({"learningSetting": setting} if setting else {})}
    return _found(value, "the achievement's")


def _quality(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    qa = _ext(a, "qualityAssuranceType", "qualityAssurance")
    if qa:
        report = _ext(a, "qualityAssuranceReport")
        shown = _show(list_of(qa))
        if report:
            return Found({"type": shown, "report": report}, "the achievement's quality assurance terms")
        return Found(shown, "the achievement's quality assurance term")
    accreditations = obj(vc.get("issuer")).get("accreditations")
    return Found(_show(list_of(accreditations)), "the issuer's accreditations") if accreditations else None


_READERS: dict[str, Reader] = {
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


def _element_check(code: str, cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Check:
    """The first reader that finds the element wins; what was there but refused is said when nothing was found."""
    title = MANDATORY_ELEMENTS[code]
    refused: list[str] = []
    for read in (*PEER_READERS.get(code, ()), _READERS[code]):
        answer = read(cs, a, vc)
        if isinstance(answer, Refused):
            refused.append(answer.reason)
        elif answer is not None:
            said = f"{answer.label}, from" if answer.label else "found in"
            return Check(
                id=f"eu:{code}",
                status="passed",
                sentence=f"{title}: {said} {answer.where}.",
                value=answer.value,
            )
    why = f" ({'; '.join(refused)})" if refused else ""
    return Check(id=f"eu:{code}", status="failed", sentence=f"{title}: missing{why}.")


def check_eu_elements(credential: Mapping[str, Any]) -> tuple[list[Check], bool]:
    """One ``eu:Mn`` check per mandatory element (passed with its value and where it was found, or failed: missing)
    and completeness."""
    subjects = list_of(credential.get("credentialSubject"))
    cs = obj(subjects[0] if subjects else None)
    achievement = obj(cs.get("achievement"))
    checks = [_element_check(code, cs, achievement, credential) for code in MANDATORY_ELEMENTS]
    return checks, all(c.status == "passed" for c in checks)
