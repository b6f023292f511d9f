"""Our status lists read by another implementation (issue 7, point 5): Digital Bazaar's
``@digitalbazaar/vc-bitstring-status-list`` (run by node, ``tests/interop/status.mjs``) checks issued credentials
against the lists our issuer app serves - verifying each list's eddsa-rdfc-2022 proof and issuer - and reads the
same bits we set; lists it encodes decode to the same bits in Python. Missing node or node_modules fails (never
skips)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from microcred.app import Settings
from microcred.app.db.migrate import upgrade
from microcred.issuer.status_list import MIN_ENTRIES, Bitstring
from microcred.vc.encodings import decode_bitstring
from tests.app.status.factories import Clock, entries, issue, new_institution, set_status, status_app
from tests.interop.harness import run_script

pytestmark = pytest.mark.interop

ADMIN = {"Authorization": "Bearer interop-admin-token-0123456789"}


def node(job: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = run_script("status.mjs", job, package="@digitalbazaar/vc-bitstring-status-list")
    return result


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[tuple[TestClient, Clock]]:
    url = f"sqlite:///{tmp_path / 'interop.db'}"
    upgrade(url)
    settings = Settings(
        mode="dev",
        data_dir=tmp_path / "var",
        database_url=url,
        key_encryption_key=SecretStr("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"),
        admin_token=SecretStr(ADMIN["Authorization"].removeprefix("Bearer ")),
        public_base_url="http://testserver",
        status_suspension=True,
    )
    with status_app(settings) as (_app, client, clock):
        clock.now = datetime.now(UTC)  # the node verifier checks the list's validity against its own clock
        yield client, clock


def _served(client: TestClient, credentials: list[dict[str, Any]]) -> dict[str, Any]:
    urls = {e["statusListCredential"] for c in credentials for e in entries(c).values()}
    return {u: client.get(u.removeprefix("http://testserver")).json() for u in urls}


def test_digital_bazaar_reads_our_lists_and_their_proofs(issuer: tuple[TestClient, Clock]) -> None:
    client, _clock = issuer
    it = new_institution(client, ADMIN, "uni-a")
    credentials = [issue(it) for _ in range(4)]
    revoked, suspended, reinstated, untouched = credentials
    set_status(it, revoked["id"], "revocation", True)
    set_status(it, suspended["id"], "suspension", True)
    set_status(it, reinstated["id"], "suspension", True)
    set_status(it, reinstated["id"], "suspension", False)
    lists = _served(client, credentials)
    did_document = client.get(f"/issuers/{it.slug}/did.json").json()

    result = node({"credentials": credentials, "lists": lists, "didDocuments": [did_document]})
    expected = {
        revoked["id"]: {"revocation": True, "suspension": False},
        suspended["id"]: {"revocation": False, "suspension": True},
        reinstated["id"]: {"revocation": False, "suspension": False},
        untouched["id"]: {"revocation": False, "suspension": False},
    }
    for credential, check in zip(credentials, result["checks"], strict=True):
        assert check["verified"] is True, check["error"]
        statuses = {s["purpose"]: s["status"] for s in check["statuses"]}
        assert statuses == expected[credential["id"]]
        assert {s["index"] for s in check["statuses"]} == {
            e["statusListIndex"] for e in entries(credential).values()
        }

    # A list whose bits were changed after signing: the library refuses its proof.
    url = entries(revoked)["revocation"]["statusListCredential"]
    forged = json.loads(json.dumps(lists))
    forged[url]["credentialSubject"]["encodedList"] = Bitstring(MIN_ENTRIES).encoded()
    refused = node({"credentials": [revoked], "lists": forged, "didDocuments": [did_document]})
    assert refused["checks"][0]["verified"] is False
    assert "not verified" in refused["checks"][0]["error"]


def test_bit_order_agrees_both_ways() -> None:
    indices = [0, 1, 7, 8, 94567, MIN_ENTRIES - 1]
    ours = Bitstring.with_set(MIN_ENTRIES, indices).encoded()
    probe = [*indices, 2, 6, 9, 94566, 94568, MIN_ENTRIES - 2]
    result = node(
        {
            "decode": [{"encodedList": ours, "indices": probe}],
            "encode": [{"length": MIN_ENTRIES, "set": indices}],
        }
    )
    assert result["decoded"] == [[i in indices for i in probe]]
    theirs = decode_bitstring(result["encoded"][0])
    assert theirs == Bitstring.with_set(MIN_ENTRIES, indices).to_bytes()
