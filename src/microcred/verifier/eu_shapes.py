"""Where peers put the EU micro-credential elements: SURF Edubadges' OB 3.0 shape and EBSI diplomas.

Each reader takes the credential subject, its achievement and the whole (verified) credential, and answers what it
found with where it found it, what it refused with why, or nothing when the shape is not there. Nothing is derived
from outside the signed document, and a value is taken only when it means the element (an alignment to another
framework than the EQF is not an EQF level; an ECTS value must be a number).

- Edubadges: https://github.com/educredentials/obv3-examples (``contexts/educredential.json``: ``ECTS``,
  ``assessmentType``, ``participationType`` scoped to ``EducredentialAchievement``; EQF level and quality assurance
  as ``alignment`` entries with ``targetType`` ``ext:EQF`` and ``ext:QualityAssurance``).
- EBSI: the Diploma ``VerifiableAttestation`` of https://hub.ebsi.eu/vc-framework (``credentialSubject.eqfLevel``
  as an EQF concept IRI, ``learningAchievement``, the issuer's DID); its learner and ``issuanceDate`` are where
  the VC data model puts them, read by ``eu.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EQF", "PEER_READERS", "Found", "Reader", "Refused", "eqf_level", "list_of", "obj"]

EQF = "http://data.europa.eu/snb/eqf/"
"""The EU EQF concept scheme: levels are ``http://data.europa.eu/snb/eqf/1`` … ``/8``."""

EDUBADGES_ACHIEVEMENTS = frozenset({"EducredentialAchievement", "ExtracurricularAchievement"})
"""The achievement types whose scoped context defines Edubadges' EU terms (``ECTS``, ``participationType``...)."""


@dataclass(frozen=True, slots=True)
class Found:
    """An element's value, where it was found ("an alignment to the EQF framework") and, optionally, how to say it."""

    value: Any
    where: str
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """A value that is there but is not the element ("the ECTS value 'three' is not a number")."""

    reason: str


Reader = Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], Found | Refused | None]


def list_of(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def eqf_level(value: Any) -> int | None:
    """The EQF level 1..8 that ``value`` names (a level number, its EQF IRI or a concept object), else None."""
    if isinstance(value, Mapping):
        value = value.get("id")
    if isinstance(value, str) and value.startswith(EQF):
        value = value.removeprefix(EQF)
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value):
        value = int(value)
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _types(node: Mapping[str, Any]) -> set[str]:
    return {t for t in list_of(node.get("type")) if isinstance(t, str)}


def _edubadges(a: Mapping[str, Any]) -> bool:
    return bool(_types(a) & EDUBADGES_ACHIEVEMENTS)


def _ebsi(vc: Mapping[str, Any]) -> bool:
    return "VerifiableAttestation" in _types(vc)


def _alignments(a: Mapping[str, Any], target_type: str) -> list[Mapping[str, Any]]:
    return [
        al
        for al in list_of(a.get("alignment"))
        if isinstance(al, Mapping) and al.get("targetType") == target_type
    ]


def _term(a: Mapping[str, Any], term: str) -> Found | None:
    """An Edubadges extension term with a non-empty text value."""
    value = a.get(term)
    if not _edubadges(a) or not isinstance(value, str) or not value.strip():
        return None
    return Found(value, f"the Edubadges {term} term", value)


def edubadges_workload(
    cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]
) -> Found | Refused | None:
    """M7: the ``ECTS`` term (``xsd:integer`` in Edubadges' context; any positive JSON number is taken)."""
    if not _edubadges(a) or "ECTS" not in a:
        return None
    ects = a["ECTS"]
    if isinstance(ects, bool) or not isinstance(ects, int | float) or ects <= 0:
        return Refused(f"the ECTS value {ects!r} is not a positive number")
    return Found({"ECTS": ects}, "the Edubadges ECTS term", f"{ects:g} ECTS")


def edubadges_level(
    cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]
) -> Found | Refused | None:
    """M8: an alignment with ``targetType`` ``ext:EQF``; its ``targetCode`` is the level."""
    for alignment in _alignments(a, "ext:EQF"):
        code = alignment.get("targetCode")
        level = eqf_level(code)
        if level is None:
            return Refused(f"the alignment to the EQF framework gives level {code!r}, not one of 1 to 8")
        return Found({"eqfLevel": f"{EQF}{level}"}, "an alignment to the EQF framework", f"EQF level {level}")
    return None


def edubadges_assessment(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    """M9: the ``assessmentType`` term of Edubadges' context."""
    return _term(a, "assessmentType")


def edubadges_participation(
    cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]
) -> Found | None:
    """M10: the ``participationType`` term of Edubadges' context."""
    found = _term(a, "participationType")
    return Found({"participationForm": found.value}, found.where, found.label) if found else None


def edubadges_quality(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    """M11: alignments with ``targetType`` ``ext:QualityAssurance`` (a QA decision: name, code, URL)."""
    decisions = [
        {k: al[k] for k in ("targetName", "targetCode", "targetUrl") if isinstance(al.get(k), str)}
        for al in _alignments(a, "ext:QualityAssurance")
        if isinstance(al.get("targetName"), str) or isinstance(al.get("targetUrl"), str)
    ]
    if not decisions:
        return None
    label = "; ".join(d.get("targetName") or d["targetUrl"] for d in decisions)
    return Found(decisions, "an alignment to a quality assurance decision", label)


def ebsi_title(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    """M2: an EBSI diploma's ``learningAchievement`` (and its ``studyProgram``)."""
    if not _ebsi(vc):
        return None
    found = {
        k: cs[k] for k in ("learningAchievement", "studyProgram") if isinstance(cs.get(k), str) and cs[k]
    }
    if not found:
        return None
    return Found(found, "the EBSI diploma's " + " and ".join(found), " — ".join(found.values()))


def ebsi_awarding(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | None:
    """M4: the issuer of an EBSI attestation is the accredited body, named by its DID only."""
    issuer = vc.get("issuer")
    issuer_id = issuer if isinstance(issuer, str) else obj(issuer).get("id")
    if not _ebsi(vc) or not isinstance(issuer_id, str) or not issuer_id.startswith("did:"):
        return None
    return Found(
        {"id": issuer_id}, "the EBSI attestation's issuer (a DID, no name in the credential)", issuer_id
    )


def ebsi_level(cs: Mapping[str, Any], a: Mapping[str, Any], vc: Mapping[str, Any]) -> Found | Refused | None:
    """M8: an EBSI diploma's ``credentialSubject.eqfLevel``, an EQF concept IRI."""
    if not _ebsi(vc) or "eqfLevel" not in cs:
        return None
    level = eqf_level(cs["eqfLevel"])
    if level is None:
        return Refused(f"the EBSI diploma's eqfLevel {cs['eqfLevel']!r} is not an EQF level 1 to 8")
    return Found({"eqfLevel": f"{EQF}{level}"}, "the EBSI diploma's eqfLevel", f"EQF level {level}")


PEER_READERS: dict[str, tuple[Reader, ...]] = {
    "M2": (ebsi_title,),
    "M4": (ebsi_awarding,),
    "M7": (edubadges_workload,),
    "M8": (edubadges_level, ebsi_level),
    "M9": (edubadges_assessment,),
    "M10": (edubadges_participation,),
    "M11": (edubadges_quality,),
}
"""Per element, the peers' readers, asked before our own shape (each answers only when its shape is present)."""
