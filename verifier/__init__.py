"""The verifier library: read a credential (JSON, VC-JWT, baked PNG/SVG), check everything, report each check.

``verify_credential(...) -> VerificationReport``; ``Verifier`` bundles the collaborators (offline JSON-LD loader,
guarded fetcher, DID resolver, trust registry, policy). Never imports ``issuer``.
"""

from verifier.credential import Verifier, verify_credential
from verifier.did import DidResolver
from verifier.fetch import Fetcher, FetchPolicy, FetchResult, GuardedFetcher
from verifier.inputs import InputLimits, ReadInput, read_input
from verifier.presentation import verify_presentation
from verifier.report import Check, Policy, PresentationReport, VerificationReport
from verifier.trust import NoRegistry, TrustAnswer, TrustRegistry

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
    "VerificationReport",
    "Verifier",
    "read_input",
    "verify_credential",
    "verify_presentation",
]
