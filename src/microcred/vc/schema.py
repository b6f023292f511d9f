"""Validation against the shipped JSON Schemas (the OB 3.0 AchievementCredential schema), never fetched at run time.

https://www.imsglobal.org/spec/ob/v3p0/#credentialschema-0 (``1EdTechJsonSchemaValidator2019``)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import fastjsonschema
from fastjsonschema.draft04 import CodeGeneratorDraft04
from jsonschema import Draft201909Validator, FormatChecker, ValidationError
from jsonschema.exceptions import best_match

from microcred.vc.errors import MicrocredError

__all__ = [
    "EU_MICROCREDENTIAL_SCHEMA",
    "EU_MICROCREDENTIAL_SCHEMA_PATH",
    "OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA",
    "OB3_SCHEMA_TYPE",
    "SchemaViolation",
    "compiled_validator",
    "exclusive_branches",
    "is_valid",
    "ob3_status_view",
    "pinned_schema",
    "schema_bytes",
    "schema_document",
    "validate_against",
]

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
OB3_SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"
EU_MICROCREDENTIAL_SCHEMA = "https://microcred.eu/schemas/eu-microcredential/v1.json"
"""Our EU extension schema's id; each deployment publishes it at :data:`EU_MICROCREDENTIAL_SCHEMA_PATH`."""
EU_MICROCREDENTIAL_SCHEMA_PATH = "/schemas/eu-microcredential/v1.json"
_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_DATE_TIME = re.compile(CodeGeneratorDraft04.FORMAT_REGEXS["date-time"])


@dataclass(frozen=True)
class SchemaViolation:
    """One schema error: a JSON pointer into the document, the validator's message and a sentence for people."""

    pointer: str
    message: str
    sentence: str = ""


@cache
def _manifest() -> dict[str, Mapping[str, Any]]:
    raw = json.loads((SCHEMAS_DIR / "manifest.json").read_text(encoding="utf-8"))
    # a schema may be published at several URLs (1EdTech serves the OB 3.0 one under json/ and json-ld/)
    return {url: entry for entry in raw["schemas"] for url in (entry["id"], *entry.get("aliases", ()))}


def pinned_schema(url: str) -> str | None:
    """The id of the shipped schema published at ``url``, or None when none is shipped (nothing is ever fetched).

    Our own schemas are served by every deployment at a fixed path, with the same bytes, so any http(s) URL with
    that path names the pinned copy (as the EU context does: one content, many hosts).
    """
    manifest = _manifest()
    if url in manifest:
        return str(manifest[url]["id"])
    parts = urlsplit(url)
    if parts.scheme in ("https", "http") and parts.netloc and not parts.query and not parts.fragment:
        for entry in manifest.values():
            if entry.get("path") == parts.path:
                return str(entry["id"])
    return None


@cache
def schema_bytes(schema_id: str) -> bytes:
    """The pinned schema file published at ``schema_id`` (sha256-checked); MicrocredError for an unknown id."""
    entry = _manifest().get(schema_id)
    if entry is None:
        raise MicrocredError(f'no JSON Schema "{schema_id}" is shipped')
    data = (SCHEMAS_DIR / entry["file"]).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise MicrocredError(
            f"schema file {entry['file']} has sha256 {digest}, manifest pins {entry['sha256']}"
        )
    return bytes(data)


@cache
def schema_document(schema_id: str) -> Mapping[str, Any]:
    """The pinned schema published at ``schema_id``, parsed; MicrocredError for an unknown id."""
    document: Mapping[str, Any] = json.loads(schema_bytes(schema_id))
    return document


def _date_time(value: object) -> bool:
    # jsonschema checks "date-time" only with an optional package; the compiled validator's own pattern is the rule
    return not isinstance(value, str) or _DATE_TIME.match(value) is not None


@cache
def _validator(schema_id: str) -> Draft201909Validator:
    """jsonschema over the original schema: slow, but it lists every violation with its path (only for invalid ones)."""
    formats = FormatChecker()
    formats.checks("date-time")(_date_time)
    return Draft201909Validator(schema_document(schema_id), format_checker=formats)


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


@cache
def compiled_validator(schema_id: str) -> Callable[[Any], Any]:
    """The one compiled validator of the shipped schema ``schema_id``: raises JsonSchemaValueException when invalid.

    fastjsonschema turns the schema into Python code once (~0.1 ms per credential instead of ~1.7 ms with
    jsonschema, which bulk issuance and the verifier need), after exclusive ``oneOf`` branches are rewritten to one
    test (:func:`exclusive_branches`) and without the error-path names fastjsonschema formats eagerly for every
    array item: this validator only decides valid/invalid; :func:`validate_against` words what is wrong. A test
    checks it agrees with jsonschema's Draft201909Validator on the original schema. Schema defaults are never
    written into the document (``use_default=False``).
    """
    schema = exclusive_branches(dict(schema_document(schema_id)))
    code = fastjsonschema.compile_to_code(schema, detailed_exceptions=False, use_default=False)
    code = _NAME_FORMATTING.sub('"data"', code)
    entry = _FIRST_FUNCTION.search(code)
    if entry is None:
        raise RuntimeError("fastjsonschema produced no validation function")
    namespace: dict[str, Any] = {}
    exec(compile(code, f"<schema {schema_id}>", "exec"), namespace)  # noqa: S102  (code generated from our pinned schema)
    decide: Callable[[Any], Any] = namespace[entry.group(1)]
    return decide


def is_valid(document: Any, schema_id: str) -> bool:
    """Whether ``document`` satisfies the shipped schema ``schema_id`` (the compiled validator decides)."""
    try:
        compiled_validator(schema_id)(document)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


def _pointer(path: Any) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def validate_against(document: Mapping[str, Any], schema_id: str) -> list[SchemaViolation]:
    """Every violation of the shipped schema ``schema_id`` by ``document`` (empty when it is valid).

    The compiled validator decides; only for an invalid document does jsonschema collect every violation (the
    compiled one stops at the first and names nothing), each with a sentence saying what is wrong.
    """
    if is_valid(document, schema_id):
        return []
    errors = sorted(
        _validator(schema_id).iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
    )
    found = [
        SchemaViolation(pointer=_pointer(e.absolute_path) or "/", message=e.message, sentence=_sentence(e))
        for e in errors
    ]
    return found or [
        SchemaViolation(
            pointer="/", message="refused by the schema", sentence="the schema refuses the document"
        )
    ]


_NAMES: dict[tuple[str, ...], tuple[str, str]] = {
    (): ("the credential", "credential"),
    ("issuer",): ("the issuer", "Profile"),
    ("issuer", "image"): ("the issuer's image", "Image"),
    ("issuer", "address"): ("the issuer's address", "Address"),
    ("credentialSubject",): ("the credential subject", "AchievementSubject"),
    ("credentialSubject", "achievement"): ("the achievement", "Achievement"),
    ("credentialSubject", "achievement", "criteria"): ("the achievement's criteria", "Criteria"),
    ("credentialSubject", "achievement", "image"): ("the achievement's image", "Image"),
    ("credentialSubject", "achievement", "creator"): ("the achievement's creator", "Profile"),
    ("image",): ("the credential's image", "Image"),
    ("credentialStatus",): ("the status entry", "CredentialStatus"),
    ("credentialSchema",): ("the credential schema", "CredentialSchema"),
    ("proof",): ("the proof", "Proof"),
}


def _subject(path: tuple[str, ...]) -> tuple[str, str | None]:
    """How a sentence names the value at ``path`` (array indexes dropped), and the OB 3.0 class it should be."""
    if path in _NAMES:
        return _NAMES[path]
    return f'"{".".join(path)}"', None


def _kind(value: Any) -> str:
    if isinstance(value, str):
        if value.startswith("did:"):
            return "a plain DID"
        if value.startswith(("https://", "http://")):
            return "a plain URL"
        return "a plain string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return "an object"


def _sentence(error: ValidationError) -> str:
    """A sentence for one schema error: what the value is and what OB 3.0 asks of it, not the validator's output."""
    path = tuple(str(p) for p in error.absolute_path if not isinstance(p, int))
    subject, cls = _subject(path)
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind in ("oneOf", "anyOf") and error.context:
        # the branch closest to the value says more than "none of the shapes" (an Image object, not a URL)
        # (a branch refusing the value's JSON type at its root is not the branch meant)
        meant = [e for e in error.context if e.validator != "type" or e.relative_path]
        return _sentence(best_match(meant or error.context))
    if kind == "type":
        wanted = expected if isinstance(expected, list) else [expected]
        if "object" in wanted and cls is not None:
            return f"{subject} is {_kind(instance)}, not {'an' if cls[0] in 'AEIOU' else 'a'} {cls} object"
        return f"{subject} is {_kind(instance)}, where OB 3.0 expects {' or '.join(map(str, wanted))}"
    if kind == "required":
        # jsonschema reports each missing property as its own error, naming it in the message
        missing = _REQUIRED.match(error.message)
        return f"{subject} has no {missing.group(1) if missing else 'property the schema requires'}"
    if kind == "format":
        return f"{subject} is not a {expected} ({instance!r})"
    if kind in ("enum", "const"):
        allowed = expected if isinstance(expected, list) else [expected]
        shown = ", ".join(map(str, allowed[:6])) + (", ..." if len(allowed) > 6 else "")
        return f"{subject} is {instance!r}, not one of the values OB 3.0 allows ({shown})"
    if kind == "minItems":
        return f"{subject} is an empty list"
    if kind == "additionalProperties" and isinstance(instance, Mapping):
        return f"{subject} has properties OB 3.0 does not define there"
    if kind in ("oneOf", "anyOf"):
        return f"{subject} has none of the shapes OB 3.0 allows there"
    if kind == "contains":
        return f"{subject} lacks a value OB 3.0 requires in it"
    if kind == "pattern":
        return f"{subject} ({instance!r}) is not written as OB 3.0 requires"
    return f"{subject} does not satisfy the OB 3.0 schema ({kind})"


def ob3_status_view(document: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[SchemaViolation]]:
    """The document as the OB 3.0 schema sees it (one ``credentialStatus``), and what is wrong with further entries.

    VC 2.0 allows several status entries (e.g. a revocation and a suspension list); the OB 3.0.3 schema takes
    one object (https://github.com/1EdTech/openbadges-specification/issues/623 proposes more for 3.1). The first
    entry goes through the schema; each further one must be what the schema asks of that one (``CredentialStatus``:
    an object with string ``id`` and ``type``). https://www.w3.org/TR/vc-data-model-2.0/#status
    """
    status = document.get("credentialStatus")
    if not isinstance(status, list) or not status:
        return document, []
    problems = [
        SchemaViolation(
            pointer=f"/credentialStatus/{index}",
            message='a credentialStatus entry must be an object with a string "id" and "type"',
        )
        for index, entry in enumerate(status[1:], start=1)
        if not (
            isinstance(entry, Mapping)
            and isinstance(entry.get("id"), str)
            and isinstance(entry.get("type"), str)
        )
    ]
    return {**document, "credentialStatus": status[0]}, problems
