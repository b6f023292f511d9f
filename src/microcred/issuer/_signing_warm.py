"""Imported only by the signing pool's fork server: warms the caches (compiled OB3 schema, processed JSON-LD
contexts) once, so every worker forked from it starts warm instead of paying for them itself."""

from __future__ import annotations

from datetime import UTC, datetime

from microcred.issuer.achievement import AchievementDefinition, achievement_document
from microcred.issuer.credential import Award, IssuerProfile, Learner, build_credential
from microcred.issuer.demo import DEMO_ACHIEVEMENT
from microcred.issuer.signing import check_and_sign
from microcred.keys import Ed25519Signer


def _warm() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    definition = AchievementDefinition.model_validate(DEMO_ACHIEVEMENT).normalized()
    achievement = achievement_document(
        definition, achievement_id="https://warm.example/a/versions/1", version=1
    )
    unsigned = build_credential(
        credential_id="urn:uuid:00000000-0000-4000-8000-000000000000",
        issuer=IssuerProfile(
            did="did:web:warm.example", name="Warm", url="https://warm.example", country="IE"
        ),
        achievement=achievement,
        award=Award(
            learner=Learner(email="warm@example.org"), awarded_date=when, valid_from=when, grade="Pass"
        ),
        salt="warm",
    )
    signer = Ed25519Signer.from_seed(bytes(32), verification_method="did:web:warm.example#key-1")
    for suite in ("eddsa-rdfc-2022", "Ed25519Signature2020"):
        check_and_sign(unsigned, signer=signer, suite=suite, now=when)


_warm()
