"""Issuing over the database: achievement versions, one credential per request (idempotent), bulk batches.

Signing and checking are the issuer/suites libraries; this module only adds storage, keys and URLs.
https://w3c-ccg.github.io/vc-api/#issue-credential ; Open Badges 3.0; Council Recommendation 2022/C 243/01.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from microcred.app.db.engine import begins_immediate
from microcred.app.db.tables import (
    Achievement,
    AchievementVersion,
    Batch,
    BatchRow,
    Institution,
    IssuedCredential,
)
from microcred.app.institutions import data as base_repo
from microcred.app.institutions.keyring import verification_method
from microcred.app.issuance import data as repo
from microcred.app.status.service import StatusAllocator
from microcred.contexts import DocumentLoader, offline_loader
from microcred.issuer import (
    CONTEXTS,
    AchievementDefinition,
    Award,
    IssuerProfile,
    Learner,
    achievement_document,
    build_credential,
    vocabulary,
)
from microcred.issuer.signing import SignerRecipe, check_and_sign, sign_in_worker, signing_pool
from microcred.keys import KeyStore, Signer
from microcred.vc.errors import (
    Conflict,
    InvalidInput,
    IssuerMismatch,
    KeyMaterialError,
    MicrocredError,
    NotFound,
)

__all__ = [
    "SUITES",
    "BatchProgress",
    "Issuer",
    "achievement_url",
    "create_achievement",
    "create_batch",
    "credential_json",
    "parse_vcapi_credential",
    "process_batch",
    "update_achievement",
    "version_url",
]

SUITES = ("eddsa-rdfc-2022", "Ed25519Signature2020")
_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]+(#.*)?$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_LOADER = offline_loader()
_OPENED: weakref.WeakKeyDictionary[KeyStore, dict[tuple[str, bytes], Signer]] = weakref.WeakKeyDictionary()
"""Opened Signers per KeyStore instance, keyed by verification method and sealed secret."""


def achievement_url(base_url: str, public_id: str) -> str:
    """The catalogue URL of an achievement (its newest version)."""
    return f"{base_url}/achievements/{public_id}"


def version_url(base_url: str, public_id: str, version: int) -> str:
    """The immutable URL of one version: the ``achievement.id`` in credentials issued from it."""
    return f"{achievement_url(base_url, public_id)}/versions/{version}"


def _eqf(definition: AchievementDefinition) -> int:
    return int(vocabulary("eqf-levels").by_uri[definition.eqf_level].code)


def _isced(definition: AchievementDefinition) -> str | None:
    return vocabulary("isced-f").by_uri[definition.isced_f[0]].code if definition.isced_f else None


def create_achievement(
    session: Session,
    *,
    institution: Institution,
    definition: AchievementDefinition,
    base_url: str,
    now: datetime,
    public_id: str | None = None,
) -> AchievementVersion:
    """A new achievement with version 1 (vocabularies checked: ValidationFailed lists every bad value).

    ``public_id`` (default: a random UUID) is the id in its URLs; the dev demo uses a readable one.
    """
    normalized = definition.normalized()
    achievement = repo.add_achievement(
        session, institution=institution, public_id=public_id or str(uuid.uuid4()), now=now
    )
    return _add_version(
        session, achievement=achievement, definition=normalized, version=1, base_url=base_url, now=now
    )


def _add_version(
    session: Session,
    *,
    achievement: Achievement,
    definition: AchievementDefinition,
    version: int,
    base_url: str,
    now: datetime,
) -> AchievementVersion:
    document = achievement_document(
        definition, achievement_id=version_url(base_url, achievement.public_id, version), version=version
    )
    return repo.add_version(
        session,
        achievement=achievement,
        version=version,
        name=definition.name,
        eqf_level=_eqf(definition),
        ects=definition.ects,
        isced_f=_isced(definition),
        definition=definition.model_dump(mode="json", by_alias=True, exclude_none=True),
        document=document,
        now=now,
    )


def update_achievement(
    session: Session,
    *,
    achievement: Achievement,
    definition: AchievementDefinition,
    base_url: str,
    now: datetime,
) -> AchievementVersion:
    """Change an achievement: the newest version is edited while no credential used it, else a new version."""
    normalized = definition.normalized()
    latest = repo.latest_version(session, achievement=achievement)
    if latest.used_at is None:
        latest.name = normalized.name
        latest.eqf_level = _eqf(normalized)
        latest.ects = normalized.ects
        latest.isced_f = _isced(normalized)
        latest.definition = normalized.model_dump(mode="json", by_alias=True, exclude_none=True)
        latest.document = achievement_document(
            normalized,
            achievement_id=version_url(base_url, achievement.public_id, latest.version),
            version=latest.version,
        )
        latest.created_at = now
        session.flush()
        return latest
    return _add_version(
        session,
        achievement=achievement,
        definition=normalized,
        version=latest.version + 1,
        base_url=base_url,
        now=now,
    )


def resolve_achievement_url(
    session: Session, *, url: str, base_url: str, institution: Institution, pointer: str
) -> AchievementVersion:
    """The version an achievement URL of this catalogue names (the newest one for the unversioned URL)."""
    prefix = f"{base_url}/achievements/"
    if not isinstance(url, str) or not url.startswith(prefix):
        raise InvalidInput(
            f'"achievement.id" must be an achievement URL of this catalogue ({prefix}…)', pointer=pointer
        )
    parts = urlsplit(url).path.split("/achievements/", 1)[1].split("/")
    try:
        if len(parts) == 1:  # the common case, one query
            return repo.newest_version_by_public_id(session, public_id=parts[0], institution=institution)
        achievement = repo.get_achievement(session, public_id=parts[0], institution=institution)
        if len(parts) == 3 and parts[1] == "versions" and parts[2].isdigit():
            return repo.version_of(session, achievement=achievement, version=int(parts[2]))
    except NotFound:
        raise InvalidInput(f'"{url}" is not an achievement of this institution', pointer=pointer) from None
    raise InvalidInput(f'"{url}" is not an achievement URL', pointer=pointer)


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
            active = base_repo.signing_keys(session, institution=self.institution, states=("active",))
            if not active:
                raise KeyMaterialError(f'institution "{self.institution.slug}" has no active signing key')
            vm = verification_method(self.institution, active[0].kid)
            method = f"{vm}-2020" if suite == "Ed25519Signature2020" else vm
            # Unsealing costs ~0.7 ms; the opened Signer is kept per keystore, keyed by the sealed secret itself,
            # so a rotated key (another sealed secret) is never served from the cache.
            cache = _OPENED.setdefault(self.keystore, {})
            cache_key = (method, active[0].sealed_secret)
            if cache_key not in cache:
                if len(cache) >= 1024:
                    cache.clear()
                cache[cache_key] = self.keystore.signer(
                    key_id=vm, sealed_secret=active[0].sealed_secret, verification_method=method
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
        _check_suite(suite)
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
        active = base_repo.signing_keys(session, institution=self.institution, states=("active",))
        if not active:
            raise KeyMaterialError(f'institution "{self.institution.slug}" has no active signing key')
        vm = verification_method(self.institution, active[0].kid)
        return SignerRecipe(
            kek=kek,
            key_id=vm,
            sealed_secret=active[0].sealed_secret,
            verification_method=f"{vm}-2020" if suite == "Ed25519Signature2020" else vm,
        )


def _check_suite(suite: str) -> None:
    if suite not in SUITES:
        raise InvalidInput(
            f'"cryptosuite" must be one of {", ".join(SUITES)}', pointer="/options/cryptosuite"
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
        existing = repo.credential_by_idempotency_key(session, institution=issuer.institution, key=key)
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
        existing = repo.credential_by_idempotency_key(session, institution=issuer.institution, key=key)
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


# --- VC-API: an unsigned credential to complete -------------------------------------------------------------------

_ALLOWED_TOP = {
    "@context",
    "type",
    "id",
    "issuer",
    "validFrom",
    "validUntil",
    "awardedDate",
    "name",
    "credentialSubject",
    "evidence",
    "credentialSchema",
}
_ALLOWED_SUBJECT = {"type", "id", "identifier", "achievement", "result", "creditsEarned", "assessmentDate"}
_ALLOWED_EVIDENCE = {"id", "type", "name", "narrative", "description", "genre", "audience"}


def _datetime(value: Any, pointer: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidInput(f'"{pointer[1:]}" must be a date-time string', pointer=pointer)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f'"{pointer[1:]}" must be an ISO 8601 date-time', pointer=pointer) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f'"{pointer[1:]}" needs a timezone (e.g. "Z")', pointer=pointer)
    return parsed


def evidence_items(items: Any, pointer: str) -> list[dict[str, Any]]:
    """Evidence entries limited to OB3 Evidence properties (anything else would be dropped when signing)."""
    if items is None:
        return []
    if not isinstance(items, list):
        items = [items]
    out: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or set(item) - _ALLOWED_EVIDENCE:
            raise InvalidInput(
                f'"evidence" items are objects with only {", ".join(sorted(_ALLOWED_EVIDENCE))}',
                pointer=f"{pointer}/{index}",
            )
        out.append({k: v for k, v in item.items() if k != "type" and isinstance(v, str)})
    return out


@dataclass(frozen=True)
class VcApiRequest:
    """What a VC-API issue request asks for, once checked."""

    achievement_url: str
    award: Award


def parse_vcapi_credential(credential: Any, *, issuer_did: str, now: datetime) -> VcApiRequest:
    """Check an unsigned VC-API credential: our contexts, our issuer (else IssuerMismatch), known fields only."""
    if not isinstance(credential, Mapping):
        raise InvalidInput('"credential" must be an object', pointer="/credential")
    unknown = sorted(set(credential) - _ALLOWED_TOP)
    if unknown:
        raise InvalidInput(
            f"unsupported credential properties: {', '.join(unknown)}", pointer=f"/credential/{unknown[0]}"
        )
    contexts = credential.get("@context", list(CONTEXTS))
    if (
        not isinstance(contexts, list)
        or not contexts
        or contexts[0] != CONTEXTS[0]
        or set(contexts) - set(CONTEXTS)
    ):
        raise InvalidInput(
            f'"@context" must start with {CONTEXTS[0]} and use only {", ".join(CONTEXTS)}',
            pointer="/credential/@context",
        )
    types = credential.get("type", ["VerifiableCredential"])
    types = [types] if isinstance(types, str) else types
    if (
        not isinstance(types, list)
        or "VerifiableCredential" not in types
        or set(types)
        - {
            "VerifiableCredential",
            "AchievementCredential",
            "OpenBadgeCredential",
        }
    ):
        raise InvalidInput(
            '"type" must be VerifiableCredential (+ AchievementCredential)', pointer="/credential/type"
        )
    given_issuer = credential.get("issuer")
    if given_issuer is not None:
        given_id = given_issuer.get("id") if isinstance(given_issuer, Mapping) else given_issuer
        if given_id != issuer_did:
            raise IssuerMismatch(
                f'"issuer" must be this institution ({issuer_did}) or left out', pointer="/credential/issuer"
            )
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise InvalidInput('"credentialSubject" must be an object', pointer="/credential/credentialSubject")
    unknown = sorted(set(subject) - _ALLOWED_SUBJECT)
    if unknown:
        raise InvalidInput(
            f"unsupported credentialSubject properties: {', '.join(unknown)}",
            pointer=f"/credential/credentialSubject/{unknown[0]}",
        )
    achievement = subject.get("achievement")
    if not isinstance(achievement, Mapping) or not isinstance(achievement.get("id"), str):
        raise InvalidInput(
            '"credentialSubject.achievement" must be {"id": <achievement URL from the catalogue>}',
            pointer="/credential/credentialSubject/achievement",
        )
    learner = _learner(subject)
    grade = None
    results = subject.get("result")
    if results:
        first = results[0] if isinstance(results, list) else results
        if not isinstance(first, Mapping) or not isinstance(first.get("value"), str):
            raise InvalidInput(
                '"result" needs a "value" (the grade)', pointer="/credential/credentialSubject/result"
            )
        grade = first["value"]
    credits = subject.get("creditsEarned")
    if credits is not None and (
        not isinstance(credits, int | float) or isinstance(credits, bool) or credits < 0
    ):
        raise InvalidInput(
            '"creditsEarned" must be a number', pointer="/credential/credentialSubject/creditsEarned"
        )
    valid_from = _datetime(credential["validFrom"], "/validFrom") if "validFrom" in credential else now
    award = Award(
        learner=learner,
        awarded_date=_datetime(credential["awardedDate"], "/awardedDate")
        if "awardedDate" in credential
        else valid_from,
        valid_from=valid_from,
        valid_until=_datetime(credential["validUntil"], "/validUntil")
        if "validUntil" in credential
        else None,
        grade=grade,
        ects_awarded=float(credits) if credits is not None else None,
        assessment_date=_datetime(subject["assessmentDate"], "/assessmentDate")
        if "assessmentDate" in subject
        else None,
        evidence=evidence_items(credential.get("evidence"), "/credential/evidence"),
    )
    return VcApiRequest(achievement_url=achievement["id"], award=award)


def _learner(subject: Mapping[str, Any]) -> Learner:
    did = subject.get("id")
    if did is not None and (not isinstance(did, str) or not _DID.match(did)):
        raise InvalidInput('"credentialSubject.id" must be a DID', pointer="/credential/credentialSubject/id")
    name = email = None
    for index, item in enumerate(subject.get("identifier") or []):
        pointer = f"/credential/credentialSubject/identifier/{index}"
        if not isinstance(item, Mapping) or item.get("hashed") is not False:
            raise InvalidInput(
                'give identifiers in plain text ({"identityType": "emailAddress"|"name", "hashed": false, '
                '"identityHash": ...}); the service hashes the e-mail with a fresh salt',
                pointer=pointer,
            )
        kind, value = item.get("identityType"), item.get("identityHash")
        if kind == "emailAddress" and isinstance(value, str) and "@" in value:
            email = value
        elif kind == "name" and isinstance(value, str) and value.strip():
            name = value
        else:
            raise InvalidInput('identifiers must be an "emailAddress" or a "name"', pointer=pointer)
    if did is None and email is None:
        raise InvalidInput(
            '"credentialSubject" needs "id" (a DID) or an "emailAddress" identifier',
            pointer="/credential/credentialSubject",
        )
    return Learner(did=did, name=name, email=email)


def learner_from_fields(*, did: str | None, name: str | None, email: str | None, pointer: str) -> Learner:
    """A learner from plain fields (awards route, CSV/JSONL rows)."""
    if did:
        if not _DID.match(did):
            raise InvalidInput('"did" must be a DID (did:method:...)', pointer=f"{pointer}/did")
        return Learner(did=did, name=name or None, email=email or None)
    if not email or "@" not in email or len(email) > 320:
        raise InvalidInput('a learner needs "did" or a valid "email"', pointer=f"{pointer}/email")
    return Learner(name=name or None, email=email)


# --- Bulk -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch stands."""

    total: int
    done: int
    failed: int
    remaining: int


def create_batch(
    session: Session,
    *,
    institution: Institution,
    version: AchievementVersion,
    rows: Sequence[tuple[int, dict[str, Any] | None, str | None]],
    suite: str,
    now: datetime,
) -> Batch:
    """A batch with one row per learner; rows that did not parse are stored failed with their error."""
    if suite not in SUITES:
        raise InvalidInput(f'"cryptosuite" must be one of {", ".join(SUITES)}', pointer="/cryptosuite")
    if not rows:
        raise InvalidInput("the batch has no learner rows", pointer="/body")
    batch = Batch(
        public_id=str(uuid.uuid4()),
        institution_id=institution.id,
        achievement_version_id=version.id,
        suite=suite,
        total=len(rows),
        created_at=now,
    )
    session.add(batch)
    session.flush()
    session.add_all(
        BatchRow(
            batch_id=batch.id,
            row_number=number,
            payload=payload or {},
            state="failed" if error else "pending",
            error=error,
        )
        for number, payload, error in rows
    )
    session.flush()
    return batch


def award_from_row(payload: Mapping[str, Any], *, now: datetime, pointer: str) -> Award:
    """The Award of one batch row (already shaped by ``issuer.bulk``)."""
    learner = learner_from_fields(
        did=payload.get("did"), name=payload.get("name"), email=payload.get("email"), pointer=pointer
    )

    def when(key: str) -> datetime | None:
        value = payload.get(key)
        return _datetime(value, f"{pointer}/{key}") if value else None

    valid_from = when("validFrom") or now
    evidence = [{"id": payload["evidenceUrl"], "name": "Evidence"}] if payload.get("evidenceUrl") else []
    return Award(
        learner=learner,
        awarded_date=when("awardedDate") or valid_from,
        valid_from=valid_from,
        valid_until=when("validUntil"),
        grade=payload.get("grade") or None,
        ects_awarded=float(payload["ects"]) if payload.get("ects") not in (None, "") else None,
        assessment_date=when("assessmentDate"),
        evidence=evidence,
    )


def process_batch(
    sessions: sessionmaker[Session],
    *,
    batch_id: int,
    keystore: KeyStore,
    clock: Callable[[], datetime],
    chunk: int = 200,
    progress: Callable[[BatchProgress], None] | None = None,
    max_chunks: int | None = None,
    kek: bytes | None = None,
    workers: int = 1,
    min_pool_rows: int = 50,
    status: StatusAllocator | None = None,
) -> BatchProgress:
    """Issue every pending row of a batch, one transaction per chunk; safe to run in several workers at once.

    A chunk's credentials and row states commit together, so a crash loses at most the uncommitted chunk, whose
    rows stay pending and are issued by the next run; the unique (batch, row) key makes a duplicate impossible.
    With ``workers`` > 1 (and the ``kek``), checking and signing run in that many worker processes, each of
    which unseals the signer itself (started once a chunk has ``min_pool_rows`` rows). ``max_chunks`` stops early (a worker's share).
    """
    issuer: Issuer | None = None
    pool: ProcessPoolExecutor | None = None
    chunks = 0
    clean = False
    try:
        while True:
            with sessions() as session, session.begin():
                _take_write_lock(session, batch_id)
                batch = session.get(Batch, batch_id)
                if batch is None:
                    raise NotFound(f"no batch {batch_id}")
                version = session.get(AchievementVersion, batch.achievement_version_id)
                institution = session.get(Institution, batch.institution_id)
                if version is None or institution is None:  # foreign keys make this unreachable
                    raise NotFound(f"batch {batch_id} lost its achievement version or institution")
                if issuer is None:
                    issuer = Issuer(institution=institution, keystore=keystore, status=status)
                else:
                    issuer.institution = institution
                rows = repo.claim_rows(session, batch=batch, limit=chunk)
                if not rows:
                    counts = repo.batch_counts(session, batch=batch)
                    if batch.finished_at is None:
                        batch.finished_at = clock()
                    result = _progress(batch, counts)
                    break
                if pool is None and workers > 1 and kek is not None and len(rows) >= min_pool_rows:
                    pool = signing_pool(issuer.recipe(session, suite=batch.suite, kek=kek), workers=workers)
                _issue_rows(
                    session,
                    issuer=issuer,
                    batch=batch,
                    version=version,
                    rows=rows,
                    now=clock(),
                    pool=pool,
                    workers=workers,
                )
                counts = repo.batch_counts(session, batch=batch)
                current = _progress(batch, counts)
            if progress is not None:
                progress(current)
            chunks += 1
            if max_chunks is not None and chunks >= max_chunks:
                clean = True
                return current
        clean = True
    finally:
        if pool is not None:
            _close_pool(pool, clean=clean)
    if progress is not None:
        progress(result)
    return result


def _take_write_lock(session: Session, batch_id: int) -> None:
    """SQLite: start the chunk's transaction holding the one writer lock, so concurrent workers queue for it (busy
    timeout) instead of failing when a read snapshot cannot be upgraded: ``app.db`` engines begin with ``BEGIN
    IMMEDIATE``; on another SQLite engine a no-op write takes it. PostgreSQL needs nothing: rows are claimed with
    SKIP LOCKED."""
    if session.get_bind().dialect.name == "sqlite" and not begins_immediate(session.connection()):
        session.execute(update(Batch).where(Batch.id == batch_id).values(total=Batch.total))


def _issue_rows(
    session: Session,
    *,
    issuer: Issuer,
    batch: Batch,
    version: AchievementVersion,
    rows: Sequence[BatchRow],
    now: datetime,
    pool: ProcessPoolExecutor | None,
    workers: int,
) -> None:
    """Issue one claimed chunk: awards parsed here, check + sign here or in the pool, rows and credentials added."""
    _check_suite(batch.suite)
    parsed: list[tuple[BatchRow, Award]] = []
    for row in rows:
        try:
            parsed.append((row, award_from_row(row.payload, now=now, pointer=f"/rows/{row.row_number}")))
        except MicrocredError as exc:
            row.state, row.error = "failed", exc.detail
    # The chunk's status entries are claimed together (a few multi-row statements, not three per credential).
    prepared = issuer.prepare_many(session, version=version, awards=[award for _, award in parsed])
    ready: list[tuple[BatchRow, Award, str, dict[str, Any]]] = []
    for (row, award), outcome in zip(parsed, prepared, strict=True):
        if isinstance(outcome, MicrocredError):
            row.state, row.error = "failed", outcome.detail
        else:
            ready.append((row, award, *outcome))
    if pool is not None:
        size = max(1, -(-len(ready) // (4 * workers)))
        futures: list[Future[list[tuple[bool, str]]]] = [
            pool.submit(sign_in_worker, [r[3] for r in ready[i : i + size]], batch.suite, now)
            for i in range(0, len(ready), size)
        ]
        outcomes = [outcome for future in _results(pool, futures) for outcome in future.result()]
    else:
        signer = issuer.signer(session, suite=batch.suite)
        outcomes = []
        for _, _, _, unsigned in ready:
            try:
                outcomes.append(
                    (
                        True,
                        check_and_sign(
                            unsigned, signer=signer, suite=batch.suite, now=now, loader=issuer.loader
                        ),
                    )
                )
            except MicrocredError as exc:
                outcomes.append((False, exc.detail))
    # Bulk statements (no per-object unit of work): one INSERT of the chunk's credentials and one UPDATE of its rows.
    inserts: list[dict[str, Any]] = []
    for (row, award, public_id, _), (ok, text) in zip(ready, outcomes, strict=True):
        if not ok:
            row.state, row.error = "failed", text
            continue
        inserts.append(
            {
                "public_id": public_id,
                "institution_id": issuer.institution.id,
                "achievement_version_id": version.id,
                "subject_did": award.learner.did,
                "suite": batch.suite,
                "document": text,
                "issued_at": now,
                "valid_from": award.valid_from,
                "valid_until": award.valid_until,
                "batch_id": batch.id,
                "batch_row": row.row_number,
            }
        )
        row.state, row.credential_id = "done", public_id
    if inserts:
        if version.used_at is None:
            version.used_at = now
        session.execute(insert(IssuedCredential), inserts)
    session.flush()


_WORKER_CHECK_SECONDS = 1.0


def _workers_lost(pool: ProcessPoolExecutor) -> bool:
    # The executor's own table of worker processes (CPython keeps it in ``_processes``).
    processes = getattr(pool, "_processes", None) or {}
    return any(not process.is_alive() for process in list(processes.values()))


def _results(
    pool: ProcessPoolExecutor, futures: list[Future[list[tuple[bool, str]]]]
) -> list[Future[list[tuple[bool, str]]]]:
    """The futures, once all are done. A worker that dies (killed, out of memory) should break the pool, but the
    executor can hang instead of saying so (its queues are left mid-message); so the workers are checked every
    second and a lost one raises BrokenProcessPool: the chunk rolls back and its rows are worked again later."""
    pending: set[Future[list[tuple[bool, str]]]] = set(futures)
    while pending:
        _, pending = wait(pending, timeout=_WORKER_CHECK_SECONDS, return_when=FIRST_EXCEPTION)
        if any(f.done() and f.exception() is not None for f in futures):
            break  # raised by the caller's result()
        if pending and _workers_lost(pool):
            raise BrokenProcessPool("a signing worker process died")
    return futures


def _close_pool(pool: ProcessPoolExecutor, *, clean: bool) -> None:
    """Shut the signing pool down; after a failure without waiting (a broken pool may never finish joining) and
    with its remaining workers killed, so none is left behind."""
    if clean:
        pool.shutdown(cancel_futures=True)
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()


def _progress(batch: Batch, counts: Mapping[str, int]) -> BatchProgress:
    return BatchProgress(
        total=batch.total, done=counts["done"], failed=counts["failed"], remaining=counts["pending"]
    )
