"""Micro-credential definitions: the EU standard elements of an achievement, checked against the vocabularies and
rendered as an Open Badges 3.0 ``Achievement`` with our EU context terms.

https://www.imsglobal.org/spec/ob/v3p0/#achievement ; Council Recommendation 2022/C 243/01 Annex I;
the element-by-element mapping is in ``docs/eu-elements.md``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from microcred.issuer.vocab import vocabulary
from microcred.vc.errors import InvalidInput, ValidationFailed

__all__ = [
    "ECTS",
    "ESCO_SKILL_PREFIX",
    "AchievementDefinition",
    "EscoSkill",
    "GradeScale",
    "LearningOutcome",
    "achievement_document",
]

ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
"""European Credit Transfer and Accumulation System, in the Europass education-credit list."""
ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"
_HTTP_URL = re.compile(r"^https?://[^\s]+$")


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


_CYCLE_LEVEL = {
    "https://microcred.eu/vocab/qf-ehea#short-cycle": "http://data.europa.eu/snb/eqf/5",
    "https://microcred.eu/vocab/qf-ehea#first-cycle": "http://data.europa.eu/snb/eqf/6",
    "https://microcred.eu/vocab/qf-ehea#second-cycle": "http://data.europa.eu/snb/eqf/7",
    "https://microcred.eu/vocab/qf-ehea#third-cycle": "http://data.europa.eu/snb/eqf/8",
}
"""The EQF level of each QF-EHEA cycle (the EHEA overarching framework's correspondence, Bologna 2005/2018)."""


class EscoSkill(_Model):
    """An ESCO skill a learning outcome is aligned to."""

    uri: str = Field(min_length=1, max_length=300)
    label: str = Field(min_length=1, max_length=300)

    @field_validator("uri")
    @classmethod
    def _esco_uri(cls, value: str) -> str:
        if not value.startswith(ESCO_SKILL_PREFIX):
            raise ValueError(f"an ESCO skill URI starts with {ESCO_SKILL_PREFIX}")
        return value


class LearningOutcome(_Model):
    """One learning outcome (EU element M6), optionally aligned to ESCO skills."""

    text: str = Field(min_length=1, max_length=2000)
    esco_skills: list[EscoSkill] = Field(default_factory=list, max_length=20)


class GradeScale(_Model):
    """How results are graded (OB3 ResultDescription), so a credential can carry a grade (EU element O3)."""

    name: str = Field(default="Final grade", min_length=1, max_length=200)
    result_type: str = Field(
        default="LetterGrade", pattern=r"^(LetterGrade|Percent|Status|RawScore|ScaledScore|ext:\w+)$"
    )
    allowed_values: list[str] = Field(default_factory=list, max_length=100)
    required_value: str | None = Field(default=None, max_length=100)
    records_all_results: bool | None = None
    """True when a credential records every result, also one below ``required_value`` (e.g. a transcript-like
    record of attendance); otherwise a result below it is refused, since the achievement was not earned."""


class AchievementDefinition(_Model):
    """What an institution defines once per micro-credential: the EU standard elements of the definition.

    Vocabulary fields take a short code or the EU concept URI (see ``issuer/data/``); ``normalized()`` turns
    them into URIs and reports every unknown value at once.
    """

    name: str = Field(min_length=1, max_length=300)
    description: str = Field(min_length=1, max_length=5000)
    learning_outcomes: list[LearningOutcome] = Field(min_length=1, max_length=50)
    ects: float = Field(gt=0, le=180)
    eqf_level: str = Field(min_length=1, max_length=200)
    qf_ehea_cycle: str | None = Field(default=None, max_length=200)
    assessment_types: list[str] = Field(min_length=1, max_length=14)
    participation_form: str = Field(min_length=1, max_length=200)
    quality_assurance_types: list[str] = Field(min_length=1, max_length=4)
    quality_assurance_report: str | None = Field(default=None, max_length=2000)
    prerequisites: str | None = Field(default=None, max_length=2000)
    supervision_verification: str | None = Field(default=None, max_length=200)
    stackability: str | None = Field(default=None, max_length=200)
    stackable_towards: list[str] = Field(default_factory=list, max_length=20)
    languages: list[str] = Field(default_factory=list, max_length=30)
    isced_f: list[str] = Field(default_factory=list, max_length=10)
    further_information: str | None = Field(default=None, max_length=5000)
    criteria_url: str | None = Field(default=None, max_length=2000)
    human_code: str | None = Field(default=None, max_length=100)
    grade_scale: GradeScale | None = None
    offered_since: datetime | None = None
    """Since when the micro-credential has been offered, when that is before it was defined here (a past cohort
    awarded later): no assessment or award date may precede it. Unset, the definition's own date is the bound."""

    @field_validator("eqf_level", mode="before")
    @classmethod
    def _level_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def normalized(self) -> AchievementDefinition:
        """A copy whose vocabulary values are EU concept URIs; ValidationFailed lists every unknown value."""
        errors: list[dict[str, str]] = []
        changes: dict[str, Any] = {}

        def one(field: str, vocab: str, value: str | None) -> None:
            if value is None:
                return
            concept = vocabulary(vocab).find(value)
            if concept is None:
                errors.append(
                    {
                        "pointer": f"/{to_camel(field)}",
                        "detail": vocabulary(vocab).explain(value, field=to_camel(field)),
                    }
                )
            else:
                changes[field] = concept.uri

        def many(field: str, vocab: str, values: list[str]) -> None:
            uris: list[str] = []
            for index, value in enumerate(values):
                concept = vocabulary(vocab).find(value)
                if concept is None:
                    name = to_camel(field)
                    errors.append(
                        {
                            "pointer": f"/{name}/{index}",
                            "detail": vocabulary(vocab).explain(value, field=name),
                        }
                    )
                elif concept.uri not in uris:
                    uris.append(concept.uri)
            changes[field] = uris

        one("eqf_level", "eqf-levels", self.eqf_level)
        one("qf_ehea_cycle", "qf-ehea-cycles", self.qf_ehea_cycle)
        many("assessment_types", "assessment-types", self.assessment_types)
        one("participation_form", "participation-forms", self.participation_form)
        many("quality_assurance_types", "quality-assurance-types", self.quality_assurance_types)
        one("supervision_verification", "supervision-verification", self.supervision_verification)
        one("stackability", "stackability", self.stackability)
        many("languages", "languages", self.languages)
        many("isced_f", "isced-f", self.isced_f)
        for field in ("quality_assurance_report", "criteria_url"):
            value = getattr(self, field)
            if value is not None and not _HTTP_URL.match(value):
                errors.append(
                    {
                        "pointer": f"/{to_camel(field)}",
                        "detail": f'"{to_camel(field)}" must be an http(s) URL',
                    }
                )
        for index, target in enumerate(self.stackable_towards):
            if not _HTTP_URL.match(target) and not target.startswith("urn:"):
                errors.append(
                    {
                        "pointer": f"/stackableTowards/{index}",
                        "detail": '"stackableTowards" items must be URLs or URNs',
                    }
                )
        if self.offered_since is not None and self.offered_since.tzinfo is None:
            errors.append(
                {"pointer": "/offeredSince", "detail": '"offeredSince" needs a timezone (e.g. "Z")'}
            )
        if not self.name.strip():
            errors.append({"pointer": "/name", "detail": '"name" (the title) must not be blank'})
        cycle_level = _CYCLE_LEVEL.get(changes.get("qf_ehea_cycle") or "")
        level = changes.get("eqf_level")
        if cycle_level is not None and level is not None and level != cycle_level:
            errors.append(
                {
                    "pointer": "/qfEheaCycle",
                    "detail": f'the QF-EHEA cycle "{self.qf_ehea_cycle}" is at EQF level {cycle_level.rsplit("/", 1)[-1]}, '
                    f'not "{self.eqf_level}" (short cycle 5, first 6, second 7, third 8)',
                }
            )
        scale = self.grade_scale
        if (
            scale
            and scale.required_value
            and scale.allowed_values
            and scale.required_value not in scale.allowed_values
        ):
            errors.append(
                {
                    "pointer": "/gradeScale/requiredValue",
                    "detail": '"gradeScale.requiredValue" must be one of "gradeScale.allowedValues"',
                }
            )
        if errors:
            fields = ", ".join(e["pointer"] for e in errors)
            raise ValidationFailed(
                f"values outside the controlled vocabularies or malformed: {fields}", errors=errors
            )
        return self.model_copy(update=changes)


def _label(vocab: str, uri: str) -> str:
    concept = vocabulary(vocab).find(uri)
    if concept is None:
        raise InvalidInput(f'"{uri}" is not in {vocab}; normalize the definition first')
    return concept.label


def achievement_document(
    definition: AchievementDefinition, *, achievement_id: str, version: int
) -> dict[str, Any]:
    """The OB 3.0 Achievement for a normalized definition, published at ``achievement_id`` (the version's URL)."""
    d = definition
    criteria: dict[str, Any] = {"narrative": "\n".join(f"- {o.text}" for o in d.learning_outcomes)}
    if d.criteria_url:
        criteria["id"] = d.criteria_url
    eqf_code = vocabulary("eqf-levels").by_uri[d.eqf_level].code
    alignment: list[dict[str, Any]] = [
        {
            "type": ["Alignment"],
            "targetName": f"EQF level {eqf_code}",
            "targetUrl": d.eqf_level,
            "targetFramework": "European Qualifications Framework",
            "targetCode": eqf_code,
        }
    ]
    seen: set[str] = set()
    for outcome in d.learning_outcomes:
        for skill in outcome.esco_skills:
            if skill.uri in seen:
                continue
            seen.add(skill.uri)
            alignment.append(
                {
                    "type": ["Alignment"],
                    "targetName": skill.label,
                    "targetUrl": skill.uri,
                    "targetFramework": "ESCO",
                    "targetType": "ceasn:Competency",
                }
            )
    document: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement", "EUMicroCredential"],
        "achievementType": "MicroCredential",
        "name": d.name,
        "description": d.description,
        "criteria": criteria,
        "creditsAvailable": d.ects,
        "alignment": alignment,
        "version": str(version),
    }
    if d.human_code:
        document["humanCode"] = d.human_code
    if d.languages:
        code = vocabulary("languages").by_uri[d.languages[0]].code
        if code != "mul":
            document["inLanguage"] = code
    if d.isced_f:
        document["fieldOfStudy"] = _label("isced-f", d.isced_f[0])
    if d.grade_scale:
        description: dict[str, Any] = {
            "id": f"{achievement_id}#grade",
            "type": ["ResultDescription"],
            "name": d.grade_scale.name,
            "resultType": d.grade_scale.result_type,
        }
        if d.grade_scale.allowed_values:
            description["allowedValue"] = list(d.grade_scale.allowed_values)
        if d.grade_scale.required_value:
            description["requiredValue"] = d.grade_scale.required_value
        document["resultDescription"] = [description]
    # EU elements OB3 has no property for (terms of our EU micro-credential context).
    document["learningOutcome"] = [o.text for o in d.learning_outcomes]
    document["creditSystem"] = ECTS
    document["eqfLevel"] = d.eqf_level
    if d.qf_ehea_cycle:
        document["qfEheaCycle"] = d.qf_ehea_cycle
    document["assessmentType"] = list(d.assessment_types)
    document["participationForm"] = d.participation_form
    document["qualityAssuranceType"] = list(d.quality_assurance_types)
    if d.quality_assurance_report:
        document["qualityAssuranceReport"] = d.quality_assurance_report
    if d.prerequisites:
        document["prerequisites"] = d.prerequisites
    if d.supervision_verification:
        document["supervisionVerification"] = d.supervision_verification
    if d.stackability:
        document["integration"] = d.stackability
    if d.stackable_towards:
        document["stackableTowards"] = list(d.stackable_towards)
    if d.isced_f:
        document["iscedF"] = list(d.isced_f)
    if d.languages:
        document["language"] = list(d.languages)
    if d.further_information:
        document["furtherInformation"] = d.further_information
    return document
