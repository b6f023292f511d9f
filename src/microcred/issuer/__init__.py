"""Issuing EU micro-credentials: the front door ``Issuer(profile, signer).issue(achievement, learner, ...)``,
vocabularies, achievement definitions, credential building, the EU completeness rule and bulk input parsing.
A plain library (no web framework, no database)."""

from microcred.issuer.achievement import (
    AchievementDefinition,
    EscoSkill,
    GradeScale,
    LearningOutcome,
    achievement_document,
)
from microcred.issuer.completeness import MANDATORY_ELEMENTS, Finding, check_before_signing, eu_findings
from microcred.issuer.credential import (
    CONTEXTS,
    EU_CONTEXT,
    EU_CONTEXT_PATH,
    Award,
    IssuerProfile,
    Learner,
    build_credential,
    identity_hash,
    xsd_datetime,
)
from microcred.issuer.demo import DEMO_ACHIEVEMENT
from microcred.issuer.issuing import Issuer
from microcred.issuer.vocab import VOCABULARIES, Concept, Vocabulary, vocabulary

__all__ = [
    "CONTEXTS",
    "DEMO_ACHIEVEMENT",
    "EU_CONTEXT",
    "EU_CONTEXT_PATH",
    "MANDATORY_ELEMENTS",
    "VOCABULARIES",
    "AchievementDefinition",
    "Award",
    "Concept",
    "EscoSkill",
    "Finding",
    "GradeScale",
    "Issuer",
    "IssuerProfile",
    "Learner",
    "LearningOutcome",
    "Vocabulary",
    "achievement_document",
    "build_credential",
    "check_before_signing",
    "eu_findings",
    "identity_hash",
    "vocabulary",
    "xsd_datetime",
]
