"""The data layer shared by every package: errors and encodings (no I/O)."""

from microcred.vc.errors import (
    CanonicalizationLimit,
    ConfigurationError,
    Conflict,
    ContextNotAllowed,
    Forbidden,
    InvalidInput,
    IssuerMismatch,
    KeyMaterialError,
    MicrocredError,
    NotFound,
    ProofError,
    Unauthorized,
    UnknownCryptosuite,
    UnsafeJsonLd,
    ValidationFailed,
)

__all__ = [
    "CanonicalizationLimit",
    "ConfigurationError",
    "Conflict",
    "ContextNotAllowed",
    "Forbidden",
    "InvalidInput",
    "IssuerMismatch",
    "KeyMaterialError",
    "MicrocredError",
    "NotFound",
    "ProofError",
    "Unauthorized",
    "UnknownCryptosuite",
    "UnsafeJsonLd",
    "ValidationFailed",
]
