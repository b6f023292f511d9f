"""Verifying one credential: every check in order, each reported passed / failed / not-checked.

https://www.imsglobal.org/spec/ob/v3p0/#verification ; https://www.w3.org/TR/vc-data-model-2.0/#verification
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from microcred import suites
from microcred.contexts import DocumentLoader
from microcred.vc.errors import FetchError, InvalidInput, MicrocredError, NotFound
from microcred.verifier.context_digests import RecognisedContexts, check_declared_digests, recognise_contexts
from microcred.verifier.dates import check_validity
from microcred.verifier.defaults import default_collaborators
from microcred.verifier.endorsements import check_endorsements, find_endorsements
from microcred.verifier.eu import check_eu_elements
from microcred.verifier.fetch import Fetcher, FetchPolicy, HostResolver, fetch_allowance, system_resolver
from microcred.verifier.inputs import InputLimits, ReadInput, read_input
from microcred.verifier.jwt import verify_jwt
from microcred.verifier.limits import Limits, SizedCache
from microcred.verifier.presentation import verify_presentation
from microcred.verifier.proof import MemoResolver, ProofOutcome, check_proofs
from microcred.verifier.report import Check, Policy, PresentationReport, VerificationReport, build_report
from microcred.verifier.status import check_status, check_status_entries
from microcred.verifier.structure import (
    check_contexts,
    check_declared_schemas,
    check_ob3_schema,
    check_structure,
    credential_version,
    issuer_id,
)
from microcred.verifier.trust import NoRegistry, TrustRegistry, check_trust
from microcred.verifier.trust_policy import TrustSource

__all__ = ["Verifier", "verify_credential"]


@dataclass
class Verifier:
    """The verifier's collaborators, bundled: loader, guarded fetcher, DID resolver, trust registry, policy."""

    document_loader: DocumentLoader
    fetcher: Fetcher
    resolver: suites.Resolver
    trust: TrustRegistry = field(default_factory=NoRegistry)
    policy: Policy = field(default_factory=Policy)
    skew_seconds: float = 300.0
    budget: suites.Budget = suites.DEFAULT_BUDGET
    limits: Limits = field(default_factory=Limits)
    contexts_known: dict[str, bool] = field(default_factory=dict, repr=False)
    verified_lists: OrderedDict[bytes, tuple[bool | None, str]] = field(
        default_factory=OrderedDict, repr=False
    )
    """Status lists whose proof verified (or not), by the digest of the exact bytes fetched: while the fetcher
    serves the same cached list, its signature is not checked again (the digest, so 64 entries stay small)."""
    decoded_lists: SizedCache[str, bytes] = field(
        default_factory=lambda: SizedCache(max_entries=16, max_bytes=33_554_432), repr=False
    )
    """Expanded ``encodedList`` values (at most 16, bounded in bytes), so a cached list is not gunzipped for every
    credential."""
    cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    """Guards the caches above: the web app verifies in worker threads as well as on its event loop."""

    @classmethod
    def default(
        cls,
        *,
        fetch_policy: FetchPolicy | None = None,
        client: httpx.Client | None = None,
        resolve: HostResolver = system_resolver,
        trust_sources: Sequence[TrustSource] = (),
        policy: Policy | None = None,
        skew_seconds: float = 300.0,
        document_loader: DocumentLoader | None = None,
    ) -> Verifier:
        """A verifier wired as the service runs it (``verifier.defaults``): pinned offline contexts, the guarded
        HTTP client (https only, no private or loopback addresses unless ``fetch_policy`` allows them, size and
        time caps), did:key and did:web resolution through it, the registries of ``trust_sources`` (none by
        default) and the default policy; each keyword overrides one of them."""
        parts = default_collaborators(
            fetch_policy=fetch_policy,
            client=client,
            resolve=resolve,
            trust_sources=trust_sources,
            document_loader=document_loader,
        )
        return cls(
            document_loader=parts.document_loader,
            fetcher=parts.fetcher,
            resolver=parts.resolver,
            trust=parts.trust,
            policy=policy or Policy(),
            skew_seconds=skew_seconds,
            decoded_lists=SizedCache(max_entries=16, max_bytes=parts.fetch_policy.cache_bytes),
        )

    def verify(
        self, credential: Mapping[str, Any] | str | bytes, *, now: datetime | None = None
    ) -> VerificationReport:
        """Every check on one credential given as a JSON object, JSON text, a VC-JWT, or a baked PNG/SVG badge's
        bytes, at ``now`` (default: the current time), within this verifier's limit of outbound fetches.

        https://www.w3.org/TR/vc-data-model-2.0/#verification
        """
        read = _read(credential)
        if read.kind == "json" and _is_presentation(read.document):
            raise InvalidInput("this is a presentation, not a credential: use verify_presentation")
        at = now or datetime.now(UTC)
        with fetch_allowance(self.limits.max_fetches):
            if read.kind == "jwt" and read.jws is not None:
                return self.verify_jwt(read.jws, now=at, fmt=read.source)
            return self.verify_credential(read.document or {}, now=at, fmt=read.source)

    def verify_presentation(
        self,
        presentation: Mapping[str, Any] | str | bytes,
        *,
        challenge: str | None = None,
        domain: str | None = None,
        now: datetime | None = None,
    ) -> PresentationReport:
        """The holder's proof (against the expected ``challenge`` and ``domain``; without a challenge it is not
        checked) and every credential of a presentation given as a JSON object or JSON text.

        https://www.w3.org/TR/vc-data-model-2.0/#verifiable-presentations
        """
        read = _read(presentation)
        if read.kind != "json" or read.document is None:
            raise InvalidInput("a presentation must be a JSON object")
        with fetch_allowance(self.limits.max_fetches):
            return verify_presentation(
                read.document,
                verifier=self,
                now=now or datetime.now(UTC),
                challenge=challenge,
                domain=domain,
            )

    def verify_credential(
        self, credential: Mapping[str, Any], *, now: datetime, fmt: str = "json", endorsements: bool = True
    ) -> VerificationReport:
        """Every check on a credential with embedded proofs (and on its embedded endorsements, unless
        ``endorsements`` is false: an endorsement's own endorsements are not followed)."""
        if not isinstance(credential, Mapping):
            raise InvalidInput("a credential must be a JSON object")
        resolver = MemoResolver(self.resolver)
        contexts = recognise_contexts(credential, loader=self.document_loader, fetcher=self.fetcher)
        proof = check_proofs(
            credential, resolver=resolver, loader=contexts.loader, now=now, budget=self.budget
        )
        return self._report(
            credential,
            proof.check,
            proof.controllers,
            resolver=resolver,
            now=now,
            fmt=fmt,
            endorsements=endorsements,
            contexts=contexts,
        )

    def _endorsement(self, value: Any, *, now: datetime) -> VerificationReport:
        if isinstance(value, str):
            return self.verify_jwt(value, now=now, endorsements=False)
        return self.verify_credential(value, now=now, endorsements=False)

    def verify_jwt(
        self, jws: str, *, now: datetime, fmt: str = "jwt", endorsements: bool = True
    ) -> VerificationReport:
        """Every check on a VC-JWT (its signature, claims, and the credential inside)."""
        resolver = MemoResolver(self.resolver)
        credential, outcome = verify_jwt(jws, resolver=resolver)
        controllers: tuple[str, ...] = (
            (outcome.controller,) if outcome.verified and outcome.controller else ()
        )
        check = outcome.check
        contexts = recognise_contexts(credential, loader=self.document_loader, fetcher=self.fetcher)
        if credential.get("proof") is not None:
            embedded = check_proofs(
                credential, resolver=resolver, loader=contexts.loader, now=now, budget=self.budget
            )
            check, controllers = _either(outcome.check, outcome.verified, controllers, embedded)
        return self._report(
            credential,
            check,
            controllers,
            resolver=resolver,
            now=now,
            fmt=fmt,
            endorsements=endorsements,
            contexts=contexts,
        )

    def _report(
        self,
        credential: Mapping[str, Any],
        proof_check: Check,
        controllers: tuple[str, ...],
        *,
        resolver: MemoResolver,
        now: datetime,
        fmt: str,
        endorsements: bool,
        contexts: RecognisedContexts,
    ) -> VerificationReport:
        # nothing is fetched for a credential whose proof is missing or does not verify: its claims (issuer DID,
        # status URLs) are unauthenticated, and following them would let anyone make this verifier send requests
        signed = proof_check.status == "passed"
        structure = check_structure(credential)
        version = credential_version(credential) or "2.0"
        issuer = issuer_id(credential)
        declared = check_declared_schemas(credential)
        checks = [
            structure,
            check_ob3_schema(credential),
            *([declared] if declared is not None else []),
            check_declared_digests(credential, aliases=contexts.aliases)
            or check_contexts(
                credential,
                loader=contexts.loader,
                # an alias holds for this verification only: not remembered with the pinned URLs
                known=self.contexts_known if not contexts.aliases else None,
                unrecognised=contexts.unrecognised,
            ),
            proof_check,
            self._issuer_check(issuer, proof_check, controllers, resolver)
            if signed
            or issuer is None
            or not issuer.startswith("did:")
            or issuer.startswith("did:key:")  # resolved offline
            or resolver.tried(issuer)
            else _unsigned("issuer", "the issuer's DID was not resolved"),
            check_validity(credential, version=version, now=now, skew_seconds=self.skew_seconds),
            check_status(
                credential,
                fetcher=self.fetcher,
                verify_list=lambda doc, raw: self._verify_list(doc, raw, resolver=resolver, now=now),
                now=now,
                skew_seconds=self.skew_seconds,
                decoded=self.decoded_lists,
                limits=self.limits,
            )
            if signed
            else check_status_entries(credential) or _unsigned("status", "no status list was fetched"),
        ]
        trust_check, trusted = (
            check_trust(issuer, registry=self.trust, now=now, credential=credential)
            if signed
            else (_unsigned("trust", "no trust registry was asked"), None)
        )
        checks.append(trust_check)
        eu_checks, eu_complete = check_eu_elements(credential)
        checks.extend(eu_checks)
        if endorsements and signed:  # an endorsement's own checks fetch too
            endorsed = check_endorsements(
                find_endorsements(credential), verify=lambda value: self._endorsement(value, now=now)
            )
            if endorsed is not None:
                checks.append(endorsed)
        credential_id = credential.get("id")
        return build_report(
            checks,
            trusted=trusted,
            eu_complete=eu_complete,
            policy=self.policy,
            credential_id=credential_id if isinstance(credential_id, str) else None,
            issuer=issuer,
            fmt=fmt,
        )

    def _issuer_check(
        self, issuer: str | None, proof_check: Check, controllers: tuple[str, ...], resolver: MemoResolver
    ) -> Check:
        """The issuer's DID resolves (did:key offline, did:web over guarded HTTP) and controls the signing key."""
        if issuer is None:
            return Check(id="issuer", status="failed", sentence="The credential names no issuer.")
        if not issuer.startswith(("did:", "https://")):
            return Check(
                id="issuer",
                status="not-checked",
                sentence=f"The issuer {issuer} is not a DID, so whether the signing key belongs to it could not be checked.",
            )
        try:
            resolver.resolve(issuer)
        except NotFound as exc:
            return Check(
                id="issuer",
                status="not-checked",
                sentence=f"The issuer's DID document could not be retrieved: {exc.detail}.",
            )
        except (InvalidInput, FetchError) as exc:
            return Check(
                id="issuer",
                status="failed",
                sentence=f"The issuer's DID document is not acceptable: {exc.detail}.",
                problem_type="https://w3id.org/security#PROOF_VERIFICATION_ERROR",
            )
        except MicrocredError as exc:
            return Check(
                id="issuer",
                status="failed",
                sentence=f"The issuer's DID could not be resolved: {exc.detail}.",
            )
        # an https issuer is a controller document (https://www.w3.org/TR/cid-1.0/), bound the same way
        method = f"did:{issuer.split(':')[1]}" if issuer.startswith("did:") else "controller document"
        if issuer in controllers:
            return Check(
                id="issuer",
                status="passed",
                sentence=f"Signed by a key that the issuer {issuer} ({method}) lists for issuing credentials.",
                value=issuer,
            )
        if proof_check.status == "passed":
            others = ", ".join(sorted(set(controllers))) or "an unknown key"
            return Check(
                id="issuer",
                status="failed",
                sentence=f"The signing key belongs to {others}, not to the issuer {issuer}.",
                problem_type="https://w3id.org/security#PROOF_VERIFICATION_ERROR",
            )
        return Check(
            id="issuer",
            status="not-checked",
            sentence=f"The issuer's DID {issuer} resolved, but without a valid signature the key binding is unconfirmed.",
        )

    def _verify_list(
        self,
        status_list: Mapping[str, Any],
        raw: bytes,
        *,
        resolver: MemoResolver,
        now: datetime,
    ) -> tuple[bool | None, str]:
        """A status list credential verified by its own proofs, with the same suites, and bound to its own issuer.

        The list's issuer may differ from the credential's (Bitstring Status List §2.2 allows it; DCC signs its lists
        with another DID); what counts is that the list is a verified credential of whoever it names as issuer.
        None when its proof could not be checked (key unreachable, suite or context not implemented).
        """
        key = hashlib.sha256(raw).digest()
        known = self.verified_lists.get(key)
        if known is not None:
            return known
        outcome = check_proofs(
            status_list, resolver=resolver, loader=self.document_loader, now=now, budget=self.budget
        )
        list_issuer = issuer_id(status_list)
        result: tuple[bool | None, str] = (True, "")
        if outcome.check.status == "not-checked":
            result = (None, outcome.check.sentence)
        elif not outcome.verified:
            result = (False, outcome.check.sentence)
        elif list_issuer is None or list_issuer not in outcome.controllers:
            result = (False, f"it is signed by a key its issuer {list_issuer!r} does not control")
        # not remembered when the key could not be fetched: it may be reachable next time
        if result[0] is not None:
            with self.cache_lock:
                self.verified_lists[key] = result
                while len(self.verified_lists) > 64:
                    self.verified_lists.popitem(last=False)
        return result


def _read(value: Mapping[str, Any] | str | bytes) -> ReadInput:
    """A JSON object as it is; text or bytes read as JSON, a compact JWS or a baked badge (bounded)."""
    if isinstance(value, Mapping):
        return ReadInput(kind="json", source="json", document=dict(value))
    if isinstance(value, str | bytes):
        return read_input(value.encode("utf-8") if isinstance(value, str) else value, limits=InputLimits())
    raise InvalidInput("give a credential as a JSON object, JSON text, a VC-JWT or a baked badge's bytes")


def _is_presentation(document: Mapping[str, Any] | None) -> bool:
    types = (document or {}).get("type")
    return "VerifiablePresentation" in (types if isinstance(types, list) else [types])


def _unsigned(check_id: str, what: str) -> Check:
    return Check(
        id=check_id,
        status="not-checked",
        sentence=f"Without a verified proof {what}: nothing is fetched on the word of a credential whose "
        "signature is not confirmed.",
    )


def _either(
    jwt_check: Check, jwt_ok: bool, jwt_controllers: tuple[str, ...], embedded: ProofOutcome
) -> tuple[Check, tuple[str, ...]]:
    """OB3: any one valid proof suffices; a JWT over a credential that also has an embedded proof."""
    if jwt_ok and embedded.verified:
        sentence = jwt_check.sentence + " " + embedded.check.sentence
        return replace(jwt_check, sentence=sentence), jwt_controllers + embedded.controllers
    if jwt_ok:
        return jwt_check, jwt_controllers
    if embedded.verified:
        note = f"{embedded.check.sentence} (The JWT around it does not verify: {jwt_check.sentence})"
        return replace(embedded.check, sentence=note), embedded.controllers
    return jwt_check, ()


def verify_credential(
    credential: Mapping[str, Any],
    *,
    document_loader: DocumentLoader,
    fetcher: Fetcher,
    resolver: suites.Resolver,
    trust: TrustRegistry,
    now: datetime,
    policy: Policy | None = None,
    skew_seconds: float = 300.0,
) -> VerificationReport:
    """Verify one credential with embedded proofs (see :class:`Verifier`)."""
    verifier = Verifier(
        document_loader=document_loader,
        fetcher=fetcher,
        resolver=resolver,
        trust=trust,
        policy=policy or Policy(),
        skew_seconds=skew_seconds,
    )
    return verifier.verify_credential(credential, now=now)
