"""One tree of errors for microcred.

::

    MicrocredError                       base; carries an RFC 9457 problem type, title, status and pointer
    ├── InvalidInput (ValueError)        a request or document is malformed (HTTP 422 / 400)
    │   ├── ContextNotAllowed            a JSON-LD context URL is not on the offline allow-list
    │   ├── UnsafeJsonLd                 expansion would drop a term or relative IRI (safe mode)
    │   ├── ValidationFailed             several fields fail (schema, EU completeness, vocabularies); lists each
    │   ├── CanonicalizationLimit        RDFC-1.0 exceeded its work budget (poison graph)
    │   ├── InputTooLarge                a body, image chunk or decompressed text is over its cap (HTTP 413)
    │   └── UnsupportedMediaType         an upload is neither JSON, a VC-JWT, a baked PNG nor SVG (HTTP 415)
    ├── IssuerMismatch                   an issue request names an issuer other than the caller (HTTP 400)
    ├── UnknownCryptosuite (ValueError)  a proof names a (type, cryptosuite) we do not implement
    ├── ProofError                       a proof could not be created (signing side)
    ├── FetchError                       an outbound fetch was refused by policy or failed (HTTP 422)
    ├── DeadlineExceeded                 a verification did not finish within its total deadline (HTTP 503)
    ├── KeyMaterialError                 key material missing, sealed with another key, or unusable
    ├── NotFound (LookupError)           a requested record does not exist (HTTP 404)
    ├── Conflict                         a unique record already exists (HTTP 409)
    ├── Unauthorized                     missing, unknown or revoked credentials (HTTP 401)
    ├── Forbidden                        authenticated but not allowed (HTTP 403)
    ├── OAuthError                       an OAuth 2.0 / OpenID4VCI request is refused with the spec's ``error`` code (400)
    │   └── InvalidToken                 the access token is missing, unknown, expired or used up (HTTP 401)
    └── ConfigurationError               settings are unusable (refuse to start)
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "CanonicalizationLimit",
    "ConfigurationError",
    "Conflict",
    "ContextNotAllowed",
    "DeadlineExceeded",
    "FetchError",
    "Forbidden",
    "InputTooLarge",
    "InvalidInput",
    "InvalidToken",
    "IssuerMismatch",
    "KeyMaterialError",
    "MicrocredError",
    "NotFound",
    "OAuthError",
    "ProofError",
    "Unauthorized",
    "UnknownCryptosuite",
    "UnsafeJsonLd",
    "UnsupportedMediaType",
    "ValidationFailed",
]

PROBLEM_BASE = "https://microcred.eu/problems/"


class MicrocredError(Exception):
    """Base of every error microcred raises on purpose; maps to a problem+json body."""

    problem_type: ClassVar[str] = PROBLEM_BASE + "error"
    title: ClassVar[str] = "Error"
    status: ClassVar[int] = 400

    def __init__(self, detail: str, *, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.pointer = pointer


class InvalidInput(MicrocredError, ValueError):
    """Raised when a request body, parameter or document is malformed."""

    problem_type = PROBLEM_BASE + "invalid-input"
    title = "Invalid input"
    status = 422


class ContextNotAllowed(InvalidInput):
    """Raised when a JSON-LD context URL is not on the offline allow-list."""

    problem_type = PROBLEM_BASE + "context-not-allowed"
    title = "JSON-LD context not allowed"


class UnsafeJsonLd(InvalidInput):
    """Raised when JSON-LD expansion would drop a term or leave a relative IRI (safe mode)."""

    problem_type = PROBLEM_BASE + "unsafe-json-ld"
    title = "Lossy JSON-LD"


class ValidationFailed(InvalidInput):
    """Raised when a document fails several checks at once; ``errors`` holds one pointer + detail per failure."""

    problem_type = PROBLEM_BASE + "validation-failed"
    title = "Validation failed"

    def __init__(self, detail: str, *, errors: list[dict[str, str]]) -> None:
        super().__init__(detail, pointer=errors[0].get("pointer") if errors else None)
        self.errors = errors


class CanonicalizationLimit(InvalidInput):
    """Raised when RDFC-1.0 canonicalization exceeds its work budget."""

    problem_type = PROBLEM_BASE + "canonicalization-limit"
    title = "Canonicalization budget exceeded"


class InputTooLarge(InvalidInput):
    """Raised when a body, a PNG chunk or decompressed text exceeds its size cap."""

    problem_type = PROBLEM_BASE + "input-too-large"
    title = "Input too large"
    status = 413


class UnsupportedMediaType(InvalidInput):
    """Raised when an upload is not JSON, a compact JWS, a baked PNG or a baked SVG."""

    problem_type = PROBLEM_BASE + "unsupported-media-type"
    title = "Unsupported media type"
    status = 415


class IssuerMismatch(MicrocredError):
    """Raised when a VC-API issue request's ``issuer`` is not the calling institution (VC-API: 400)."""

    problem_type = PROBLEM_BASE + "issuer-mismatch"
    title = "Issuer mismatch"
    status = 400


class UnknownCryptosuite(MicrocredError, ValueError):
    """Raised when a proof names a (type, cryptosuite) pair we do not implement."""

    problem_type = PROBLEM_BASE + "unknown-cryptosuite"
    title = "Unknown cryptosuite"
    status = 422


class ProofError(MicrocredError):
    """Raised when a proof cannot be created (PROOF_GENERATION_ERROR)."""

    problem_type = "https://w3id.org/security#PROOF_GENERATION_ERROR"
    title = "Proof generation error"
    status = 422


class FetchError(MicrocredError):
    """Raised when the guarded HTTP client refuses a URL (scheme, address, size, redirects) or the fetch fails."""

    problem_type = PROBLEM_BASE + "fetch-error"
    title = "Could not fetch"
    status = 422


class DeadlineExceeded(MicrocredError):
    """Raised when a verification request does not finish within its total deadline (the work is abandoned)."""

    problem_type = PROBLEM_BASE + "deadline-exceeded"
    title = "Verification took too long"
    status = 503


class KeyMaterialError(MicrocredError):
    """Raised when key material is missing, sealed under another key-encryption key, or unusable."""

    problem_type = PROBLEM_BASE + "key-error"
    title = "Key error"
    status = 409


class NotFound(MicrocredError, LookupError):
    """Raised when a requested record does not exist."""

    problem_type = PROBLEM_BASE + "not-found"
    title = "Not found"
    status = 404


class Conflict(MicrocredError):
    """Raised when a record with the same unique value already exists."""

    problem_type = PROBLEM_BASE + "conflict"
    title = "Conflict"
    status = 409


class Unauthorized(MicrocredError):
    """Raised when a request carries no, an unknown or a revoked credential."""

    problem_type = PROBLEM_BASE + "unauthorized"
    title = "Unauthorized"
    status = 401


class Forbidden(MicrocredError):
    """Raised when an authenticated caller may not act on the resource."""

    problem_type = PROBLEM_BASE + "forbidden"
    title = "Forbidden"
    status = 403


class OAuthError(MicrocredError):
    """Raised when an OAuth 2.0 / OpenID4VCI request is refused; ``error`` is the code the spec defines.

    Answered as ``{"error": ..., "error_description": ...}`` (RFC 6749 §5.2, OpenID4VCI 1.0 §6.3 and §8.3.1),
    not as problem+json, because wallets read ``error``.
    """

    problem_type = PROBLEM_BASE + "oauth"
    title = "OAuth error"
    status = 400

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(detail)
        self.error = error


class InvalidToken(OAuthError):
    """Raised when a request to a protected endpoint has no valid access token (RFC 6750 §3.1)."""

    status = 401

    def __init__(self, detail: str) -> None:
        super().__init__("invalid_token", detail)


class ConfigurationError(MicrocredError):
    """Raised when settings are unusable; the service refuses to start."""

    problem_type = PROBLEM_BASE + "configuration"
    title = "Configuration error"
    status = 500
