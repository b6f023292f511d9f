"""Issuing over the API (issue 5, points 3, 4, 5 and 7): VC-API completion, the credential, checks, storage."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from microcred.app.db.tables import AchievementVersion, IssuedCredential
from microcred.issuer import identity_hash
from microcred.suites import StaticResolver, to_dataset, verify
from tests.issuer.factories import DID_KEY, Issuing, deployment_loader, issuing


def count(app: FastAPI) -> int:
    with app.state.services.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(IssuedCredential)) or 0)


def verified(client: TestClient, it: Issuing, credential: dict[str, Any]) -> bool:
    did_document = client.get(f"/issuers/{it.slug}/did.json").json()
    result = verify(
        credential, resolver=StaticResolver({it.did: did_document}), loader=deployment_loader(client)
    )
    return result.verified


def test_vc_api_fills_in_the_published_achievement_issuer_id_and_dates(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution(region="IE-D"))
    response = it.issue(it.subject(id=DID_KEY))
    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    assert vc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "http://testserver/contexts/eu-microcredential/v1.jsonld",
    ]
    # the EU context is named on this deployment, with the digest of the text it serves there
    served = client.get("/contexts/eu-microcredential/v1.jsonld").content
    assert vc["relatedResource"] == [
        {
            "id": "http://testserver/contexts/eu-microcredential/v1.jsonld",
            "digestSRI": "sha384-" + base64.b64encode(hashlib.sha384(served).digest()).decode(),
        }
    ]
    assert vc["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert vc["id"].startswith("urn:uuid:")
    assert vc["issuer"]["id"] == it.did
    assert vc["issuer"]["address"]["addressCountryCode"] == "IE"
    assert vc["issuer"]["address"]["addressRegion"] == "IE-D"
    assert vc["validFrom"] == vc["awardedDate"]
    published = client.get(f"{it.achievement_url}/versions/1").json()
    published.pop("@context")
    assert vc["credentialSubject"]["achievement"] == published
    assert vc["credentialSubject"]["id"] == DID_KEY
    (proof,) = vc["proof"]  # a one-element set, as the published OB 3.0 schema requires
    assert (proof["type"], proof["cryptosuite"]) == ("DataIntegrityProof", "eddsa-rdfc-2022")
    assert proof["verificationMethod"] == f"{it.did}#key-1"
    assert verified(client, it, vc)
    to_dataset(vc, loader=deployment_loader(client))  # safe mode: nothing dropped


def test_ed25519_signature_2020_on_request(client: TestClient, new_institution: Callable[..., Any]) -> None:
    it = issuing(client, new_institution())
    vc = it.issue(it.subject(id=DID_KEY), cryptosuite="Ed25519Signature2020").json()["verifiableCredential"]
    assert [p["type"] for p in vc["proof"]] == ["Ed25519Signature2020"]
    assert verified(client, it, vc)
    bad = it.issue(it.subject(id=DID_KEY), cryptosuite="eddsa-2022")
    assert bad.status_code == 422


def test_name_and_email_are_hashed_with_a_fresh_salt(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    identifiers = [
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": False,
            "identityHash": "ana@example.org",
        },
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Ana Andromeda"},
    ]
    first, second = (
        it.issue(it.subject(identifier=identifiers)).json()["verifiableCredential"]["credentialSubject"]
        for _ in range(2)
    )
    email = first["identifier"][0]
    assert email["hashed"] is True
    assert email["identityHash"] == identity_hash("ana@example.org", email["salt"])
    assert "ana@example.org" not in str(first)
    assert first["identifier"][1]["identityHash"] == "Ana Andromeda"
    assert email["salt"] != second["identifier"][0]["salt"]


def test_an_issuer_naming_anyone_else_is_400(client: TestClient, new_institution: Callable[..., Any]) -> None:
    it = issuing(client, new_institution())
    response = it.issue({**it.subject(id=DID_KEY), "issuer": "did:web:someone.else"})
    assert response.status_code == 400
    assert response.json()["title"] == "Issuer mismatch"
    assert it.issue({**it.subject(id=DID_KEY), "issuer": {"id": it.did}}).status_code == 201


def test_bad_requests_are_422_and_store_nothing(
    app: FastAPI, client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    other = issuing(client, new_institution("uni-b"))
    cases = [
        {"credentialSubject": {"achievement": {"id": it.achievement_url}}},  # no learner
        {**it.subject(id=DID_KEY), "color": "blue"},  # a property that would be dropped
        {"credentialSubject": {"achievement": {"id": other.achievement_url}, "id": DID_KEY}},  # not ours
        {"credentialSubject": {"achievement": {"id": "https://elsewhere.example/a"}, "id": DID_KEY}},
        {**it.subject(id=DID_KEY, result=[{"type": ["Result"], "value": "Excellent"}])},  # outside the scale
        {**it.subject(id="not-a-did")},
        {**it.subject(id=DID_KEY), "validFrom": "2026-01-01T00:00:00"},  # no timezone
    ]
    for credential in cases:
        response = it.issue(credential)
        assert response.status_code == 422, (credential, response.text)
    assert count(app) == 0


def test_missing_eu_elements_are_listed_each_and_nothing_is_stored(
    app: FastAPI, client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    with app.state.services.sessions() as session, session.begin():
        version = session.scalars(select(AchievementVersion)).one()
        document = dict(version.document)
        for key in ("assessmentType", "qualityAssuranceType", "learningOutcome"):
            document.pop(key)
        session.execute(update(AchievementVersion).values(document=document))
    response = it.issue(it.subject(id=DID_KEY))
    assert response.status_code == 422
    problem = response.json()
    assert problem["title"] == "Validation failed"
    assert {e.get("element") for e in problem["errors"]} >= {"M6", "M9", "M11"}
    assert "M6, M9, M11" in problem["detail"]
    assert count(app) == 0


def test_idempotency_key_returns_the_same_credential(
    app: FastAPI, client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    body = {"credential": it.subject(id=DID_KEY)}
    headers = {**it.headers, "Idempotency-Key": "order-42"}
    first = client.post("/credentials/issue", json=body, headers=headers)
    again = client.post("/credentials/issue", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    # The same answer, but a new private learner link: only the hash of the first learner key was kept.
    assert {**again.json(), "learnerLink": None} == {**first.json(), "learnerLink": None}
    assert again.json()["learnerLink"] != first.json()["learnerLink"]
    assert count(app) == 1
    different = client.post(
        "/credentials/issue", json={"credential": it.subject(id=DID_KEY + "x")}, headers=headers
    )
    assert different.status_code == 409
    # The key is per institution: another institution may use the same one.
    other = issuing(client, new_institution("uni-b"))
    assert (
        client.post(
            "/credentials/issue",
            json={"credential": other.subject(id=DID_KEY)},
            headers={**other.headers, "Idempotency-Key": "order-42"},
        ).status_code
        == 201
    )
    assert count(app) == 2


def test_awards_route_with_result_dates_and_evidence(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution(), offeredSince="2026-01-01T00:00:00Z")  # a past cohort
    response = client.post(
        f"/achievements/{it.achievement_id}/awards",
        json={
            "learner": {"name": "Ana Andromeda", "email": "ana@example.org"},
            "result": {"grade": "Pass", "ectsAwarded": 2, "assessmentDate": "2026-06-20T10:00:00Z"},
            "awardedDate": "2026-06-30T12:00:00Z",
            "validFrom": "2026-07-01T00:00:00Z",
            "validUntil": "2031-07-01T00:00:00Z",
            "evidence": [{"id": "https://uni-a.example/portfolio/7", "name": "Portfolio"}],
        },
        headers={**it.headers, "Idempotency-Key": "award-1"},
    )
    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    subject = vc["credentialSubject"]
    assert subject["result"][0]["value"] == "Pass"
    assert subject["creditsEarned"] == 2
    assert subject["assessmentDate"] == "2026-06-20T10:00:00Z"
    assert (vc["awardedDate"], vc["validFrom"], vc["validUntil"]) == (
        "2026-06-30T12:00:00Z",
        "2026-07-01T00:00:00Z",
        "2031-07-01T00:00:00Z",
    )
    assert vc["evidence"] == [
        {"id": "https://uni-a.example/portfolio/7", "name": "Portfolio", "type": ["Evidence"]}
    ]
    assert verified(client, it, vc)


def test_get_and_list_credentials(client: TestClient, new_institution: Callable[..., Any]) -> None:
    it = issuing(client, new_institution())
    a = it.issue(it.subject(id=DID_KEY)).json()["verifiableCredential"]
    b = it.issue(it.subject(id="did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH")).json()[
        "verifiableCredential"
    ]
    assert client.get(f"/credentials/{a['id']}").json() == a
    assert client.get(f"/credentials/{a['id'].removeprefix('urn:uuid:')}").json() == a
    assert client.get("/credentials/urn:uuid:00000000-0000-4000-8000-000000000000").status_code == 404
    listed = client.get("/credentials", headers=it.headers).json()["credentials"]
    assert {c["id"] for c in listed} == {a["id"], b["id"]}
    only = client.get("/credentials", params={"subject": DID_KEY}, headers=it.headers).json()["credentials"]
    assert [c["id"] for c in only] == [a["id"]]
    by_achievement = client.get("/credentials", params={"achievement": it.achievement_id}, headers=it.headers)
    assert len(by_achievement.json()["credentials"]) == 2
    other = {"Authorization": f"Bearer {new_institution('uni-b')['apiKey']['key']}"}
    assert client.get("/credentials", headers=other).json() == {"credentials": []}
    assert client.get("/credentials").status_code == 401
