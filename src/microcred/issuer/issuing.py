"""Issuing one signed micro-credential: build the AchievementCredential, check it (OB3 schema, EU completeness)
and add the institution's Data Integrity proof.

The library's front door for issuing; the web app does the same per request with its database (status-list
entries, stored keys, records).
https://www.imsglobal.org/spec/ob/v3p0/#achievementcredential ; https://www.w3.org/TR/vc-data-integrity/#add-proof
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from microcred.contexts import DocumentLoader, offline_loader
from microcred.issuer.achievement import AchievementDefinition, achievement_document
from microcred.issuer.completeness import check_before_signing
from microcred.issuer.credential import Award, IssuerProfile, Learner, build_credential
from microcred.issuer.signing import proof_as_set
from microcred.keys import Signer
from microcred.suites import sign
from microcred.vc.errors import KeyMaterialError

__all__ = ["Issuer"]


@dataclass(frozen=True)
class Issuer:
    """An institution that signs credentials: its OB3 Profile and the Signer of one of its DID's keys."""

    profile: IssuerProfile
    signer: Signer = field(repr=False)
    suite: str = "eddsa-rdfc-2022"
    """The Data Integrity cryptosuite of the proof (``eddsa-rdfc-2022`` or ``Ed25519Signature2020``)."""
    loader: DocumentLoader = field(default_factory=offline_loader, repr=False)

    def __post_init__(self) -> None:
        # a proof by a key the issuer's DID does not list fails every verifier's issuer check: refuse it here
        method_did = self.signer.verification_method.split("#", 1)[0]
        if method_did != self.profile.did:
            raise KeyMaterialError(
                f'the signing key "{self.signer.verification_method}" is not a key of the issuer "{self.profile.did}"'
            )

    def issue(
        self,
        achievement: AchievementDefinition | Mapping[str, Any],
        learner: Learner,
        *,
        achievement_id: str,
        version: int = 1,
        now: datetime | None = None,
        valid_until: datetime | None = None,
        grade: str | None = None,
        credential_status: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The signed AchievementCredential awarding ``achievement`` (a definition, or its JSON with camelCase
        keys) published at ``achievement_id`` to ``learner``, awarded and valid from ``now`` (default: the
        current time); ValidationFailed lists every missing EU element or schema error before anything is signed.
        """
        definition = (
            achievement
            if isinstance(achievement, AchievementDefinition)
            else AchievementDefinition.model_validate(achievement)
        )
        at = now or datetime.now(UTC)
        unsigned = build_credential(
            credential_id=f"urn:uuid:{uuid.uuid4()}",
            issuer=self.profile,
            achievement=achievement_document(
                definition.normalized(), achievement_id=achievement_id, version=version
            ),
            award=Award(
                learner=learner, awarded_date=at, valid_from=at, valid_until=valid_until, grade=grade
            ),
            salt=secrets.token_hex(16),
            credential_status=credential_status,
        )
        check_before_signing(unsigned)
        return proof_as_set(
            sign(unsigned, signer=self.signer, loader=self.loader, created=at, suite=self.suite)
        )
