"""Data Integrity proofs: RDFC-1.0 with a work budget, pluggable cryptosuites, sign and verify.

https://www.w3.org/TR/vc-data-integrity/ ; https://www.w3.org/TR/vc-di-eddsa/ ; https://www.w3.org/TR/vc-di-ecdsa/

Modules: ``rdf`` (JSON-LD → dataset, safe mode), ``rdfc`` (canonicalization with a Budget), ``base``
(Cryptosuite protocol, SuiteContext), the suites (``eddsa_rdfc_2022``, ``eddsa_jcs_2022``, ``eddsa_2022``,
``ed25519_signature_2020``, ``ecdsa_rdfc_2019``, ``ecdsa_jcs_2019``, ``ecdsa_sd_2023``, and through
``jws_detached`` ``ed25519_signature_2018`` and ``ecdsa_secp256k1_signature_2019``),
``registry`` (SUITES, suite_for), ``resolver`` (verification method checks), ``proofs`` (sign, verify),
``json_input`` (bounded parsing), ``plain_form`` (is the JSON what the signature covers).
"""

from microcred.suites.base import Cryptosuite, SuiteContext
from microcred.suites.json_input import MAX_DOCUMENT_BYTES, MAX_JSON_DEPTH, parse_json
from microcred.suites.plain_form import plain_form_problem
from microcred.suites.proofs import (
    INVALID_CHALLENGE_ERROR,
    INVALID_DOMAIN_ERROR,
    PARSING_ERROR,
    PROOF_VERIFICATION_ERROR,
    ProofResult,
    ProofVerification,
    sign,
    verify,
)
from microcred.suites.rdf import Dataset, to_dataset
from microcred.suites.rdfc import DEFAULT_BUDGET, SIGNING_BUDGET, Budget, canonicalize
from microcred.suites.registry import SUITES, suite_for, suite_named
from microcred.suites.resolver import (
    DidKeyResolver,
    ResolvedKey,
    Resolver,
    StaticResolver,
    resolve_verification_method,
    sole_method,
)

__all__ = [
    "DEFAULT_BUDGET",
    "INVALID_CHALLENGE_ERROR",
    "INVALID_DOMAIN_ERROR",
    "MAX_DOCUMENT_BYTES",
    "MAX_JSON_DEPTH",
    "PARSING_ERROR",
    "PROOF_VERIFICATION_ERROR",
    "SIGNING_BUDGET",
    "SUITES",
    "Budget",
    "Cryptosuite",
    "Dataset",
    "DidKeyResolver",
    "ProofResult",
    "ProofVerification",
    "ResolvedKey",
    "Resolver",
    "StaticResolver",
    "SuiteContext",
    "canonicalize",
    "parse_json",
    "plain_form_problem",
    "resolve_verification_method",
    "sign",
    "sole_method",
    "suite_for",
    "suite_named",
    "to_dataset",
    "verify",
]
