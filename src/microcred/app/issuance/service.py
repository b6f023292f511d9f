"""Issuing over the database: one credential per request (idempotent), signed with the institution's active key.

Signing and checking are the issuer/suites libraries; this module only adds storage, keys and URLs.
https://w3c-ccg.github.io/vc-api/#issue-credential ; Open Badges 3.0.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.app.db.tables import (
    AchievementVersion,
    Batch,
    Institution,
    IssuedCredential,
)
from microcred.app.institutions.keys import institution_keys
from microcred.app.issuance import data as issuance_data
from microcred.app.status.allocation import StatusAllocator
from microcred.contexts import DocumentLoader, offline_loader
from microcred.issuer import (
    EU_CONTEXT,
    Award,
    IssuerProfile,
    build_credential,
)
from microcred.issuer.achievement import AchievementDefinition
from microcred.issuer.issue_requests import AwardFields, check_award
from microcred.issuer.signing import SignerRecipe, check_and_sign, check_signing_suite
from microcred.keys import KeyStore, Signer
from microcred.vc.errors import (
    Conflict,
    InvalidInput,
    MicrocredError,
)

__all__ = ["Issuer", "check_possible", "credential_json", "issue_idempotent", "request_hash"]

_LOADER = offline_loader()
_OPENED: weakref.WeakKeyDictionary[KeyStore, dict[tuple[str, bytes], Signer]] = weakref.WeakKeyDictionary()
"""Opened Signers per KeyStore instance, keyed by verification method and sealed secret."""


def credential_json(row: IssuedCredential) -> dict[str, Any]:
    """The stored signed credential."""
    document: dict[str, Any] = json.loads(row.document)
    return document


@dataclass
class Issuer:
    """Issues for one institution: its Profile, its active signer (unsealed once), the pinned loader."""

    institution: Institution
    keystore: KeyStore
    loader: DocumentLoader = field(default=_LOADER)
    status: StatusAllocator | None = None
    """Status lists: claims the credential's status entries in the issuing transaction."""
    eu_context: str = EU_CONTEXT
    """The URL of our EU context in the credentials (``Settings.eu_context``: on this deployment by default)."""
    _signers: dict[str, Signer] = field(default_factory=dict)

    @property
    def profile(self) -> IssuerProfile:
        """The institution as an OB3 Profile."""
        i = self.institution
        return IssuerProfile(did=i.did, name=i.name, url=i.url, country=i.country, region=i.region)

    def signer(self, session: Session, *, suite: str = "eddsa-rdfc-2022") -> Signer:
        """The active key's Signer (unsealed once per Issuer): ``#key-N`` (Multikey) for eddsa-rdfc-2022,
        ``#key-N-2020`` (the same key as Ed25519VerificationKey2020 in the DID document) for Ed25519Signature2020."""
        if suite not in self._signers:
            ring = institution_keys(self.institution)
            key = ring.active(session)
            method = ring.method_for(key.kid, suite)
            # Unsealing costs ~0.7 ms; the opened Signer is kept per keystore, keyed by the sealed secret itself,
            # so a rotated key (another sealed secret) is never served from the cache.
            cache = _OPENED.setdefault(self.keystore, {})
            cache_key = (method, key.sealed_secret)
            if cache_key not in cache:
                if len(cache) >= 1024:
                    cache.clear()
                cache[cache_key] = self.keystore.signer(
                    key_id=ring.store_id(key.kid), sealed_secret=key.sealed_secret, verification_method=method
                )
            self._signers[suite] = cache[cache_key]
        return self._signers[suite]

    def prepare(
        self,
        *,
        version: AchievementVersion,
        award: Award,
        credential_status: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        session: Session | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """A new credential id and the unsigned credential (not yet checked); with a ``session``, the ``status``
        hook claims its status entries (same transaction)."""
        public_id = str(uuid.uuid4())
        if credential_status is None and self.status is not None and session is not None:
            credential_status = self.status(
                session, institution=self.institution, credential_public_id=public_id
            )
        unsigned = build_credential(
            credential_id=f"urn:uuid:{public_id}",
            issuer=self.profile,
            achievement=version.document,
            award=award,
            salt=secrets.token_hex(16),
            credential_status=credential_status,
            eu_context=self.eu_context,
        )
        return public_id, unsigned

    def prepare_many(
        self, session: Session, *, version: AchievementVersion, awards: Sequence[Award]
    ) -> list[tuple[str, dict[str, Any]] | MicrocredError]:
        """``prepare`` for many awards at once (the ``status`` hook claims all their entries in a few statements):
        per award, (credential id, unsigned credential) or the error that award's credential met."""
        public_ids = [str(uuid.uuid4()) for _ in awards]
        statuses: Sequence[Any] = (
            self.status.many(session, institution=self.institution, credential_public_ids=public_ids)
            if self.status is not None and public_ids
            else [None] * len(public_ids)
        )
        profile = self.profile
        out: list[tuple[str, dict[str, Any]] | MicrocredError] = []
        for public_id, award, status in zip(public_ids, awards, statuses, strict=True):
            try:
                unsigned = build_credential(
                    credential_id=f"urn:uuid:{public_id}",
                    issuer=profile,
                    achievement=version.document,
                    award=award,
                    salt=secrets.token_hex(16),
                    credential_status=status,
                    eu_context=self.eu_context,
                )
            except MicrocredError as exc:
                out.append(exc)
            else:
                out.append((public_id, unsigned))
        return out

    def record(
        self,
        session: Session,
        *,
        public_id: str,
        document: str,
        version: AchievementVersion,
        award: Award,
        suite: str,
        now: datetime,
        idempotency_key: str | None = None,
        request_hash: str | None = None,
        batch: Batch | None = None,
        row_number: int | None = None,
    ) -> IssuedCredential:
        """Add the signed credential (JSON text) to the session; the version is frozen from now on."""
        row = IssuedCredential(
            public_id=public_id,
            institution_id=self.institution.id,
            achievement_version_id=version.id,
            subject_did=award.learner.did,
            suite=suite,
            document=document,
            issued_at=now,
            valid_from=award.valid_from,
            valid_until=award.valid_until,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            batch_id=batch.id if batch else None,
            batch_row=row_number,
        )
        if version.used_at is None:
            version.used_at = now
        session.add(row)
        return row

    def issue(
        self,
        session: Session,
        *,
        version: AchievementVersion,
        award: Award,
        suite: str,
        now: datetime,
        idempotency_key: str | None = None,
        request_hash: str | None = None,
        batch: Batch | None = None,
        row_number: int | None = None,
    ) -> IssuedCredential:
        """Build, check (OB3 schema + EU completeness), sign and add one credential to the session (not committed)."""
        check_signing_suite(suite, pointer="/options/cryptosuite")
        public_id, unsigned = self.prepare(version=version, award=award, session=session)
        document = check_and_sign(
            unsigned, signer=self.signer(session, suite=suite), suite=suite, now=now, loader=self.loader
        )
        return self.record(
            session,
            public_id=public_id,
            document=document,
            version=version,
            award=award,
            suite=suite,
            now=now,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            batch=batch,
            row_number=row_number,
        )

    def recipe(self, session: Session, *, suite: str, kek: bytes) -> SignerRecipe:
        """How a worker process opens this institution's active signer itself (sealed seed + key-encryption key)."""
        return institution_keys(self.institution).recipe(session, kek=kek, suite=suite)


def check_possible(version: AchievementVersion, award: Award, *, now: datetime, fields: AwardFields) -> None:
    """The award's impossible values refused (ECTS, grade, dates), each named at ``fields`` in the request."""
    check_award(
        award,
        definition=AchievementDefinition.model_validate(version.definition),
        defined_at=version.created_at,
        now=now,
        fields=fields,
    )


def request_hash(route: str, body: Any) -> str:
    """A digest of what a request asked for (to tell a retry from a different request with the same key)."""
    canonical = json.dumps(
        {"route": route, "body": body}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def issue_idempotent(
    session: Session,
    *,
    issuer: Issuer,
    key: str | None,
    digest: str,
    make: Callable[[], IssuedCredential],
) -> tuple[IssuedCredential, bool]:
    """Run ``make`` unless ``key`` was already used; (credential, created). Same key + other request → Conflict.

    Concurrent requests with one key: the unique (institution, key) index lets one insert win; on PostgreSQL the
    others' inserts wait for it to commit, then fail. ``make`` runs in a savepoint, so a loser undoes only its own
    insert (and the status entries it claimed) and answers with the winner's credential from the same transaction.
    """
    if key is not None:
        if not 1 <= len(key) <= 200:
            raise InvalidInput(
                '"Idempotency-Key" must be 1-200 characters', pointer="/headers/Idempotency-Key"
            )
        existing = issuance_data.credential_by_idempotency_key(
            session, institution=issuer.institution, key=key
        )
        if existing is not None:
            return _replay(existing, digest), False
    if key is None:
        row = make()
        session.flush()
        return row, True
    try:
        with session.begin_nested():
            row = make()
            session.flush()
    except IntegrityError:
        # Read committed (PostgreSQL's default): this statement sees the winner, committed before our insert failed.
        existing = issuance_data.credential_by_idempotency_key(
            session, institution=issuer.institution, key=key
        )
        if existing is None:
            raise
        return _replay(existing, digest), False
    return row, True


def _replay(existing: IssuedCredential, digest: str) -> IssuedCredential:
    if existing.request_hash != digest:
        raise Conflict(
            "this Idempotency-Key was already used for a different request",
            pointer="/headers/Idempotency-Key",
        )
    return existing
