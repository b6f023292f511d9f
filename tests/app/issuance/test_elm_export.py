"""``GET /credentials/{id}/elm`` (issue 18 point 1): every issued credential's ELM v3 form, signed by the
institution's key, linked from the learner page; unknown ids are problem+json 404s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microcred import suites
from microcred.contexts import offline_loader
from tests.app.pages.factories import HTML, issue, links
from tests.issuer.factories import Issuing, issuing, violations


@pytest.fixture
def it(client: TestClient, new_institution: Callable[..., Any]) -> Issuing:
    return issuing(client, new_institution(region="IE-D"))


def resolver(client: TestClient, it: Issuing) -> suites.StaticResolver:
    """The institution's DID document as its app publishes it."""
    document = client.get(f"/issuers/{it.slug}/did.json").json()
    return suites.StaticResolver({it.did: document})


def test_the_elm_form_of_an_issued_credential_is_served_signed_by_the_institution(
    client: TestClient, it: Issuing
) -> None:
    body = issue(it)
    vc, page = body["verifiableCredential"], body["learnerPage"]
    response = client.get(f"{page}/elm")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/ld+json"
    elm = response.json()
    assert elm["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert elm["id"] == vc["id"]
    claim = elm["credentialSubject"]["hasClaim"]
    assert claim["specifiedBy"]["id"] == vc["credentialSubject"]["achievement"]["id"]
    assert claim["provenBy"]["grade"]["noteLiteral"] == {"en": "Pass"}
    assert elm["credentialSubject"]["fullName"] == {"en": "Ana Andromeda"}
    assert elm["issuer"]["id"] == it.did
    assert elm["proof"]["verificationMethod"].startswith(f"{it.did}#")
    assert elm["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert elm["proof"]["created"] == vc["proof"][0]["created"]
    result = suites.verify(elm, resolver=resolver(client, it), loader=offline_loader())
    assert result.verified, result
    # the urn:uuid: spelling of the id answers the same document, and the same key signs it the same way again
    assert client.get(f"/credentials/{vc['id']}/elm").json() == elm


@pytest.mark.shared
def test_the_served_elm_form_passes_the_edc_shapes_but_for_the_legal_identifier_institutions_lack(
    client: TestClient, it: Issuing
) -> None:
    elm = client.get(f"{issue(it)['learnerPage']}/elm").json()
    assert violations(elm) == [
        "http://data.europa.eu/snb/model/elm/eidasLegalIdentifier",
        "https://www.w3.org/2018/credentials#issuer",
    ]


@pytest.mark.parametrize(
    "credential_id",
    ["00000000-0000-4000-8000-000000000000", "urn:uuid:00000000-0000-4000-8000-000000000000", "not-a-uuid"],
)
def test_an_unknown_credential_has_no_elm_form(client: TestClient, it: Issuing, credential_id: str) -> None:
    response = client.get(f"/credentials/{credential_id}/elm")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_learner_page_links_the_elm_form(client: TestClient, it: Issuing) -> None:
    body = issue(it)
    page = client.get(body["learnerPage"], headers=HTML)
    assert links(page.text)["Download Europass credential (ELM)"] == f"{body['learnerPage']}/elm"
