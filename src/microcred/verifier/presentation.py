"""Verifying a presentation: the holder's authentication proof (challenge, domain), then each credential.

https://www.w3.org/TR/vc-data-model-2.0/#verifiable-presentations ;
https://www.w3.org/TR/vc-data-integrity/#verify-proof (INVALID_CHALLENGE_ERROR, INVALID_DOMAIN_ERROR)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from microcred.vc.errors import InvalidInput
from microcred.verifier.jwt import decode_jwt_credential
from microcred.verifier.proof import MemoResolver, check_proofs
from microcred.verifier.report import Check, PresentationReport, Verdict, VerificationReport
from microcred.verifier.structure import check_contexts, check_structure

# Verifier.verify_presentation calls this module, so the Verifier is imported for typing only (no import cycle).
if TYPE_CHECKING:
    from microcred.verifier.credential import Verifier

__all__ = ["verify_presentation"]


def _holder_id(presentation: Mapping[str, Any]) -> str | None:
    holder = presentation.get("holder")
    if isinstance(holder, str):
        return holder
    if isinstance(holder, Mapping) and isinstance(holder.get("id"), str):
        return str(holder["id"])
    return None


def _subject_ids(report_input: Mapping[str, Any]) -> set[str]:
    subjects = report_input.get("credentialSubject")
    items = subjects if isinstance(subjects, list) else [subjects]
    return {str(s["id"]) for s in items if isinstance(s, Mapping) and isinstance(s.get("id"), str)}


_ENVELOPED_JWT = ("data:application/vc+jwt,", "data:application/jwt,")


def _unwrap_enveloped(item: Any) -> Any:
    """An EnvelopedVerifiableCredential holding a VC-JWT in a data: URL → the compact JWS; anything else as is.

    https://www.w3.org/TR/vc-data-model-2.0/#enveloped-verifiable-credentials
    """
    if not isinstance(item, Mapping):
        return item
    types = item.get("type")
    if "EnvelopedVerifiableCredential" not in (types if isinstance(types, list) else [types]):
        return item
    data_url = item.get("id")
    for prefix in _ENVELOPED_JWT:
        if isinstance(data_url, str) and data_url.startswith(prefix):
            return unquote(data_url[len(prefix) :])
    raise InvalidInput("an enveloped credential must be a data: URL of a VC-JWT")


def verify_presentation(
    presentation: Mapping[str, Any],
    *,
    verifier: Verifier,
    now: datetime,
    challenge: str | None,
    domain: str | None = None,
) -> PresentationReport:
    """The holder proof (purpose authentication, the expected challenge and domain) and every credential."""
    if not isinstance(presentation, Mapping):
        raise InvalidInput("a presentation must be a JSON object")
    checks = [
        check_structure(presentation, kind="VerifiablePresentation"),
        check_contexts(presentation, loader=verifier.document_loader, known=verifier.contexts_known),
    ]
    holder = _holder_id(presentation)
    resolver = MemoResolver(verifier.resolver)
    if challenge is None:
        checks.append(
            Check(
                id="holderProof",
                status="not-checked",
                sentence="No challenge was given, so the holder's proof cannot show this presentation is fresh.",
            )
        )
        controllers: tuple[str, ...] = ()
    else:
        outcome = check_proofs(
            presentation,
            resolver=resolver,
            loader=verifier.document_loader,
            now=now,
            purpose="authentication",
            challenge=challenge,
            domain=domain,
            budget=verifier.budget,
            check_id="holderProof",
        )
        checks.append(outcome.check)
        controllers = outcome.controllers
    if holder is None:
        checks.append(Check(id="holder", status="not-checked", sentence="The presentation names no holder."))
    elif holder in controllers:
        checks.append(
            Check(id="holder", status="passed", sentence=f"The holder {holder} signed the presentation.")
        )
    elif controllers:
        checks.append(
            Check(
                id="holder",
                status="failed",
                sentence=f"The presentation is signed by {', '.join(controllers)}, not by the holder {holder}.",
            )
        )
    else:
        checks.append(
            Check(
                id="holder",
                status="not-checked",
                sentence="Without a valid holder proof the holder is unconfirmed.",
            )
        )
    raw = presentation.get("verifiableCredential")
    items = raw if isinstance(raw, list) else [] if raw is None else [raw]
    reports: list[VerificationReport] = []
    subjects_match: list[bool] = []
    most = verifier.limits.max_presentation_credentials
    if len(items) > most:
        checks.append(
            Check(
                id="credentials",
                status="not-checked",
                sentence=f"The presentation holds {len(items)} credentials; this verifier checks at most {most}, "
                "so none of them was checked.",
            )
        )
        items = []
    for raw_item in items:
        item = _unwrap_enveloped(raw_item)
        if isinstance(item, str):
            reports.append(verifier.verify_jwt(item, now=now))
            subjects_match.append(holder is not None and holder in _subject_ids(decode_jwt_credential(item)))
            continue
        if not isinstance(item, Mapping):
            raise InvalidInput('"verifiableCredential" entries must be credential objects')
        reports.append(verifier.verify_credential(item, now=now))
        subjects_match.append(holder is not None and holder in _subject_ids(item))
    holder_is_subject = all(subjects_match) if subjects_match and holder is not None else None
    if holder_is_subject is not None:
        checks.append(
            Check(
                id="holderIsSubject",
                status="passed" if holder_is_subject else "failed",
                sentence="The holder is the subject of every credential."
                if holder_is_subject
                else "The holder is not the subject of every credential presented.",
            )
        )
    own_failed = [c for c in checks if c.status == "failed" and c.id != "holderIsSubject"]
    own_unchecked = [c for c in checks if c.status == "not-checked"]
    verified = not own_failed and not own_unchecked and all(r.verified for r in reports)
    verdict: Verdict
    if own_failed or any(r.verdict == "not valid" for r in reports):
        verdict = "not valid"
    elif verified and all(r.verdict == "valid" for r in reports):
        verdict = "valid"
    else:
        verdict = "could not fully check"
    sentences = [c.sentence for c in own_failed + own_unchecked]
    sentences += [
        f"credential {i + 1}: {r.verdict_sentence}" for i, r in enumerate(reports) if r.verdict != "valid"
    ]
    summary = {"valid": "Valid", "not valid": "Not valid", "could not fully check": "Could not fully check"}[
        verdict
    ]
    return PresentationReport(
        verified=verified,
        verdict=verdict,
        verdict_sentence=summary + (": " + "; ".join(sentences) if sentences else ": every check passed"),
        checks=checks,
        holder=holder,
        holder_is_subject=holder_is_subject,
        credentials=reports,
    )
