"""Structure checks: VC 2.0 / 1.1 data model shape, the OB3 AchievementCredential schema, pinned contexts.

https://www.w3.org/TR/vc-data-model-2.0/#basic-concepts ; https://www.imsglobal.org/spec/ob/v3p0/#verification
https://www.w3.org/TR/vc-data-integrity/#contexts-and-vocabularies
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from microcred.contexts import DocumentLoader
from microcred.vc.errors import MicrocredError
from microcred.vc.schema import (
    OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA,
    ob3_status_view,
    pinned_schema,
    validate_against,
)
from microcred.verifier.report import ADVISORY, Check

__all__ = [
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "OB3_TYPES",
    "check_contexts",
    "check_declared_schemas",
    "check_ob3_schema",
    "check_structure",
    "credential_version",
    "declared_schemas",
    "is_ob3",
    "issuer_id",
]

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
OB3_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
MALFORMED = "https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR"
OB3_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def credential_version(document: Mapping[str, Any]) -> str | None:
    """``"2.0"`` or ``"1.1"`` from the first ``@context`` entry (None when it is neither)."""
    first = next(iter(_as_list(document.get("@context"))), None)
    return {CREDENTIALS_V2: "2.0", CREDENTIALS_V1: "1.1"}.get(first) if isinstance(first, str) else None


def is_ob3(document: Mapping[str, Any]) -> bool:
    """Whether the credential says it is an Open Badges 3.0 credential."""
    return bool(OB3_TYPES & {t for t in _as_list(document.get("type")) if isinstance(t, str)})


def issuer_id(document: Mapping[str, Any]) -> str | None:
    """``issuer`` or ``issuer.id``."""
    issuer = document.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, Mapping) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    return None


def check_structure(document: Mapping[str, Any], *, kind: str = "VerifiableCredential") -> Check:
    """The data-model MUSTs of a VC 2.0 or 1.1 credential (or presentation)."""
    version = credential_version(document)
    problems: list[str] = []
    if version is None:
        problems.append(
            f'"@context" must start with "{CREDENTIALS_V2}" (VC 2.0) or "{CREDENTIALS_V1}" (VC 1.1)'
        )
    if kind not in _as_list(document.get("type")):
        problems.append(f'"type" must contain "{kind}"')
    if "id" in document and not isinstance(document.get("id"), str):
        problems.append('"id" must be a URL string')
    if kind == "VerifiableCredential":
        if issuer_id(document) is None:
            problems.append('"issuer" must be a URL or an object with an "id" URL')
        subjects = _as_list(document.get("credentialSubject"))
        if not subjects or not all(isinstance(s, Mapping) for s in subjects):
            problems.append('"credentialSubject" must be an object or a list of objects')
        if version == "1.1" and "issuanceDate" not in document:
            problems.append('a VC 1.1 credential must have "issuanceDate"')
        if version == "2.0" and ("issuanceDate" in document or "expirationDate" in document):
            problems.append(
                '"issuanceDate"/"expirationDate" are VC 1.1 terms; VC 2.0 uses validFrom/validUntil'
            )
    proof = document.get("proof")
    if proof is not None and not all(isinstance(p, Mapping) for p in _as_list(proof)):
        problems.append('"proof" must be an object or a list of objects')
    if problems:
        return Check(
            id="structure", status="failed", sentence="; ".join(problems) + ".", problem_type=MALFORMED
        )
    what = "presentation" if kind == "VerifiablePresentation" else "credential"
    return Check(id="structure", status="passed", sentence=f"Well-formed VC {version} {what}.", value=version)


def _as_v2(document: Mapping[str, Any]) -> dict[str, Any]:
    """A VC 1.1-era OB3 credential with its base context and date fields as in 2.0, so the one schema applies."""
    copy = dict(document)
    if credential_version(document) == "1.1":
        copy["@context"] = [CREDENTIALS_V2, *_as_list(document.get("@context"))[1:]]
        for old, new in (("issuanceDate", "validFrom"), ("expirationDate", "validUntil")):
            if old in copy and new not in copy:
                copy[new] = copy.pop(old)
    return copy


def _proof_as_set(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The document with a single ``proof`` object written as a one-element set, as the OB 3.0 schema asks.

    VC Data Integrity allows one proof as an object or a set of proofs
    (https://www.w3.org/TR/vc-data-integrity/#proofs); both are the same RDF graph, so a proof written as an object
    is no deviation from OB 3.0 worth reporting. The credential itself is never rewritten.
    """
    proof = document.get("proof")
    return {**document, "proof": [proof]} if isinstance(proof, Mapping) else document


def declared_schemas(document: Mapping[str, Any]) -> list[str]:
    """The ``credentialSchema`` ids the credential declares."""
    return [
        str(entry["id"])
        for entry in _as_list(document.get("credentialSchema"))
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str)
    ]


def check_ob3_schema(document: Mapping[str, Any]) -> Check:
    """The OB3 AchievementCredential JSON Schema and @context rule (only for credentials that say they are OB3).

    The schema decides only when the credential declares it in ``credentialSchema`` (OB 3.0 verification step 1:
    "If the credential has a credentialSchema ... validate against it"); otherwise what it finds is a warning,
    shown and never failing ``verified`` (the check's value is ``advisory``).
    https://www.imsglobal.org/spec/ob/v3p0/#verification (step 1)
    """
    if not is_ob3(document):
        return Check(
            id="schema",
            status="not-checked",
            sentence="Not an Open Badges credential, so the OB3 schema does not apply.",
            value="not-applicable",
        )
    contexts = _as_list(document.get("@context"))
    if len(contexts) < 2 or not isinstance(contexts[1], str) or not OB3_CONTEXT.match(contexts[1]):
        return Check(
            id="schema",
            status="failed",
            sentence="An Open Badges credential must name an OB 3.0 context second in @context.",
            problem_type=MALFORMED,
        )
    declared = OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA in map(pinned_schema, declared_schemas(document))
    # Several status entries (revocation + suspension) are VC 2.0; the OB 3.0 schema checks the first.
    candidate, extra = ob3_status_view(_proof_as_set(_as_v2(document)))
    violations = [*extra, *validate_against(candidate, OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA)]
    if not violations:
        return Check(
            id="schema", status="passed", sentence="Matches the Open Badges 3.0 AchievementCredential schema."
        )
    sentences = list(dict.fromkeys(v.sentence or v.message for v in violations))
    shown = "; ".join(sentences[:5]) + ("; ..." if len(sentences) > 5 else "")
    if declared:
        return Check(
            id="schema",
            status="failed",
            sentence=f"Does not match the Open Badges 3.0 schema it declares: {shown}.",
            problem_type=MALFORMED,
        )
    return Check(
        id="schema",
        status="failed",
        sentence="Warning: differs from the Open Badges 3.0 JSON Schema, which the credential does not declare, "
        f"so this does not make it invalid: {shown}.",
        problem_type=MALFORMED,
        value=ADVISORY,
    )


def check_declared_schemas(document: Mapping[str, Any]) -> Check | None:
    """Each ``credentialSchema`` besides the OB 3.0 one (checked by :func:`check_ob3_schema`) against its pinned copy.

    Schemas are never fetched: a declared schema this verifier ships (our EU extension schema, at whatever
    deployment serves it) is run; one it does not ship is named as not checked. The check reports and never
    decides ``verified`` (it is not a core check); None when no other schema is declared (nothing to report).
    https://www.w3.org/TR/vc-data-model-2.0/#data-schemas
    """
    others = [
        url for url in declared_schemas(document) if pinned_schema(url) != OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA
    ]
    if not others:
        return None
    unknown = [url for url in others if pinned_schema(url) is None]
    failures: list[str] = []
    for url in others:
        pinned = pinned_schema(url)
        if pinned is not None:
            violations = validate_against(document, pinned)
            failures += [f"{v.pointer}: {v.message}" for v in violations[:5]]
    if failures:
        return Check(
            id="declaredSchemas",
            status="failed",
            sentence="Does not match a schema it declares: " + "; ".join(failures) + ".",
            problem_type=MALFORMED,
        )
    if unknown:
        named = ", ".join(f'"{url}"' for url in unknown)
        return Check(
            id="declaredSchemas",
            status="not-checked",
            sentence=f"Declares the schema {named}, which this verifier does not have (schemas are never "
            "fetched), so it was not checked.",
        )
    return Check(
        id="declaredSchemas",
        status="passed",
        sentence=f"Matches the {len(others)} further schema(s) it declares, checked against pinned copies.",
    )


def check_contexts(
    document: Mapping[str, Any],
    *,
    loader: DocumentLoader,
    known: dict[str, bool] | None = None,
    unrecognised: Mapping[str, str] | None = None,
) -> Check:
    """Every ``@context`` is a URL the offline loader serves from a pinned file (no inline contexts).

    ``known`` memoizes the loader's answer per URL (the loader is fixed for a verifier's lifetime);
    ``unrecognised`` says, per URL fetched to compare with the pinned copies (``verifier.context_digests``), why
    it is not used.
    """
    memo = known if known is not None else {}
    contexts = _as_list(document.get("@context"))
    problems: list[str] = []
    unknown: list[str] = []
    for value in contexts:
        if not isinstance(value, str):
            problems.append("an inline (embedded) context, which this verifier does not accept")
            continue
        if value not in memo:
            try:
                loader(value, {})
                # only pinned URLs are remembered: unknown ones would grow the memo forever
                memo[value] = True
            except MicrocredError:
                unknown.append(value)
    if not contexts:
        problems.append('"@context" is missing')
    if problems:
        return Check(
            id="contexts",
            status="failed",
            sentence="Context not allowed: " + "; ".join(problems) + ".",
            problem_type="https://microcred.eu/problems/context-not-allowed",
        )
    compared = [f'"{url}" ({unrecognised[url]})' for url in unknown if unrecognised and url in unrecognised]
    if compared:
        return Check(
            id="contexts",
            status="not-checked",
            sentence="Uses the JSON-LD context "
            + ", ".join(compared)
            + ", so what the credential says could not "
            "be read as signed.",
            problem_type="https://microcred.eu/problems/context-not-allowed",
        )
    if unknown:
        # a context this verifier has no pinned copy of is one it does not implement: not a sign of tampering
        named = ", ".join(f'"{url}"' for url in unknown)
        return Check(
            id="contexts",
            status="not-checked",
            sentence=f"Uses the JSON-LD context {named}, which this verifier does not have (contexts are never "
            "fetched), so what the credential says could not be read as signed.",
            problem_type="https://microcred.eu/problems/context-not-allowed",
        )
    aliased = getattr(loader, "aliases", {})
    recognised = "".join(
        f' ("{url}" serves, byte for byte, the pinned copy of "{pinned}")' for url, pinned in aliased.items()
    )
    return Check(
        id="contexts",
        status="passed",
        sentence=f"All {len(contexts)} contexts are on the allow-list and served from pinned copies{recognised}.",
    )
