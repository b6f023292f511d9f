"""Status lists over the API (issue 7, points 1, 2, 3, 4 and 7): entries, changes and their audit trail, the signed
list credential with ETag/Cache-Control, kept versions, refused requests that change nothing, a crash after commit."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from microcred.app import Settings
from microcred.app.db.tables import Institution, StatusEntry, StatusEvent, StatusList, StatusListPublication
from microcred.app.status.allocation import StatusConfig
from microcred.app.status.changes import Actor, change_status
from microcred.contexts import offline_loader
from microcred.issuer.status_list import MIN_ENTRIES
from microcred.suites import StaticResolver, verify
from tests.app.status.factories import (
    T0,
    bit_of,
    entries,
    fetch_list,
    issue,
    new_institution,
    set_status,
    status_app,
)


def _count(app: FastAPI, table: Any) -> int:
    with app.state.services.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _versions(app: FastAPI) -> list[int]:
    with app.state.services.sessions() as session:
        return list(session.scalars(select(StatusList.version).order_by(StatusList.id)))


def test_every_credential_gets_a_revocation_entry_at_a_random_index_of_a_full_size_list(
    settings: Settings, admin: dict[str, str]
) -> None:
    with status_app(settings) as (_app, client, _clock):
        it = new_institution(client, admin, "uni-a")
        credentials = [issue(it) for _ in range(3)]
        found = [entries(c) for c in credentials]
        assert all(list(e) == ["revocation"] for e in found)
        # One object (OB 3.0 allows one credentialStatus) while suspension is off.
        assert isinstance(credentials[0]["credentialStatus"], dict)
        first = found[0]["revocation"]
        assert first["type"] == "BitstringStatusListEntry"
        assert first["statusListCredential"].startswith("http://testserver/status/")
        assert first["id"] == f"{first['statusListCredential']}#{first['statusListIndex']}"
        assert isinstance(first["statusListIndex"], str)
        indices = [int(e["revocation"]["statusListIndex"]) for e in found]
        assert len(set(indices)) == 3
        assert indices != sorted(indices) or max(indices) > 1000  # random, not 0, 1, 2
        assert {e["revocation"]["statusListCredential"] for e in found} == {first["statusListCredential"]}
        fetched = fetch_list(client, first["statusListCredential"])
        assert len(fetched.bits) * 8 == MIN_ENTRIES
        assert not any(fetched.bits)


def test_the_list_is_a_signed_vc2_bitstring_status_list_credential_with_cache_headers(
    settings: Settings, admin: dict[str, str]
) -> None:
    with status_app(settings, status_list_ttl_seconds=5, status_list_validity_seconds=600) as (_, client, _c):
        it = new_institution(client, admin, "uni-a")
        entry = entries(issue(it))["revocation"]
        response = client.get(entry["statusListCredential"].removeprefix("http://testserver"))
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/vc"
        assert response.headers["cache-control"] == "public, max-age=5"
        etag = response.headers["etag"]
        document = response.json()
        assert document["@context"] == ["https://www.w3.org/ns/credentials/v2"]
        assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        assert document["id"] == entry["statusListCredential"]
        assert document["issuer"] == it.did
        assert document["validFrom"] == "2026-11-23T12:00:00Z"
        assert document["validUntil"] == "2026-11-23T12:10:00Z"
        subject = document["credentialSubject"]
        assert subject["type"] == "BitstringStatusList"
        assert subject["statusPurpose"] == "revocation"
        assert subject["ttl"] == 5000
        assert subject["encodedList"].startswith("uH4sI")
        assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
        did_document = client.get(f"/issuers/{it.slug}/did.json").json()
        result = verify(document, resolver=StaticResolver({it.did: did_document}), loader=offline_loader())
        assert result.verified
        # Same version: the same signed bytes, so the same ETag, and a conditional GET is a 304.
        again = client.get(entry["statusListCredential"].removeprefix("http://testserver"))
        assert again.content == response.content
        assert again.headers["etag"] == etag
        not_modified = client.get(
            entry["statusListCredential"].removeprefix("http://testserver"), headers={"If-None-Match": etag}
        )
        assert not_modified.status_code == 304
        assert client.get("/status/no-such-list").status_code == 404


def test_revocation_sets_the_bit_is_audited_and_is_final(settings: Settings, admin: dict[str, str]) -> None:
    with status_app(settings) as (app, client, clock):
        it = new_institution(client, admin, "uni-a")
        credential = issue(it)
        other = entries(issue(it))["revocation"]
        entry = entries(credential)["revocation"]
        before = fetch_list(client, entry["statusListCredential"])
        clock.advance(5)
        response = set_status(it, credential["id"], "revocation", True, reason="plagiarism found")
        assert response.status_code == 200, response.text
        assert response.json() == {
            "credentialId": credential["id"],
            "statusPurpose": "revocation",
            "status": True,
            "changed": True,
            "statuses": {"revocation": True},
        }
        after = fetch_list(client, entry["statusListCredential"])
        assert after.bit(entry["statusListIndex"]) == 1
        assert after.bit(other["statusListIndex"]) == 0
        assert sum(bin(b).count("1") for b in after.bits) == 1
        assert after.headers["etag"] != before.headers["etag"]
        assert after.headers["x-status-list-version"] == "1"
        # Revoking again changes nothing; un-revoking is refused (409 problem+json) and changes nothing.
        again = set_status(it, credential["id"], "revocation", True)
        assert again.status_code == 200
        assert again.json()["changed"] is False
        refused = set_status(it, credential["id"], "revocation", False)
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"
        assert "final" in refused.json()["detail"]
        assert bit_of(client, entry) == 1
        assert _count(app, StatusEvent) == 1
        assert _versions(app) == [1]
        # The audit trail: which API key, when, why.
        trail = client.get(f"/credentials/{credential['id']}/status", headers=it.headers)
        assert trail.status_code == 200
        body = trail.json()
        assert body["statuses"] == [
            {
                "statusPurpose": "revocation",
                "status": True,
                "statusListCredential": entry["statusListCredential"],
                "statusListIndex": entry["statusListIndex"],
            }
        ]
        prefix = it.headers["Authorization"].split("_")[1]
        assert body["events"] == [
            {
                "statusPurpose": "revocation",
                "status": True,
                "actor": f"api-key:{prefix}",
                "reason": "plagiarism found",
                "listVersion": 1,
                "at": "2026-11-23T12:00:05Z",
            }
        ]


def test_suspension_toggles_when_the_institution_enables_it(
    settings: Settings, admin: dict[str, str]
) -> None:
    with status_app(settings, status_suspension_institutions={"uni-s": True}) as (app, client, _clock):
        plain = new_institution(client, admin, "uni-a")
        it = new_institution(client, admin, "uni-s")
        assert list(entries(issue(plain))) == ["revocation"]
        credential = issue(it)
        found = entries(credential)
        assert sorted(found) == ["revocation", "suspension"]
        suspension = found["suspension"]
        assert suspension["statusListCredential"] != found["revocation"]["statusListCredential"]
        assert (
            fetch_list(client, suspension["statusListCredential"]).document["credentialSubject"][
                "statusPurpose"
            ]
            == "suspension"
        )
        assert set_status(it, credential["id"], "suspension", True, reason="under review").status_code == 200
        assert bit_of(client, suspension) == 1
        assert bit_of(client, found["revocation"]) == 0
        assert set_status(it, credential["id"], "suspension", False, reason="cleared").status_code == 200
        assert bit_of(client, suspension) == 0
        assert set_status(it, credential["id"], "suspension", True).status_code == 200
        assert bit_of(client, suspension) == 1
        events = client.get(f"/credentials/{credential['id']}/status", headers=it.headers).json()["events"]
        assert [(e["statusPurpose"], e["status"], e["reason"]) for e in events] == [
            ("suspension", True, "under review"),
            ("suspension", False, "cleared"),
            ("suspension", True, None),
        ]
        # Once revoked, it cannot be reinstated (nor suspended again): 409, nothing changes.
        assert set_status(it, credential["id"], "revocation", True).status_code == 200
        refused = set_status(it, credential["id"], "suspension", False)
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"
        assert bit_of(client, suspension) == 1
        assert _count(app, StatusEvent) == 4


def test_refused_requests_change_nothing(settings: Settings, admin: dict[str, str]) -> None:
    with status_app(settings) as (app, client, _clock):
        it = new_institution(client, admin, "uni-a")
        stranger = new_institution(client, admin, "uni-b")
        credential = issue(it)
        theirs = issue(stranger)
        entry = entries(credential)["revocation"]
        before = fetch_list(client, entry["statusListCredential"])
        unknown = set_status(it, "urn:uuid:00000000-0000-4000-8000-000000000000", "revocation", True)
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        # Another institution's credential: the same 404 as an unknown one.
        foreign = set_status(it, theirs["id"], "revocation", True)
        assert foreign.status_code == 404
        assert foreign.json()["detail"].replace(theirs["id"], "X") == unknown.json()["detail"].replace(
            "urn:uuid:00000000-0000-4000-8000-000000000000", "X"
        )
        purpose = set_status(it, credential["id"], "refresh", True)
        assert purpose.status_code == 422
        assert purpose.json()["errors"][0]["pointer"] == "/credentialStatus/statusPurpose"
        no_entry = set_status(it, credential["id"], "suspension", True)  # suspension is off for uni-a
        assert no_entry.status_code == 409
        wrong_type = it.client.post(
            "/credentials/status",
            json={
                "credentialId": credential["id"],
                "credentialStatus": {"type": "StatusList2021Entry", "statusPurpose": "revocation"},
                "status": True,
            },
            headers=it.headers,
        )
        assert wrong_type.status_code == 422
        missing = it.client.post(
            "/credentials/status", json={"credentialId": credential["id"]}, headers=it.headers
        )
        assert missing.status_code == 422
        not_a_boolean = it.client.post(
            "/credentials/status",
            json={
                "credentialId": credential["id"],
                "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
                "status": "true",
            },
            headers=it.headers,
        )
        assert not_a_boolean.status_code == 422
        anonymous = it.client.post(
            "/credentials/status",
            json={
                "credentialId": credential["id"],
                "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
                "status": True,
            },
        )
        assert anonymous.status_code == 401
        assert client.get(f"/credentials/{theirs['id']}/status", headers=it.headers).status_code == 404
        assert _count(app, StatusEvent) == 0
        assert _versions(app) == [0, 0]
        after = fetch_list(client, entry["statusListCredential"])
        assert after.bits == before.bits
        assert after.headers["etag"] == before.headers["etag"]


def test_a_new_list_is_opened_when_one_fills(settings: Settings, admin: dict[str, str]) -> None:
    with status_app(settings, status_list_size=8) as (app, client, _clock):
        it = new_institution(client, admin, "uni-a")
        found = [entries(issue(it))["revocation"] for _ in range(10)]
        lists = [e["statusListCredential"] for e in found]
        assert len(set(lists[:8])) == 1
        assert lists[8] == lists[9] != lists[0]
        assert sorted(int(e["statusListIndex"]) for e in found[:8]) == list(range(8))
        assert len({(e["statusListCredential"], e["statusListIndex"]) for e in found}) == 10
        with app.state.services.sessions() as session:
            rows = session.execute(select(StatusList.sequence, StatusList.full).order_by(StatusList.id)).all()
        assert [tuple(r) for r in rows] == [(1, True), (2, False)]


def test_production_lists_have_at_least_the_spec_minimum() -> None:
    with pytest.raises(ValueError, match="131072"):
        Settings(mode="production", status_list_size=64)
    with pytest.raises(ValueError, match="multiple of 8"):
        Settings(status_list_size=100)
    assert Settings().status_list_size == MIN_ENTRIES


def test_earlier_signed_versions_are_kept_and_served_by_version(
    settings: Settings, admin: dict[str, str]
) -> None:
    with status_app(settings) as (app, client, clock):
        it = new_institution(client, admin, "uni-a")
        credential = issue(it)
        entry = entries(credential)["revocation"]
        v0 = fetch_list(client, entry["statusListCredential"])
        clock.advance(1)
        set_status(it, credential["id"], "revocation", True)
        v1 = fetch_list(client, entry["statusListCredential"])
        assert v1.bit(entry["statusListIndex"]) == 1
        kept = fetch_list(client, entry["statusListCredential"], version=0)
        assert kept.document == v0.document
        assert kept.bit(entry["statusListIndex"]) == 0
        assert (
            client.get(
                entry["statusListCredential"].removeprefix("http://testserver"), params={"version": 7}
            ).status_code
            == 404
        )
        with app.state.services.sessions() as session:
            versions = list(
                session.scalars(select(StatusListPublication.version).order_by(StatusListPublication.id))
            )
        assert versions == [0, 1]


def test_lists_are_re_signed_when_half_their_validity_has_passed(
    settings: Settings, admin: dict[str, str]
) -> None:
    with status_app(settings, status_list_validity_seconds=600) as (_app, client, clock):
        it = new_institution(client, admin, "uni-a")
        entry = entries(issue(it))["revocation"]
        first = fetch_list(client, entry["statusListCredential"])
        clock.advance(299)
        assert fetch_list(client, entry["statusListCredential"]).document == first.document
        clock.advance(1)
        renewed = fetch_list(client, entry["statusListCredential"])
        assert renewed.document["validFrom"] == "2026-11-23T12:05:00Z"
        assert renewed.document["validUntil"] == "2026-11-23T12:15:00Z"
        assert renewed.bits == first.bits


def test_publish_interval_batches_re_signing(settings: Settings, admin: dict[str, str]) -> None:
    with status_app(settings, status_list_publish_interval_seconds=30) as (_app, client, clock):
        it = new_institution(client, admin, "uni-a")
        credential = issue(it)
        entry = entries(credential)["revocation"]
        assert bit_of(client, entry) == 0
        set_status(it, credential["id"], "revocation", True)
        clock.advance(29)
        assert bit_of(client, entry) == 0  # still within the configured latency
        clock.advance(1)
        assert bit_of(client, entry) == 1


def test_a_crash_after_the_commit_loses_no_change(settings: Settings, admin: dict[str, str]) -> None:
    with status_app(settings) as (app, client, _clock):
        it = new_institution(client, admin, "uni-a")
        credential = issue(it)
        entry = entries(credential)["revocation"]
        assert bit_of(client, entry) == 0  # a signed version 0 exists
        sessions = app.state.services.sessions

        def revoke_then_crash() -> None:
            with sessions() as session:
                with session.begin():
                    institution = session.scalars(
                        select(Institution).where(Institution.slug == "uni-a")
                    ).one()
                    change_status(
                        session,
                        institution=institution,
                        credential_id=credential["id"],
                        purpose="revocation",
                        status=True,
                        reason=None,
                        actor=Actor(label="test"),
                        now=T0,
                    )
                # Committed; the process dies before anything is published.
                raise RuntimeError("crash between commit and publishing")

        with pytest.raises(RuntimeError, match="crash"):
            revoke_then_crash()
        assert bit_of(client, entry) == 1


def test_allocation_uses_the_injected_randomness(settings: Settings, admin: dict[str, str]) -> None:
    """Random probes first; once they keep hitting taken indices, a random free one (never a taken one)."""
    from microcred.app.status.allocation import allocate_entry

    with status_app(settings, status_list_size=16) as (app, client, _clock):
        new_institution(client, admin, "uni-a")
        config = StatusConfig(base_url="http://testserver", list_size=16, randbelow=lambda n: 0)
        with app.state.services.sessions() as session, session.begin():
            institution = session.scalars(select(Institution).where(Institution.slug == "uni-a")).one()
            taken = [
                allocate_entry(
                    session,
                    institution=institution,
                    purpose="revocation",
                    credential_public_id=f"c{i}",
                    config=config,
                    now=T0,
                ).index
                for i in range(17)
            ]
            # randbelow always 0: probe index 0, then the 0th free index: 0, 1, 2, ... and a new list for the 17th.
            assert taken == [*range(16), 0]
            assert session.scalar(select(func.count()).select_from(StatusEntry)) == 17
