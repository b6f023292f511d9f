"""The European Learning Model (ELM v3) form of an issued credential: a ``EuropeanDigitalCredential`` built from
the OB 3.0 AchievementCredential, element by element, with EU concept IRIs.

https://europa.eu/europass/elm-browser/index.html (ELM v3, ontology 3.1.0) ; the EDC application profile's JSON-LD
context ``http://data.europa.eu/snb/model/context/edc-ap`` and SHACL shapes (``EDC-generic-no-cv``), as published in
the European Commission's European-Learning-Model repository; the element-by-element mapping is the table in
``docs/eu-elements.md``. The document is signed with a Data Integrity proof like the OB3 form; it is not a
Europass-sealed EDC (JAdES with a qualified e-seal).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from microcred.issuer.achievement import ECTS, ESCO_SKILL_PREFIX, AchievementDefinition
from microcred.issuer.baking import badge_png
from microcred.issuer.vocab import vocabulary
from microcred.vc.errors import InvalidInput

__all__ = [
    "EDC_CONTEXT",
    "EDC_PROFILE",
    "EDC_SHAPES",
    "ELM_CONTEXTS",
    "ELM_FIXED_CONCEPTS",
    "ESCO_SKILLS_SCHEME",
    "LegalIdentifier",
    "elm_credential",
]

VC_V1 = "https://www.w3.org/2018/credentials/v1"
EDC_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
"""The EDC application profile context (pinned in contexts/): every ELM term of the export."""
ELM_CONTEXTS = (VC_V1, EDC_CONTEXT)
"""As in the Commission's samples: the EDC context is written for VC 1.1 (it redefines ``description``, which the
VC 2.0 context protects), so the export is a VC 1.1 document; signing adds the Data Integrity context."""
EDC_SHAPES = "http://data.europa.eu/snb/model/ap/edc-generic-no-cv"
"""The SHACL application profile the export conforms to (structure; its concepts are the issuer's own lists)."""

ESCO_SKILLS_SCHEME = "http://data.europa.eu/esco/concept-scheme/skills"
_CREDIT_SCHEME = "http://data.europa.eu/snb/education-credit/25831c2"
EDC_PROFILE = "http://data.europa.eu/snb/credential/e34929035b"
"""EDC credential profile "Generic" (the micro-credential sample's profile)."""
_PROFILE_SCHEME = "http://data.europa.eu/snb/credential/25831c2"
_PNG = "http://publications.europa.eu/resource/authority/file-type/PNG"
_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type"
_BASE64 = "http://data.europa.eu/snb/encoding/6146cde7dd"
_ENCODINGS = "http://data.europa.eu/snb/encoding/25831c2"

ELM_FIXED_CONCEPTS: Mapping[str, tuple[str, str]] = {
    EDC_PROFILE: (_PROFILE_SCHEME, "Generic"),
    ECTS: (_CREDIT_SCHEME, "European Credit Transfer and Accumulation System"),
    _PNG: (_FILE_TYPES, "PNG"),
    _BASE64: (_ENCODINGS, "base64"),
}
"""Concepts the export names that are not values of an achievement: the EDC profile, the credit framework (the
issuer's ECTS) and the display image's file type and encoding; every other concept comes from ``issuer/vocab``."""

_VOCAB_OF_TERM = {
    "eqfLevel": "eqf-levels",
    "qfEheaCycle": "qf-ehea-cycles",
    "assessmentType": "assessment-types",
    "participationForm": "participation-forms",
    "qualityAssuranceType": "quality-assurance-types",
    "supervisionVerification": "supervision-verification",
    "integration": "stackability",
    "language": "languages",
    "iscedF": "isced-f",
}


@dataclass(frozen=True)
class LegalIdentifier:
    """The awarding body's eIDAS legal identifier (EU element M4): its value and the country that issued it."""

    notation: str
    country: str
    """ISO 3166-1 alpha-2, as the institution's own country."""


def _concept(vocab: str, uri: str, lang: str) -> dict[str, Any]:
    found = vocabulary(vocab).find(uri)
    if found is None:
        raise InvalidInput(f'"{uri}" is not in the {vocab} list; the credential cannot be exported to ELM')
    return _skos(uri, vocabulary(vocab).scheme, found.label, lang)


def _skos(uri: str, scheme: str, label: str, lang: str) -> dict[str, Any]:
    return {
        "id": uri,
        "type": "Concept",
        "inScheme": {"id": scheme, "type": "ConceptScheme"},
        "prefLabel": {lang: label},
    }


def _fixed(uri: str, lang: str) -> dict[str, Any]:
    scheme, label = ELM_FIXED_CONCEPTS[uri]
    return _skos(uri, scheme, label, lang)


def _note(text: str, lang: str, subject: dict[str, Any] | None = None) -> dict[str, Any]:
    note: dict[str, Any] = {"type": "Note", "noteLiteral": {lang: text}}
    if subject is not None:
        note["subject"] = subject
    return note


def _text(value: float) -> str:
    """A credit figure as ELM's ``point`` string: ``2`` rather than ``2.0``."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _organisation(issuer: Mapping[str, Any], legal: LegalIdentifier | None, lang: str) -> dict[str, Any]:
    """https://europa.eu/europass/elm-browser/documentation/rdf/ontology/documentation/elm.html#Organisation"""
    address = issuer.get("address") or {}
    country = vocabulary("countries").find(str(address.get("addressCountryCode", "")))
    if country is None:
        raise InvalidInput('the issuer\'s "address.addressCountryCode" is not an EU country the issuer knows')
    location: dict[str, Any] = {
        "type": "Location",
        "address": {"type": "Address", "countryCode": _concept("countries", country.uri, lang)},
    }
    if address.get("addressRegion"):
        location["geographicName"] = {lang: address["addressRegion"]}
    organisation: dict[str, Any] = {
        "id": issuer["id"],
        "type": "Organisation",
        "legalName": {lang: issuer["name"]},
        "location": location,
    }
    if issuer.get("url"):
        organisation["homepage"] = {"type": "WebResource", "contentURL": issuer["url"]}
    if legal is not None:
        spatial = vocabulary("countries").find(legal.country)
        if spatial is None:
            raise InvalidInput(f'the legal identifier\'s country "{legal.country}" is not an EU country')
        organisation["eIDASIdentifier"] = {
            "type": "LegalIdentifier",
            "notation": legal.notation,
            "spatial": _concept("countries", spatial.uri, lang),
        }
    return organisation


def _learner(subject: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """EU element M1: the learner's DID as the Person's id, the OB3 IdentityObjects as Identifiers."""
    person: dict[str, Any] = {"type": "Person"}
    if subject.get("id"):
        person["id"] = subject["id"]
    identifiers: list[dict[str, Any]] = []
    for identity in _as_list(subject.get("identifier")):
        if identity.get("identityType") == "name" and not identity.get("hashed"):
            person["fullName"] = {lang: identity["identityHash"]}
            continue
        scheme = f"OB3 IdentityObject {identity.get('identityType', 'identifier')}"
        if identity.get("hashed"):
            scheme += f" (IdentityHash, salt {identity.get('salt', '')})"
        identifiers.append({"type": "Identifier", "notation": identity["identityHash"], "schemeName": scheme})
    if identifiers:
        person["identifier"] = identifiers
    return person


def _learning_outcomes(
    achievement: Mapping[str, Any], definition: AchievementDefinition | None, lang: str
) -> list[dict[str, Any]]:
    """EU element M6: one LearningOutcome per outcome text, with its ESCO skills.

    The OB3 achievement lists the outcome texts and, apart from them, one ESCO alignment per skill: which outcome a
    skill belongs to is in the achievement definition. With the definition each outcome carries its own skills;
    without it the skills are carried by one more outcome that says only that the achievement is aligned to them.
    """
    labels = {
        a["targetUrl"]: a["targetName"]
        for a in _as_list(achievement.get("alignment"))
        if str(a.get("targetUrl", "")).startswith(ESCO_SKILL_PREFIX)
    }
    placed: set[str] = set()
    by_text = {o.text: o for o in definition.learning_outcomes} if definition is not None else {}
    outcomes: list[dict[str, Any]] = []
    for text in _as_list(achievement.get("learningOutcome")):
        outcome: dict[str, Any] = {"type": "LearningOutcome", "title": {lang: text}}
        known = by_text.get(text)
        skills = [s.uri for s in known.esco_skills if s.uri in labels] if known is not None else []
        if skills:
            outcome["relatedESCOSkill"] = [
                _skos(uri, ESCO_SKILLS_SCHEME, labels[uri], lang) for uri in skills
            ]
            placed.update(skills)
        outcomes.append(outcome)
    rest = [uri for uri in labels if uri not in placed]
    if rest:
        outcomes.append(
            {
                "type": "LearningOutcome",
                "title": {lang: "Skills this achievement is aligned to (ESCO)"},
                "relatedESCOSkill": [_skos(uri, ESCO_SKILLS_SCHEME, labels[uri], lang) for uri in rest],
            }
        )
    return outcomes


def _assessment_specification(achievement: Mapping[str, Any], lang: str, *, title: str) -> dict[str, Any]:
    """EU elements M9 (type of assessment), M10 (mode) and the grading scheme of O3."""
    kinds = [_concept("assessment-types", uri, lang) for uri in _as_list(achievement.get("assessmentType"))]
    spec: dict[str, Any] = {
        "id": f"{achievement['id']}#assessment",
        "type": "LearningAssessmentSpecification",
        "title": {lang: title},
    }
    if len(kinds) == 1:
        spec["dcType"] = kinds[0]
    else:
        # A specification has one type: several assessment types are its parts.
        spec["hasPart"] = [
            {"type": "LearningAssessmentSpecification", "title": dict(kind["prefLabel"]), "dcType": kind}
            for kind in kinds
        ]
    if achievement.get("participationForm"):
        spec["mode"] = _concept("participation-forms", achievement["participationForm"], lang)
    for description in _as_list(achievement.get("resultDescription"))[:1]:
        scheme: dict[str, Any] = {
            "id": description["id"],
            "type": "GradingScheme",
            "title": {lang: description["name"]},
        }
        parts = [f"result type {description['resultType']}"]
        if description.get("allowedValue"):
            parts.append("allowed values " + ", ".join(description["allowedValue"]))
        if description.get("requiredValue"):
            parts.append(f"required value {description['requiredValue']}")
        scheme["description"] = {lang: "; ".join(parts)}
        spec["gradingScheme"] = scheme
    return spec


def _accreditations(achievement: Mapping[str, Any], issuer_id: str, lang: str) -> list[dict[str, Any]]:
    """EU element M11: one Accreditation per quality-assurance type.

    The OB3 record names the type (and a report) but no accrediting agency; EDC requires an ``accreditingAgent``,
    so the awarding body stands as the agent declaring its quality assurance (docs/eu-elements.md says so).
    """
    out: list[dict[str, Any]] = []
    for uri in _as_list(achievement.get("qualityAssuranceType")):
        concept = _concept("quality-assurance-types", uri, lang)
        accreditation: dict[str, Any] = {
            "type": "Accreditation",
            "dcType": concept,
            "title": dict(concept["prefLabel"]),
            "accreditingAgent": issuer_id,
        }
        if achievement.get("qualityAssuranceReport"):
            accreditation["report"] = {
                "type": "WebResource",
                "contentURL": achievement["qualityAssuranceReport"],
            }
        out.append(accreditation)
    return out


def _specification(
    achievement: Mapping[str, Any], definition: AchievementDefinition | None, issuer_id: str, lang: str
) -> dict[str, Any]:
    """The Qualification the achievement is (EU elements M2, M6-M11, O1, O4, O5)."""
    a = achievement
    spec: dict[str, Any] = {
        "id": a["id"],
        "type": "Qualification",
        "title": {lang: a["name"]},
        "description": {lang: a["description"]},
        "learningOutcome": _learning_outcomes(a, definition, lang),
        "creditPoint": {
            "type": "CreditPoint",
            "framework": _fixed(a.get("creditSystem", ECTS), lang),
            "point": _text(a["creditsAvailable"]),
        },
        "eqfLevel": _concept("eqf-levels", a["eqfLevel"], lang),
        "provenBy": _assessment_specification(a, lang, title=f"Assessment of {a['name']}"),
        "accreditation": _accreditations(a, issuer_id, lang),
    }
    if a.get("qfEheaCycle"):
        spec["educationLevel"] = _concept("qf-ehea-cycles", a["qfEheaCycle"], lang)
    if a.get("participationForm"):
        spec["mode"] = _concept("participation-forms", a["participationForm"], lang)
    if a.get("prerequisites"):
        spec["entryRequirement"] = _note(a["prerequisites"], lang)
    if a.get("language"):
        spec["language"] = [_concept("languages", uri, lang) for uri in a["language"]]
    if a.get("iscedF"):
        spec["thematicArea"] = [_concept("isced-f", uri, lang) for uri in a["iscedF"]]
    if a.get("humanCode"):
        spec["identifier"] = {"type": "Identifier", "notation": a["humanCode"], "schemeName": "humanCode"}
    criteria = a.get("criteria") or {}
    if criteria.get("id"):
        spec["homepage"] = {"type": "WebResource", "contentURL": criteria["id"]}
    notes: list[dict[str, Any]] = []
    if a.get("integration"):
        stack = _concept("stackability", a["integration"], lang)
        towards = _as_list(a.get("stackableTowards"))
        label = stack["prefLabel"][lang] + (f": {', '.join(towards)}" if towards else "")
        notes.append(_note(label, lang, subject=stack))
        if vocabulary("stackability").by_uri[stack["id"]].code == "stand-alone":
            # Stackable "towards" another credential says nothing of being part of a qualification: left unsaid.
            spec["isPartialQualification"] = False
    if a.get("supervisionVerification"):
        supervision = _concept("supervision-verification", a["supervisionVerification"], lang)
        notes.append(_note(supervision["prefLabel"][lang], lang, subject=supervision))
    if a.get("furtherInformation"):
        notes.append(_note(a["furtherInformation"], lang))
    if notes:
        spec["additionalNote"] = notes
    return spec


def _display(title: str, lang_concept: dict[str, Any], lang: str, image: bytes) -> dict[str, Any]:
    """The one-page display EDC requires: the credential's title and a PNG image."""
    return {
        "type": "DisplayParameter",
        "title": {lang: title},
        "language": lang_concept,
        "primaryLanguage": lang_concept,
        "individualDisplay": {
            "type": "IndividualDisplay",
            "language": lang_concept,
            "displayDetail": {
                "type": "DisplayDetail",
                "page": 1,
                "image": {
                    "type": "MediaObject",
                    "content": base64.b64encode(image).decode("ascii"),
                    "contentType": _fixed(_PNG, lang),
                    "contentEncoding": _fixed(_BASE64, lang),
                },
            },
        },
    }


def _primary_language(achievement: Mapping[str, Any]) -> tuple[str, str]:
    """(BCP 47 tag, EU language URI) of the achievement's text: its first language, English when it names none."""
    languages = vocabulary("languages")
    for uri in _as_list(achievement.get("language")):
        found = languages.find(uri)
        if found is not None and found.code != "mul":
            return found.code, found.uri
    code = str(achievement.get("inLanguage") or "en")
    found = languages.find(code) or languages.find("en")
    if found is None:
        raise InvalidInput("the languages list has no English concept")
    return found.code, found.uri


def elm_credential(
    credential: Mapping[str, Any],
    *,
    definition: AchievementDefinition | None = None,
    legal_identifier: LegalIdentifier | None = None,
    image: bytes | None = None,
) -> dict[str, Any]:
    """The unsigned ELM v3 ``EuropeanDigitalCredential`` of an OB3 AchievementCredential (signed or not; its proof
    is not carried: sign the result with the institution's key). ``definition`` (the achievement's, normalized) says
    which ESCO skills belong to which outcome. ``image`` is the PNG of the display page
    (default: the issuer's badge medal). InvalidInput if a value is outside the issuer's vocabularies."""
    subject = credential["credentialSubject"]
    if not isinstance(subject, Mapping):
        raise InvalidInput("an ELM export needs one credential subject", pointer="/credentialSubject")
    achievement = subject["achievement"]
    issuer = credential["issuer"]
    lang, lang_uri = _primary_language(achievement)
    lang_concept = _concept("languages", lang_uri, lang)
    organisation = _organisation(issuer, legal_identifier, lang)
    awarded = credential.get("awardedDate") or credential["validFrom"]
    awarding = {"type": "AwardingProcess", "awardingBody": issuer["id"], "awardingDate": awarded}
    claim: dict[str, Any] = {
        "type": "LearningAchievement",
        "title": {lang: achievement["name"]},
        "awardedBy": awarding,
        "specifiedBy": _specification(achievement, definition, issuer["id"], lang),
    }
    if subject.get("creditsEarned") is not None:
        claim["creditReceived"] = {
            "type": "CreditPoint",
            "framework": _fixed(achievement.get("creditSystem", ECTS), lang),
            "point": _text(subject["creditsEarned"]),
        }
    evidence = [
        {"type": "WebResource", "contentURL": item["id"], "title": {lang: item.get("name") or item["id"]}}
        for item in _as_list(credential.get("evidence"))
        if item.get("id")
    ]
    if evidence:
        # EDC's Evidence needs an evidence-type concept the OB3 record does not have: the evidence items are
        # the achievement's supplementary documents.
        claim["supplementaryDocument"] = evidence
    results: Sequence[Mapping[str, Any]] = _as_list(subject.get("result"))
    if results:
        assessment: dict[str, Any] = {
            "type": "LearningAssessment",
            "title": {lang: f"Assessment of {achievement['name']}"},
            "grade": _note(str(results[0]["value"]), lang),
            "awardedBy": awarding,
            "specifiedBy": f"{achievement['id']}#assessment",
        }
        if subject.get("assessmentDate"):
            assessment["dateIssued"] = subject["assessmentDate"]
        if achievement.get("supervisionVerification"):
            assessment["idVerification"] = _concept(
                "supervision-verification", achievement["supervisionVerification"], lang
            )
        claim["provenBy"] = assessment
    person = _learner(subject, lang)
    person["hasClaim"] = claim
    document: dict[str, Any] = {
        "@context": list(ELM_CONTEXTS),
        "id": credential["id"],
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialProfiles": _fixed(EDC_PROFILE, lang),
        "credentialSchema": {"id": EDC_SHAPES, "type": "ShaclValidator2017"},
        "displayParameter": _display(achievement["name"], lang_concept, lang, image or badge_png()),
        "issuer": organisation,
        "issued": awarded,
        "issuanceDate": awarded,  # VC 1.1's required date (the Commission's sealed sample has both)
        "validFrom": credential["validFrom"],
        "credentialSubject": person,
    }
    if credential.get("validUntil"):
        document["validUntil"] = credential["validUntil"]
    return document
