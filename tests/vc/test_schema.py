"""The shipped OB 3.0 AchievementCredential JSON Schema: pinned, offline, and it rejects what OB3 forbids."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from microcred.issuer import (
    DEMO_ACHIEVEMENT,
    AchievementDefinition,
    Award,
    IssuerProfile,
    Learner,
    achievement_document,
    build_credential,
)
from microcred.vc.errors import MicrocredError
from microcred.vc.schema import (
    OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA,
    SCHEMAS_DIR,
    schema_document,
    validate_against,
)
from tests.factories import OB3_PUBLISHED_SCHEMA

WHEN = datetime(2026, 6, 30, 12, tzinfo=UTC)


def credential() -> dict[str, Any]:
    definition = AchievementDefinition.model_validate(DEMO_ACHIEVEMENT).normalized()
    achievement = achievement_document(
        definition, achievement_id="https://issuer.example/achievements/a/versions/1", version=1
    )
    return build_credential(
        credential_id="urn:uuid:00000000-0000-4000-8000-000000000001",
        issuer=IssuerProfile(
            did="did:web:issuer.example", name="University", url="https://issuer.example", country="IE"
        ),
        achievement=achievement,
        award=Award(learner=Learner(email="a@example.com"), awarded_date=WHEN, valid_from=WHEN),
        salt="Kosher",
    )


def test_manifest_pins_the_file_and_records_its_source() -> None:
    manifest = json.loads((SCHEMAS_DIR / "manifest.json").read_text())["schemas"]
    (entry,) = [e for e in manifest if e["id"] == OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA]
    data = (SCHEMAS_DIR / entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert "1EdTech" in entry["source"]
    # the OB 3.0 spec names the json/ URL, the published file's $id is its json-ld/ twin: both are known
    assert entry["id"] == OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA
    assert json.loads(data)["$id"] in entry["aliases"]


@pytest.mark.shared
def test_the_shipped_ob3_schema_is_the_published_one_byte_for_byte() -> None:
    """The schema 1EdTech publishes, read in place: a relaxed copy would pass what other verifiers refuse."""
    (entry,) = [
        e
        for e in json.loads((SCHEMAS_DIR / "manifest.json").read_text())["schemas"]
        if e["id"] == OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA
    ]
    assert (SCHEMAS_DIR / entry["file"]).read_bytes() == OB3_PUBLISHED_SCHEMA.read_bytes()


def test_a_built_credential_is_valid() -> None:
    assert validate_against(credential(), OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA) == []


@pytest.mark.parametrize(
    ("mutate", "pointer"),
    [
        (lambda c: c.pop("validFrom"), "/"),
        (lambda c: c["credentialSubject"]["achievement"].pop("criteria"), "/credentialSubject/achievement"),
        (
            lambda c: c["credentialSubject"]["identifier"][0].update(extra=1),
            "/credentialSubject/identifier/0",
        ),
        (
            lambda c: c["credentialSubject"]["achievement"].update(achievementType="Nanodegree"),
            "/credentialSubject/achievement/achievementType",
        ),
        (lambda c: c["issuer"].pop("id"), "/issuer"),
    ],
)
def test_violations_carry_a_pointer(mutate: Any, pointer: str) -> None:
    document = copy.deepcopy(credential())
    mutate(document)
    violations = validate_against(document, OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA)
    assert pointer in [v.pointer for v in violations]


def test_unknown_schema_is_refused() -> None:
    with pytest.raises(MicrocredError):
        schema_document("https://example.org/schema.json")


def test_a_malformed_date_time_is_a_violation() -> None:
    document = credential()
    document["validFrom"] = "30/06/2026"
    assert [v.pointer for v in validate_against(document, OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA)] == [
        "/validFrom"
    ]
