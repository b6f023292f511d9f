"""VC-API exchanges for the DCC Learner Credential Wallet: the DID-auth request and the check of its answer.

The wallet POSTs ``{}`` to the exchange URL and gets a ``verifiablePresentationRequest`` (query type
``DIDAuthentication``, a fresh ``challenge``, our ``domain``); it answers with a presentation signed by its DID
(proof purpose ``authentication``), and receives ``{"verifiablePresentation": {"verifiableCredential": [...]}}``.

https://w3c-ccg.github.io/vc-api/#exchanges ; https://w3c-ccg.github.io/vp-request-spec/#did-authentication ;
https://www.w3.org/TR/vc-data-integrity/#verify-proof (challenge and domain)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from microcred.contexts import DocumentLoader
from microcred.suites import DidKeyResolver, Resolver, verify
from microcred.vc.errors import InvalidInput, Unauthorized

__all__ = ["VC_V2", "check_did_authentication", "credentials_presentation", "did_auth_request"]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
_ACCEPTED_SUITES = ("Ed25519Signature2020", "eddsa-rdfc-2022")


def did_auth_request(*, challenge: str, domain: str) -> dict[str, Any]:
    """The exchange's answer to ``{}``: a Verifiable Presentation Request for DID authentication (did:key).
    https://w3c-ccg.github.io/vp-request-spec/#did-authentication"""
    return {
        "verifiablePresentationRequest": {
            "query": [
                {
                    "type": "DIDAuthentication",
                    "acceptedMethods": [{"method": "key"}],
                    "acceptedCryptosuites": [{"cryptosuite": suite} for suite in _ACCEPTED_SUITES],
                }
            ],
            "challenge": challenge,
            "domain": domain,
        }
    }


def _holder(presentation: Mapping[str, Any]) -> str | None:
    holder = presentation.get("holder")
    if isinstance(holder, Mapping):
        holder = holder.get("id")
    return holder if isinstance(holder, str) else None


def check_did_authentication(
    presentation: Any,
    *,
    challenge: str,
    domain: str,
    loader: DocumentLoader,
    now: datetime,
    resolver: Resolver | None = None,
) -> str:
    """The DID that authenticated: every proof verifies with purpose ``authentication``, this ``challenge`` and
    ``domain``, by one did:key controller, who is the ``holder`` if one is named. Unauthorized otherwise."""
    if not isinstance(presentation, Mapping):
        raise InvalidInput('"verifiablePresentation" must be an object', pointer="/verifiablePresentation")
    types = presentation.get("type")
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or "VerifiablePresentation" not in types:
        raise InvalidInput(
            '"verifiablePresentation.type" must include VerifiablePresentation',
            pointer="/verifiablePresentation/type",
        )
    outcome = verify(
        presentation,
        resolver=resolver or DidKeyResolver(),
        loader=loader,
        purpose="authentication",
        challenge=challenge,
        domain=domain,
        now=now,
    )
    if not outcome.verified:
        details = "; ".join(r.detail or r.problem_type or "failed" for r in outcome.results if not r.verified)
        raise Unauthorized(f"the DID authentication did not verify: {details or outcome.detail}")
    controllers: Sequence[str] = sorted(set(outcome.controllers))
    if len(controllers) != 1:
        raise Unauthorized("the presentation must be signed by exactly one DID")
    did = controllers[0]
    holder = _holder(presentation)
    if holder is not None and holder != did:
        raise Unauthorized(f'the presentation is signed by {did}, not by its holder "{holder}"')
    return did


def credentials_presentation(credentials: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The exchange's final answer: an unsigned presentation carrying the issued credentials."""
    return {
        "verifiablePresentation": {
            "@context": [VC_V2],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [dict(c) for c in credentials],
        }
    }
