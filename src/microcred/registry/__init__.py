"""The register of trustworthy providers: entries, their validation, TRQP queries and the signed/DCC exports.

A plain library (no web, no database): ``app/registry/service.py`` keeps entries in the database and
``app/registry/routes.py`` serves them. May import ``vc``, ``contexts``, ``keys`` and ``suites`` only.
"""

from microcred.registry.export import EXPORT_TYPE, JWS_TYPE, dcc_export, export_document, sign_export
from microcred.registry.model import (
    STATES,
    Entry,
    Scope,
    ScopeVocabulary,
    State,
    StateChange,
    check_did,
    check_no_overlap,
    check_period,
    check_transition,
)
from microcred.registry.query import (
    ACTION,
    RESOURCE,
    AuthorizationQuery,
    Decision,
    decide,
    parse_query,
    trqp_response,
)

__all__ = [
    "ACTION",
    "EXPORT_TYPE",
    "JWS_TYPE",
    "RESOURCE",
    "STATES",
    "AuthorizationQuery",
    "Decision",
    "Entry",
    "Scope",
    "ScopeVocabulary",
    "State",
    "StateChange",
    "check_did",
    "check_no_overlap",
    "check_period",
    "check_transition",
    "dcc_export",
    "decide",
    "export_document",
    "parse_query",
    "sign_export",
    "trqp_response",
]
