"""Credentials issued by the API verify with Digital Bazaar's @digitalbazaar/vc run by node (issue 5, point 5).

Uses the interop harness ``tests/interop/di.mjs`` (offline loader built from contexts/manifest.json, so it knows
our EU context); a missing node or node_modules fails, never skips.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.app.issuance.factories import node
from tests.issuer.factories import DID_KEY, issuing, served_contexts

pytestmark = pytest.mark.interop


def test_issued_credentials_verify_in_node_with_both_suites(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(client, new_institution())
    did_document = client.get(f"/issuers/{it.slug}/did.json").json()
    modern = it.issue(it.subject(id=DID_KEY)).json()["verifiableCredential"]
    legacy = client.post(
        f"/achievements/{it.achievement_id}/awards",
        json={
            "learner": {"name": "Ana", "email": "ana@example.org"},
            "result": {"grade": "Pass"},
            "cryptosuite": "Ed25519Signature2020",
        },
        headers=it.headers,
    ).json()["verifiableCredential"]
    tampered = copy.deepcopy(modern)
    tampered["credentialSubject"]["achievement"]["creditsAvailable"] = 60
    # vc.verifyCredential insists on a checkStatus function for credentials with credentialStatus (the status
    # lists of issue 7); those are verified as documents (jsonld-signatures, assertionMethod of the issuer's DID).
    results = node(
        [
            {
                "action": "verify",
                "document": d,
                "didDocuments": [did_document],
                "extraContexts": served_contexts(client),
                **({"kind": "document"} if "credentialStatus" in d else {}),
            }
            for d in (modern, legacy, tampered)
        ]
    )
    assert results[0] == {"verified": True, "errors": []}, results[0]
    assert results[1] == {"verified": True, "errors": []}, results[1]
    assert results[2]["verified"] is False
