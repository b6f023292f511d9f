"""An operator with a permanent URL for our EU context (MICROCRED_EU_CONTEXT_URL) issues under that URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microcred.app import Settings
from microcred.contexts import context_bytes, digest_sri
from microcred.issuer import EU_CONTEXT
from tests.issuer.factories import DID_KEY, issuing

PERMANENT = "https://w3id.org/uni-example/eu-microcredential/v1.jsonld"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"eu_context_url": PERMANENT})


def test_credentials_name_the_operators_permanent_url_with_the_pinned_digest(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    response = it.issue(it.subject(id=DID_KEY))
    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    assert vc["@context"][2] == PERMANENT
    assert vc["relatedResource"] == [{"id": PERMANENT, "digestSRI": digest_sri(context_bytes(EU_CONTEXT))}]
    assert vc["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
