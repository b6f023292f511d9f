"""Structure checks: the OB3 schema's fast form agrees with jsonschema on the original; VC shapes; contexts."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any

import fastjsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft201909Validator, FormatChecker

from microcred.vc.schema import (
    OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA,
    compiled_validator,
    exclusive_branches,
    schema_document,
)
from microcred.verifier.structure import check_declared_schemas, check_ob3_schema, check_structure
from tests.verifier.factories import ob3_credential

RFC3339 = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):?[0-5]\d)$"
)
FORMATS = FormatChecker()


def rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value[:19])
    except ValueError:
        return False
    return True


FORMATS.checks("date-time")(rfc3339)
# jsonschema checks "date-time" only with an optional package; give it an RFC 3339 check so both validate formats
REFERENCE = Draft201909Validator(schema_document(OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA), format_checker=FORMATS)
BASE = ob3_credential("did:key:z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd", eu=True)


def fast_valid(document: Any) -> bool:
    try:
        compiled_validator(OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA)(document)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += paths(inner, (*prefix, index))
    return found


PATHS = paths(BASE)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=6),
    st.sampled_from(
        [
            "2026-01-01T00:00:00Z",
            "2026-01-01",
            "2026-13-01T00:00:00Z",
            "not-a-date",
            "https://x.example/",
            "Profile",
        ]
    ),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.sampled_from(["id", "type", "name"]), st.text(max_size=3), max_size=2),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=VALUES, delete=st.booleans())
def test_fast_schema_agrees_with_jsonschema_on_the_original(
    path: tuple[Any, ...], value: Any, delete: bool
) -> None:
    document = copy.deepcopy(BASE)
    target: Any = document
    for part in path[:-1]:
        target = target[part]
    if delete and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = value
    assert fast_valid(document) == REFERENCE.is_valid(document)


def test_the_base_credential_is_valid_both_ways() -> None:
    assert REFERENCE.is_valid(BASE)
    assert fast_valid(BASE)


def test_exclusive_branches_rewrites_only_disjoint_types() -> None:
    schema = {
        "$defs": {"Obj": {"type": "object"}},
        "properties": {
            "a": {"oneOf": [{"type": "string"}, {"type": "array"}]},
            "b": {"oneOf": [{"$ref": "#/$defs/Obj"}, {"type": "array"}]},
            "c": {"oneOf": [{"type": "string"}, {"type": "string", "minLength": 3}]},
            "d": {
                "oneOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}]
            },
            "e": {"oneOf": [{"type": "string"}, {"type": "array", "minLength": 2}]},
            "f": {"anyOf": [{"type": "object"}, {"type": "string"}]},
            "g": {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "string", "pattern": "^ext:"}]},
        },
    }
    out = exclusive_branches(schema)
    assert out["properties"]["a"] == {"type": ["string", "array"]}
    assert out["properties"]["b"]["if"] == {"type": "array"}
    assert out["properties"]["c"] == schema["properties"]["c"]  # overlapping branches keep oneOf
    assert out["properties"]["d"] == {"type": ["string", "array"], "minItems": 1, "items": {"type": "string"}}
    # a string keyword on the array branch would constrain strings once merged: if/then/else instead
    assert out["properties"]["e"]["if"] == {"type": "array"}
    assert out["properties"]["f"] == {"type": ["object", "string"]}
    assert out["properties"]["g"] == schema["properties"]["g"]


def test_schema_failure_names_the_field() -> None:
    document = copy.deepcopy(BASE)
    document["credentialSubject"]["achievement"]["criteria"] = "pass"
    check = check_ob3_schema(document)
    assert check.status == "failed"
    assert "criteria" in check.sentence


def test_vc11_form_is_checked_with_its_date_fields_mapped() -> None:
    document = ob3_credential("did:key:z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd", v11=True)
    assert check_ob3_schema(document).status == "passed"
    del document["issuanceDate"]
    assert check_ob3_schema(document).status == "failed"


def test_ob3_needs_an_ob_context_second() -> None:
    document = copy.deepcopy(BASE)
    document["@context"] = [document["@context"][0], "https://www.w3.org/ns/credentials/undefined-terms/v2"]
    assert check_ob3_schema(document).status == "failed"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"@context": ["https://example.org/v9"]}, "@context"),
        ({"type": ["OpenBadgeCredential"]}, "VerifiableCredential"),
        ({"issuer": 5}, "issuer"),
        ({"credentialSubject": "me"}, "credentialSubject"),
        ({"proof": "sig"}, "proof"),
    ],
)
def test_structure_failures(change: dict[str, Any], message: str) -> None:
    check = check_structure({**BASE, **change})
    assert check.status == "failed"
    assert message in check.sentence


EDGE_VALUES: list[Any] = [
    None,
    True,
    0,
    "",
    "2026-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "not-a-date",
    "Profile",
    [],
    ["a"],
    {},
]


def test_fast_schema_agrees_on_every_field_with_edge_values() -> None:
    """Deterministic companion of the hypothesis test: each field of the credential set to each edge value or removed."""
    disagreements = []
    for path in PATHS:
        candidates: list[tuple[bool, Any]] = [(False, value) for value in EDGE_VALUES] + [(True, None)]
        for delete, value in candidates:
            document = copy.deepcopy(BASE)
            target: Any = document
            for part in path[:-1]:
                target = target[part]
            if delete:
                if not isinstance(target, dict):
                    continue
                del target[path[-1]]
            else:
                target[path[-1]] = value
            if fast_valid(document) != REFERENCE.is_valid(document):
                disagreements.append((path, "deleted" if delete else value))
    assert disagreements == []


def test_declared_extension_schemas_are_run_from_pinned_copies_and_unknown_ones_named() -> None:
    document = copy.deepcopy(BASE)
    document["credentialSchema"] = [
        {"id": OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}
    ]
    assert check_declared_schemas(document) is None  # only the OB 3.0 schema: the schema check's business
    achievement = {"eqfLevel": "http://data.europa.eu/snb/eqf/6"}
    document["credentialSubject"] = {"achievement": achievement}
    # our EU schema at any deployment's URL is the pinned copy (the same bytes everywhere)
    document["credentialSchema"] = [
        {
            "id": "https://uni.example:8443/schemas/eu-microcredential/v1.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]
    assert check_declared_schemas(document).status == "passed"
    achievement["eqfLevel"] = "http://data.europa.eu/snb/eqf/9"
    failed = check_declared_schemas(document)
    assert failed.status == "failed"
    assert "/credentialSubject/achievement/eqfLevel" in failed.sentence
    other = "https://schemas.example/other/v1.json"
    document["credentialSchema"] = [{"id": other, "type": "1EdTechJsonSchemaValidator2019"}]
    unknown = check_declared_schemas(document)
    assert (unknown.status, other in unknown.sentence) == ("not-checked", True)
