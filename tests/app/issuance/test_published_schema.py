"""Issue 15 point 3: what the service issues passes the OB 3.0 schema 1EdTech publishes, read in place, and our EU
extension schema, which the deployment publishes and each credential declares."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft201909Validator

from microcred.vc.schema import OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA, SCHEMAS_DIR
from tests.factories import OB3_PUBLISHED_SCHEMA
from tests.issuer.factories import DID_KEY, issuing

pytestmark = pytest.mark.shared

EVERY_OPTIONAL = {
    "qualityAssuranceReport": "https://qa.example/reports/2026.pdf",
    "stackableTowards": ["https://uni.example/programmes/msc-digital-education"],
    "criteriaUrl": "https://uni.example/courses/digital-credentials/assessment",
    "humanCode": "DCE-101",
    "offeredSince": "2026-01-01T00:00:00Z",
}


def published() -> Draft201909Validator:
    return Draft201909Validator(json.loads(OB3_PUBLISHED_SCHEMA.read_bytes()))


def errors(validator: Draft201909Validator, document: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize("achievement", [{}, EVERY_OPTIONAL], ids=["demo", "every-optional-element"])
def test_an_issued_credential_passes_the_published_ob3_schema_and_the_eu_schema(
    client: TestClient, new_institution: Callable[..., Any], achievement: dict[str, Any]
) -> None:
    it = issuing(
        client, new_institution(region="IE-D"), **{"offeredSince": "2025-09-01T00:00:00Z", **achievement}
    )
    subject = it.subject(
        id=DID_KEY,
        result=[{"value": "Pass"}],
        creditsEarned=2,
        assessmentDate="2026-01-10T09:00:00Z",
    )
    body = {
        **subject,
        "validUntil": "2099-01-01T00:00:00Z",
        "evidence": [{"id": "https://uni.example/evidence/1", "name": "Portfolio"}],
    }
    response = it.issue(body)
    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    assert [type(p) for p in vc["proof"]] == [
        dict
    ]  # one proof, as a set: the published schema wants an array
    assert errors(published(), vc) == []
    assert vc["credentialSchema"] == [
        {"id": OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"},
        # beside the EU context, on this deployment, which serves it
        {
            "id": "http://testserver/schemas/eu-microcredential/v1.json",
            "type": "1EdTechJsonSchemaValidator2019",
        },
    ]
    served = client.get("/schemas/eu-microcredential/v1.json")
    assert served.headers["content-type"] == "application/schema+json"
    assert served.content == (SCHEMAS_DIR / "eu-microcredential-v1.json").read_bytes()
    assert errors(Draft201909Validator(served.json()), vc) == []


def test_the_issuer_profile_passes_the_published_profile_definition(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    profile = client.get(f"/issuers/{it.slug}").json()
    schema = json.loads(OB3_PUBLISHED_SCHEMA.read_bytes())
    validator = Draft201909Validator(
        {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/Profile"}
    )
    assert profile["otherIdentifier"], "the profile lists its keys"
    assert errors(validator, profile) == []


def test_the_eu_schema_refuses_an_eqf_level_the_qf_ehea_cycle_contradicts() -> None:
    schema = json.loads((SCHEMAS_DIR / "eu-microcredential-v1.json").read_bytes())
    achievement = {
        "eqfLevel": "http://data.europa.eu/snb/eqf/7",
        "qfEheaCycle": "https://microcred.eu/vocab/qf-ehea#first-cycle",
    }
    document = {"credentialSubject": {"achievement": achievement}}
    assert errors(Draft201909Validator(schema), document) != []
    achievement["eqfLevel"] = "http://data.europa.eu/snb/eqf/6"
    assert errors(Draft201909Validator(schema), document) == []
