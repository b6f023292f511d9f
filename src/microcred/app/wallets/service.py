"""Wallet offers in the database: create, redeem the pre-authorized code once, access tokens, c_nonces, and
issuing the offered credential bound to the holder's DID; also offers that deliver an already issued credential
(started from its learner page), which the wallet gets as is or re-issued bound to its DID.

Only hashes of the offer reference, the pre-authorized code, the transaction code, access tokens and nonces are
stored. Each redemption is one conditional ``UPDATE … WHERE state = …``, so two concurrent requests cannot both
succeed. https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#name-pre-authorized-code-flow
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from microcred.app.db.tables import (
    AchievementVersion,
    Institution,
    IssuedCredential,
    WalletOffer,
)
from microcred.app.issuance.service import Issuer, check_possible, credential_json
from microcred.app.status.allocation import StatusAllocator
from microcred.app.status.data import set_statuses
from microcred.app.wallets.redemption import exchange_refusal
from microcred.issuer import EU_CONTEXT, Award, Learner, check_before_signing
from microcred.issuer.issue_requests import AWARDS_ROUTE_FIELDS, evidence_items, learner_from_fields
from microcred.issuer.offer_state import Refusal
from microcred.issuer.offers import (
    TX_CODE_LENGTH,
    OfferLinks,
    hash_secret,
    new_reference,
    new_tx_code,
    offer_links,
    pre_authorized_code,
    rebind_credential,
    tx_code_hash,
    tx_code_key,
    wrap_tx_key,
)
from microcred.issuer.signing import check_and_sign
from microcred.keys import KeyStore
from microcred.vc.errors import (
    Conflict,
    MicrocredError,
    NotFound,
)

__all__ = [
    "DELIVERY_OFFER_TTL",
    "MAX_REISSUES",
    "NewOffer",
    "create_offer",
    "current_code",
    "deliver_issued",
    "issue_offer",
    "offer_by_reference",
    "offer_issued_credential",
    "offer_status",
    "wallet_links",
]

PLACEHOLDER_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
"""Stands in for the (not yet known) holder when the offer is checked at creation."""
DELIVERY_OFFER_TTL = timedelta(hours=1)
"""How long an offer started from a learner page stays open (it is scanned right away; a new one is a click away)."""
MAX_REISSUES = 10
"""DID-bound re-issues of one credential (one per wallet DID): the learner link must not mint credentials at will."""


@dataclass(frozen=True)
class NewOffer:
    """A created offer and its one-time secrets (shown to the institution once, never stored)."""

    row: WalletOffer
    reference: str
    tx_code: str | None
    links: OfferLinks


def wallet_links(*, base_url: str, reference: str, with_tx_code: bool, code: str | None = None) -> OfferLinks:
    """The links of an offer (page, OpenID4VCI offer URI and deep links, VC-API exchange, LCW deep link); the
    by-value OpenID4VCI link only when the current pre-authorized ``code`` is given."""
    return offer_links(
        base_url=base_url,
        reference=reference,
        code=code,
        tx_code_length=TX_CODE_LENGTH if with_tx_code else None,
    )


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _mint_code(row: WalletOffer, *, reference: str, now: datetime, code_ttl: timedelta) -> str:
    """Start a new code window: a new pre-authorized code (the previous one stops working)."""
    minted = now.replace(microsecond=0)
    code = pre_authorized_code(reference, minted_at=_stamp(minted))
    row.code_minted_at = minted
    row.code_expires_at = min(minted + code_ttl, row.expires_at)
    row.code_hash = hash_secret(code)
    if row.tx_code_hash is not None:
        row.tx_key_wrapped = wrap_tx_key(tx_code_key(reference), code)
    return code


def current_code(
    session: Session, *, row: WalletOffer, reference: str, now: datetime, code_ttl: timedelta
) -> str:
    """The pre-authorized code to put in the offer: the current one while at least half its lifetime is left
    (a wallet may fetch the offer twice), else a new one."""
    if row.code_expires_at - now >= code_ttl / 2:
        return pre_authorized_code(reference, minted_at=_stamp(row.code_minted_at))
    code = _mint_code(row, reference=reference, now=now, code_ttl=code_ttl)
    session.flush()
    return code


def award_of(offer: WalletOffer, *, holder: str) -> Award:
    """The offered Award, bound to the holder's DID (name and e-mail from the offer are kept)."""
    data = offer.award
    learner = data.get("learner", {})

    def when(key: str, source: dict[str, Any] = data) -> datetime | None:
        value = source.get(key)  # written by the offer API from timezone-aware datetimes
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None

    result = data.get("result", {})
    valid_from = when("validFrom") or offer.created_at
    return Award(
        learner=Learner(did=holder, name=learner.get("name"), email=learner.get("email")),
        awarded_date=when("awardedDate") or valid_from,
        valid_from=valid_from,
        valid_until=when("validUntil"),
        grade=result.get("grade"),
        ects_awarded=result.get("ectsAwarded"),
        assessment_date=when("assessmentDate", result),
        evidence=evidence_items(data.get("evidence"), "/evidence"),
    )


def create_offer(
    session: Session,
    *,
    issuer: Issuer,
    version: AchievementVersion,
    award: dict[str, Any],
    suite: str,
    with_tx_code: bool,
    ttl: timedelta,
    code_ttl: timedelta,
    base_url: str,
    now: datetime,
) -> NewOffer:
    """Store an offer of ``version`` to a learner; the award is checked now (OB3 schema, EU completeness) with a
    stand-in holder, so a wallet never meets a credential that cannot be issued."""
    learner = award.get("learner", {})
    if learner.get("did"):
        learner_from_fields(did=learner["did"], name=None, email=None, pointer="/learner")
    reference = new_reference()
    tx_code = new_tx_code() if with_tx_code else None
    row = WalletOffer(
        public_id=str(uuid.uuid4()),
        institution_id=issuer.institution.id,
        achievement_version_id=version.id,
        award=award,
        suite=suite,
        learner_did=learner.get("did") or None,
        reference_hash=hash_secret(reference),
        tx_code_hash=tx_code_hash(tx_code_key(reference), tx_code) if tx_code else None,
        tx_code_failures=0,
        state="offered",
        created_at=now,
        expires_at=now + ttl,
    )
    code = _mint_code(row, reference=reference, now=now, code_ttl=code_ttl)
    offered = award_of(row, holder=row.learner_did or PLACEHOLDER_DID)
    check_possible(version, offered, now=now, fields=AWARDS_ROUTE_FIELDS)
    _, unsigned = issuer.prepare(version=version, award=offered)
    check_before_signing(unsigned)
    if version.used_at is None:
        version.used_at = (
            now  # what was offered (and checked) is what the wallet will get: freeze the version
        )
    session.add(row)
    session.flush()
    links = wallet_links(base_url=base_url, reference=reference, with_tx_code=with_tx_code, code=code)
    return NewOffer(row=row, reference=reference, tx_code=tx_code, links=links)


_STATUS_WORDS = {"revocation": "revoked", "suspension": "suspended"}


def _refuse_unless_deliverable(credential: IssuedCredential) -> None:
    """Conflict while the issuer has revoked or suspended ``credential`` (a copy would not carry that bit)."""
    statuses = set_statuses(credential)
    if statuses:
        raise Conflict(
            f"this credential is {' and '.join(_STATUS_WORDS[s] for s in statuses)}: it cannot be sent"
        )


def _reissue_count(session: Session, *, credential: IssuedCredential) -> int:
    """How many DID-bound re-issues of ``credential`` exist (offers it was delivered by as another credential)."""
    query = select(func.count(func.distinct(WalletOffer.credential_id))).where(
        WalletOffer.source_credential_id == credential.public_id,
        WalletOffer.state == "issued",
        WalletOffer.credential_id != credential.public_id,
    )
    return int(session.scalar(query) or 0)


def offer_issued_credential(
    session: Session,
    *,
    credential: IssuedCredential,
    ttl: timedelta,
    code_ttl: timedelta,
    base_url: str,
    now: datetime,
) -> NewOffer:
    """An offer delivering an already issued credential to a wallet (started from its learner page, whose link is
    the learner's capability: no transaction code). An earlier unredeemed offer of the same credential is
    withdrawn; a revoked or suspended credential, or one re-issued ``MAX_REISSUES`` times, is refused (Conflict)."""
    _refuse_unless_deliverable(credential)
    if credential.subject_did is None and _reissue_count(session, credential=credential) >= MAX_REISSUES:
        raise Conflict(f"this credential was already sent to {MAX_REISSUES} wallets")
    session.execute(
        delete(WalletOffer).where(
            WalletOffer.source_credential_id == credential.public_id, WalletOffer.state == "offered"
        )
    )
    reference = new_reference()
    row = WalletOffer(
        public_id=str(uuid.uuid4()),
        institution_id=credential.institution_id,
        achievement_version_id=credential.achievement_version_id,
        award={},
        suite=credential.suite,
        learner_did=credential.subject_did,
        reference_hash=hash_secret(reference),
        tx_code_hash=None,
        tx_code_failures=0,
        state="offered",
        created_at=now,
        expires_at=now + ttl,
        source_credential_id=credential.public_id,
    )
    code = _mint_code(row, reference=reference, now=now, code_ttl=code_ttl)
    session.add(row)
    session.flush()
    links = wallet_links(base_url=base_url, reference=reference, with_tx_code=False, code=code)
    return NewOffer(row=row, reference=reference, tx_code=None, links=links)


def offer_by_reference(session: Session, *, reference: str, now: datetime) -> WalletOffer:
    """The offer a learner's link names, while it can still be redeemed (NotFound otherwise)."""
    row = session.scalar(select(WalletOffer).where(WalletOffer.reference_hash == hash_secret(reference)))
    if row is None or row.expires_at <= now:
        raise NotFound("no such offer, or it has expired")
    return row


def offer_status(row: WalletOffer) -> dict[str, Any]:
    """What the institution may see of an offer (no secrets)."""
    return {
        "id": row.public_id,
        "state": row.state,
        "createdAt": row.created_at.isoformat().replace("+00:00", "Z"),
        "expiresAt": row.expires_at.isoformat().replace("+00:00", "Z"),
        "holder": row.holder_did,
        "credentialId": f"urn:uuid:{row.credential_id}" if row.credential_id else None,
    }


def issue_offer(
    session: Session,
    *,
    offer: WalletOffer,
    holder: str,
    keystore: KeyStore,
    from_states: tuple[str, ...],
    now: datetime,
    status: StatusAllocator | None = None,
    eu_context: str = EU_CONTEXT,
    refuse: Callable[[Refusal], MicrocredError] = exchange_refusal,
) -> dict[str, Any]:
    """Issue the offered credential with ``credentialSubject.id`` = ``holder``, once (``refuse(REDEEMED)``, by
    default a Conflict, if the offer was redeemed meanwhile); the signed credential. ``status`` gives it its status-list entries (revocation).
    An offer of an already issued credential delivers it as described in :func:`deliver_issued`."""
    if offer.source_credential_id is not None:
        return deliver_issued(
            session,
            offer=offer,
            holder=holder,
            keystore=keystore,
            from_states=from_states,
            now=now,
            status=status,
            eu_context=eu_context,
            refuse=refuse,
        )
    claimed = session.execute(
        update(WalletOffer)
        .where(WalletOffer.id == offer.id, WalletOffer.state.in_(from_states))
        .values(state="issued", holder_did=holder, issued_at=now, token_hash=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise refuse(Refusal.REDEEMED)
    institution = session.get(Institution, offer.institution_id)
    version = session.get(AchievementVersion, offer.achievement_version_id)
    if institution is None or version is None:
        raise NotFound("the offer's institution or achievement no longer exists")
    issuer = Issuer(institution=institution, keystore=keystore, status=status, eu_context=eu_context)
    row: IssuedCredential = issuer.issue(
        session, version=version, award=award_of(offer, holder=holder), suite=offer.suite, now=now
    )
    session.flush()
    # The learner's name and e-mail were kept only to be put (hashed) into the credential: drop them now.
    kept = {key: value for key, value in offer.award.items() if key != "learner"}
    session.execute(
        update(WalletOffer)
        .where(WalletOffer.id == offer.id)
        .values(credential_id=row.public_id, award=kept)
        .execution_options(synchronize_session=False)
    )
    return credential_json(row)


def deliver_issued(
    session: Session,
    *,
    offer: WalletOffer,
    holder: str,
    keystore: KeyStore,
    from_states: tuple[str, ...],
    now: datetime,
    status: StatusAllocator | None = None,
    eu_context: str = EU_CONTEXT,
    refuse: Callable[[Refusal], MicrocredError] = exchange_refusal,
) -> dict[str, Any]:
    """Redeem an offer of an already issued credential, once: a credential naming a DID is delivered as is (the
    routes refuse any other holder beforehand); one without (hashed e-mail and name only) is re-issued bound to
    ``holder`` - same achievement version, result, dates and identifiers, a new id, its own status entries - and
    the offer row links the copy to the original. A holder who already got a copy gets the same copy again.
    Everything happens in the caller's transaction: a refusal (Conflict, NotFound) leaves nothing written."""
    original = session.scalar(
        select(IssuedCredential).where(IssuedCredential.public_id == offer.source_credential_id)
    )
    if original is None:
        raise NotFound("the offered credential no longer exists")
    _refuse_unless_deliverable(original)
    delivered = original if original.subject_did is not None else _earlier_copy(session, original, holder)
    if delivered is None and _reissue_count(session, credential=original) >= MAX_REISSUES:
        raise Conflict(f"this credential was already sent to {MAX_REISSUES} wallets")
    claimed = session.execute(
        update(WalletOffer)
        .where(WalletOffer.id == offer.id, WalletOffer.state.in_(from_states))
        .values(state="issued", holder_did=holder, issued_at=now, token_hash=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise refuse(Refusal.REDEEMED)
    if delivered is None:
        delivered = _reissue(
            session,
            original=original,
            holder=holder,
            keystore=keystore,
            now=now,
            status=status,
            eu_context=eu_context,
        )
    session.execute(
        update(WalletOffer)
        .where(WalletOffer.id == offer.id)
        .values(credential_id=delivered.public_id)
        .execution_options(synchronize_session=False)
    )
    return credential_json(delivered)


def _earlier_copy(session: Session, original: IssuedCredential, holder: str) -> IssuedCredential | None:
    """The re-issue of ``original`` already bound to ``holder``, if there is one."""
    copy_id = select(WalletOffer.credential_id).where(
        WalletOffer.source_credential_id == original.public_id,
        WalletOffer.state == "issued",
        WalletOffer.holder_did == holder,
        WalletOffer.credential_id != original.public_id,
    )
    return session.scalar(
        select(IssuedCredential)
        .where(IssuedCredential.public_id.in_(copy_id), IssuedCredential.subject_did == holder)
        .limit(1)
    )


def _reissue(
    session: Session,
    *,
    original: IssuedCredential,
    holder: str,
    keystore: KeyStore,
    now: datetime,
    status: StatusAllocator | None,
    eu_context: str = EU_CONTEXT,
) -> IssuedCredential:
    """Sign and store the DID-bound equivalent of ``original`` (checked like any credential before signing)."""
    institution = session.get(Institution, original.institution_id)
    version = session.get(AchievementVersion, original.achievement_version_id)
    if institution is None or version is None:
        raise NotFound("the credential's institution or achievement no longer exists")
    issuer = Issuer(institution=institution, keystore=keystore, status=status, eu_context=eu_context)
    public_id = str(uuid.uuid4())
    entries = status(session, institution=institution, credential_public_id=public_id) if status else None
    unsigned = rebind_credential(
        credential_json(original),
        credential_id=f"urn:uuid:{public_id}",
        holder=holder,
        credential_status=entries,
    )
    document = check_and_sign(
        unsigned,
        signer=issuer.signer(session, suite=original.suite),
        suite=original.suite,
        now=now,
        loader=issuer.loader,
    )
    award = Award(
        learner=Learner(did=holder),
        awarded_date=original.valid_from,
        valid_from=original.valid_from,
        valid_until=original.valid_until,
    )
    row = issuer.record(
        session,
        public_id=public_id,
        document=document,
        version=version,
        award=award,
        suite=original.suite,
        now=now,
    )
    session.flush()
    return row
