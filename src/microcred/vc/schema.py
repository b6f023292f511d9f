"""Validation against the shipped JSON Schemas (the OB 3.0 AchievementCredential schema), never fetched at run time.

https://www.imsglobal.org/spec/ob/v3p0/#credentialschema-0 (``1EdTechJsonSchemaValidator2019``)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft201909Validator, FormatChecker

from microcred.vc.errors import MicrocredError

__all__ = [
    "OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA",
    "OB3_SCHEMA_TYPE",
    "SchemaViolation",
    "ob3_status_view",
    "schema_document",
    "validate_against",
]

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
OB3_SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"


@dataclass(frozen=True)
class SchemaViolation:
    """One schema error: a JSON pointer into the document and what was expected there."""

    pointer: str
    message: str


@cache
def _manifest() -> dict[str, Mapping[str, Any]]:
    raw = json.loads((SCHEMAS_DIR / "manifest.json").read_text(encoding="utf-8"))
    return {entry["id"]: entry for entry in raw["schemas"]}


@cache
def schema_document(schema_id: str) -> Mapping[str, Any]:
    """The pinned schema published at ``schema_id`` (sha256-checked); MicrocredError for an unknown id."""
    entry = _manifest().get(schema_id)
    if entry is None:
        raise MicrocredError(f'no JSON Schema "{schema_id}" is shipped')
    data = (SCHEMAS_DIR / entry["file"]).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise MicrocredError(
            f"schema file {entry['file']} has sha256 {digest}, manifest pins {entry['sha256']}"
        )
    document: Mapping[str, Any] = json.loads(data)
    return document


@cache
def _validator(schema_id: str) -> Draft201909Validator:
    return Draft201909Validator(schema_document(schema_id), format_checker=FormatChecker())


@cache
def _compiled(schema_id: str) -> Any:
    # Compiled to Python once: ~0.1 ms per credential instead of ~1.7 ms, which bulk issuance needs.
    return fastjsonschema.compile(dict(schema_document(schema_id)))


def _pointer(path: Any) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def validate_against(document: Mapping[str, Any], schema_id: str) -> list[SchemaViolation]:
    """Every violation of the shipped schema ``schema_id`` by ``document`` (empty when it is valid).

    The compiled validator decides; only for an invalid document does jsonschema collect every violation (the
    compiled one stops at the first). Formats (date-time) are checked by the compiled validator.
    """
    try:
        _compiled(schema_id)(document)
    except fastjsonschema.JsonSchemaValueException as first:
        errors = sorted(
            _validator(schema_id).iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
        )
        found = [SchemaViolation(pointer=_pointer(e.absolute_path) or "/", message=e.message) for e in errors]
        path = [str(p) for p in (first.path or [])[1:]]
        return found or [SchemaViolation(pointer=_pointer(path) or "/", message=first.message)]
    return []


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
