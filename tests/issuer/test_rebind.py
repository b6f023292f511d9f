"""``issuer.offers.rebind_credential``: the unsigned DID-bound equivalent of an issued credential."""

from __future__ import annotations

import copy
from typing import Any

from microcred.issuer.offers import rebind_credential

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def signed() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:11111111-1111-4111-8111-111111111111",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "emailAddress", "hashed": True}],
            "achievement": {"id": "https://issuer.example/achievements/a/versions/1"},
        },
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusListIndex": "7"},
        "proof": {"type": "DataIntegrityProof", "proofValue": "z..."},
    }


def test_rebind_keeps_everything_but_id_subject_id_status_and_proof() -> None:
    original = signed()
    kept = copy.deepcopy(original)
    entry = {"type": "BitstringStatusListEntry", "statusListIndex": "9"}
    unsigned = rebind_credential(
        original, credential_id="urn:uuid:new", holder=HOLDER, credential_status=entry
    )
    assert original == kept, "the stored credential is not touched"
    assert "proof" not in unsigned
    assert unsigned["id"] == "urn:uuid:new"
    assert unsigned["credentialStatus"] == entry
    assert unsigned["credentialSubject"] == {**kept["credentialSubject"], "id": HOLDER}
    rest = {k: v for k, v in unsigned.items() if k not in {"id", "credentialStatus", "credentialSubject"}}
    assert rest == {
        k: v for k, v in kept.items() if k not in {"id", "credentialStatus", "credentialSubject", "proof"}
    }
    unsigned["credentialSubject"]["achievement"]["id"] = "changed"
    assert original["credentialSubject"]["achievement"]["id"] != "changed", "a deep copy"


def test_rebind_status_entries_list_or_none() -> None:
    entries = [{"statusPurpose": "revocation"}, {"statusPurpose": "suspension"}]
    both = rebind_credential(signed(), credential_id="urn:uuid:n", holder=HOLDER, credential_status=entries)
    assert both["credentialStatus"] == entries
    none = rebind_credential(signed(), credential_id="urn:uuid:n", holder=HOLDER, credential_status=None)
    assert "credentialStatus" not in none
