"""A complete demo micro-credential definition (every EU element), used by ``microcred serve --dev`` and tests."""

from __future__ import annotations

from typing import Any

__all__ = ["DEMO_ACHIEVEMENT"]

DEMO_ACHIEVEMENT: dict[str, Any] = {
    "name": "Digital credentials for educators",
    "description": "A short learning programme on issuing and verifying digital micro-credentials.",
    "learningOutcomes": [
        {
            "text": "Develop digital content that describes a learning achievement",
            "escoSkills": [
                {
                    "uri": "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a",
                    "label": "develop digital content",
                }
            ],
        },
        {
            "text": "Communicate the value of a micro-credential to its target community",
            "escoSkills": [
                {
                    "uri": "http://data.europa.eu/esco/skill/80f308e6-0e09-404a-80cd-ec5f50f6f304",
                    "label": "communicate with target community",
                }
            ],
        },
    ],
    "ects": 2,
    "eqfLevel": "6",
    "qfEheaCycle": "first",
    "assessmentTypes": ["artefact-assessment"],
    "participationForm": "online",
    "qualityAssuranceTypes": ["institutional-qa"],
    "prerequisites": "None",
    "supervisionVerification": "unsupervised-no-id-verification",
    "stackability": "stand-alone",
    "languages": ["en"],
    "iscedF": ["0688"],
    "furtherInformation": "Offered as an open online course.",
    "gradeScale": {
        "name": "Final grade",
        "resultType": "LetterGrade",
        "allowedValues": ["Fail", "Pass"],
        "requiredValue": "Pass",
    },
}
"""The demo definition, as JSON (camelCase keys, what ``POST /achievements`` takes)."""
