"""Structure checks: VC 2.0 / 1.1 data model shape, the OB3 AchievementCredential schema, pinned contexts.

https://www.w3.org/TR/vc-data-model-2.0/#basic-concepts ; https://www.imsglobal.org/spec/ob/v3p0/#verification
https://www.w3.org/TR/vc-data-integrity/#contexts-and-vocabularies
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import fastjsonschema

from microcred.contexts import DocumentLoader
from microcred.vc.errors import MicrocredError
from microcred.vc.schema import OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA, ob3_status_view, schema_document
from microcred.verifier.report import Check

__all__ = [
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "OB3_TYPES",
    "check_contexts",
    "check_ob3_schema",
    "check_structure",
    "credential_version",
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


_ONLY_FOR = {
    "array": frozenset({"items", "minItems", "maxItems", "contains", "uniqueItems", "additionalItems"}),
    "string": frozenset({"minLength", "maxLength", "pattern", "format"}),
    "object": frozenset({"properties", "required", "additionalProperties", "minProperties", "maxProperties"}),
}
"""Keywords that only constrain instances of one JSON type (JSON Schema validation §6)."""


def exclusive_branches(schema: Any, definitions: Mapping[str, Any] | None = None) -> Any:
    """The same schema with each two-branch ``oneOf`` whose branches require different JSON types rewritten.

    Equivalent: an instance of the type of one branch cannot satisfy the other (it requires another type), so
    exactly one branch holds iff the branch of the instance's type holds. Two inline branches whose keywords
    only constrain their own type merge into one schema (``{"type": [T1, T2], ...both keywords}``); a branch
    behind ``$ref`` becomes ``if {type: T} then <T branch> else <other>``. fastjsonschema runs ``oneOf`` by
    trying every branch and catching exceptions; the rewrites try one. (All 19 ``oneOf`` of the OB3 schema are
    string-or-array or object-or-array.) An ``anyOf`` of bare ``{"type": T}`` branches becomes a type union.
    """
    defs = definitions if definitions is not None else schema.get("$defs", {})

    def branch_type(branch: Any) -> Any:
        if isinstance(branch, Mapping) and "$ref" in branch:
            target = defs.get(str(branch["$ref"]).rsplit("/", 1)[-1], {})
            return target.get("type") if isinstance(target, Mapping) else None
        return branch.get("type") if isinstance(branch, Mapping) else None

    def mergeable(branch: Mapping[str, Any], kind: str) -> bool:
        return "$ref" not in branch and set(branch) - {"type"} <= _ONLY_FOR.get(kind, frozenset())

    if isinstance(schema, list):
        return [exclusive_branches(item, defs) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    out = {key: exclusive_branches(value, defs) for key, value in schema.items()}
    alternatives = out.get("anyOf")
    if (
        isinstance(alternatives, list)
        and "type" not in out
        and all(
            isinstance(b, Mapping) and set(b) == {"type"} and isinstance(b["type"], str) for b in alternatives
        )
    ):
        # anyOf of bare types (e.g. a @context entry: object or string) is a type union
        del out["anyOf"]
        out["type"] = [b["type"] for b in alternatives]
    branches = out.get("oneOf")
    if isinstance(branches, list) and len(branches) == 2 and not {"if", "then", "else", "type"} & out.keys():
        first, second = (branch_type(b) for b in branches)
        if isinstance(first, str) and isinstance(second, str) and first != second:
            del out["oneOf"]
            if all(mergeable(b, t) for b, t in zip(branches, (first, second), strict=True)):
                out.update({k: v for b in branches for k, v in b.items() if k != "type"})
                out["type"] = [first, second]
            else:
                likely, other = (
                    (branches[1], branches[0]) if second == "array" else (branches[0], branches[1])
                )
                out.update({"if": {"type": branch_type(likely)}, "then": likely, "else": other})
    return out


_NAME_FORMATTING = re.compile(r'\(name_prefix or "data"\) \+ "[^"\n]*"\.format\(\*\*locals\(\)\)')
_FIRST_FUNCTION = re.compile(r"^def (validate_\w+)\(", re.MULTILINE)


def _compile_decider(schema: Mapping[str, Any]) -> Callable[[Any], Any]:
    """fastjsonschema's code for ``schema``, without the error-path names it formats eagerly for every array item.

    fastjsonschema passes each ``$ref`` call on an array item a name built with ``"...[{x}]".format(**locals())``
    whether or not validation fails; this validator only decides valid/invalid (the detailed one words the
    sentence), so those names become a constant. That halves its cost.
    """
    code = fastjsonschema.compile_to_code(dict(schema), detailed_exceptions=False, use_default=False)
    code = _NAME_FORMATTING.sub('"data"', code)
    entry = _FIRST_FUNCTION.search(code)
    if entry is None:
        raise RuntimeError("fastjsonschema produced no validation function")
    namespace: dict[str, Any] = {}
    exec(compile(code, "<ob3-schema>", "exec"), namespace)  # noqa: S102  (code generated from our pinned schema)
    decide: Callable[[Any], Any] = namespace[entry.group(1)]
    return decide


@cache
def _ob3_validators() -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """The shipped OB3 AchievementCredential schema (``vc/schemas``, sha256-pinned) compiled to Python code.

    A fast validator (exclusive ``oneOf`` rewritten, no detailed exceptions or error names) decides; the detailed
    one only runs to word the sentence when the fast one refuses. The schema uses only keywords draft-07 shares
    with 2019-09; a test checks the fast validator agrees with jsonschema's Draft201909Validator on the original.
    """
    document = dict(schema_document(OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA))
    fast = _compile_decider(exclusive_branches(document))
    # use_default=False: a validator must never write schema defaults into the credential it checks
    detailed: Callable[[Any], Any] = fastjsonschema.compile(document, use_default=False)
    return fast, detailed


def _as_v2(document: Mapping[str, Any]) -> dict[str, Any]:
    """A VC 1.1-era OB3 credential with its date fields named as in 2.0, so the one schema applies."""
    copy = dict(document)
    if credential_version(document) == "1.1":
        for old, new in (("issuanceDate", "validFrom"), ("expirationDate", "validUntil")):
            if old in copy and new not in copy:
                copy[new] = copy.pop(old)
    return copy


def check_ob3_schema(document: Mapping[str, Any]) -> Check:
    """The OB3 AchievementCredential JSON Schema and @context rule (only for credentials that say they are OB3).

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
    # Several status entries (revocation + suspension) are VC 2.0; the OB 3.0 schema checks the first.
    candidate, extra = ob3_status_view(_as_v2(document))
    if extra:
        return Check(
            id="schema",
            status="failed",
            sentence=f"Does not match the Open Badges 3.0 AchievementCredential schema: {extra[0].pointer}: "
            f"{extra[0].message}.",
            problem_type=MALFORMED,
        )
    fast, detailed = _ob3_validators()
    try:
        fast(candidate)
    except fastjsonschema.JsonSchemaValueException:
        try:
            detailed(candidate)
            where, message = "(root)", "refused by the schema"
        except fastjsonschema.JsonSchemaValueException as exc:
            name = exc.name or "data"
            where = name.replace("data.", "", 1) if name != "data" else "(root)"
            message = exc.message[:160]
        return Check(
            id="schema",
            status="failed",
            sentence=f"Does not match the Open Badges 3.0 AchievementCredential schema: {where}: {message}.",
            problem_type=MALFORMED,
        )
    return Check(
        id="schema", status="passed", sentence="Matches the Open Badges 3.0 AchievementCredential schema."
    )


def check_contexts(
    document: Mapping[str, Any], *, loader: DocumentLoader, known: dict[str, bool] | None = None
) -> Check:
    """Every ``@context`` is a URL the offline loader serves from a pinned file (no inline contexts).

    ``known`` memoizes the loader's answer per URL (the loader is fixed for a verifier's lifetime).
    """
    memo = known if known is not None else {}
    contexts = _as_list(document.get("@context"))
    problems: list[str] = []
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
                problems.append(f'"{value}" is not a pinned context')
                continue
        if not memo[value]:
            problems.append(f'"{value}" is not a pinned context')
    if not contexts:
        problems.append('"@context" is missing')
    if problems:
        return Check(
            id="contexts",
            status="failed",
            sentence="Context not allowed: " + "; ".join(problems) + ".",
            problem_type="https://microcred.eu/problems/context-not-allowed",
        )
    return Check(
        id="contexts",
        status="passed",
        sentence=f"All {len(contexts)} contexts are on the allow-list and served from pinned copies.",
    )
