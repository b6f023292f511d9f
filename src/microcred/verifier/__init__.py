"""The verifier library: read a credential (JSON, VC-JWT, baked PNG/SVG), check everything, report each check.

The front door: ``Verifier.default().verify(credential) -> VerificationReport`` (offline JSON-LD loader, guarded
fetcher, DID resolver, trust registries and policy built in ``defaults.py``; each can be overridden).
``verify_credential(...)`` takes the collaborators one by one. Never imports ``issuer``.
"""

from microcred.verifier.credential import Verifier, verify_credential
from microcred.verifier.did import DidResolver
from microcred.verifier.fetch import Fetcher, FetchPolicy, FetchResult, GuardedFetcher
from microcred.verifier.inputs import InputLimits, ReadInput, read_input
from microcred.verifier.presentation import verify_presentation
from microcred.verifier.report import Check, Policy, PresentationReport, VerificationReport
from microcred.verifier.trust import NoRegistry, TrustAnswer, TrustRegistry
from microcred.verifier.trust_policy import TrustSource

__all__ = [
    "Check",
    "DidResolver",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "GuardedFetcher",
    "InputLimits",
    "NoRegistry",
    "Policy",
    "PresentationReport",
    "ReadInput",
    "TrustAnswer",
    "TrustRegistry",
    "TrustSource",
    "VerificationReport",
    "Verifier",
    "read_input",
    "verify_credential",
    "verify_presentation",
]
