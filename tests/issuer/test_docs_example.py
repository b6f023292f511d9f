"""docs/eu-elements.md carries a full example credential produced here, not written by hand (issue 5, point 8).

``MICROCRED_WRITE_DOCS=1 pytest tests/issuer/test_docs_example.py`` rewrites the example after a change.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from microcred.contexts import offline_loader
from microcred.issuer import (
    DEMO_ACHIEVEMENT,
    AchievementDefinition,
    Award,
    IssuerProfile,
    Learner,
    achievement_document,
    build_credential,
    check_before_signing,
)
from microcred.keys import Ed25519Signer, PublishedKey, did_web_document
from microcred.suites import StaticResolver, sign, verify

DOC = Path(__file__).resolve().parents[2] / "docs" / "eu-elements.md"
BLOCK = re.compile(r"(<!-- example:begin -->\n```json\n)(.*?)(\n```\n<!-- example:end -->)", re.S)
DID = "did:web:issuer.example:issuers:demo"
WHEN = datetime(2026, 6, 30, 12, tzinfo=UTC)


def example() -> dict[str, Any]:
    definition = AchievementDefinition.model_validate(DEMO_ACHIEVEMENT).normalized()
    achievement = achievement_document(
        definition,
        achievement_id="https://issuer.example/achievements/0b7e4f7e-7f5c-4c56-9b1a-3d2f6c1e9a10/versions/1",
        version=1,
    )
    unsigned = build_credential(
        credential_id="urn:uuid:5f0c1c4e-2b8e-4f43-8d1e-0c3b1f9a7d21",
        issuer=IssuerProfile(
            did=DID, name="Demo University", url="https://demo.example", country="IE", region="IE-D"
        ),
        achievement=achievement,
        award=Award(
            learner=Learner(name="Ana Andromeda", email="ana@example.org"),
            awarded_date=WHEN,
            valid_from=WHEN,
            grade="Pass",
            ects_awarded=2,
            assessment_date=datetime(2026, 6, 20, 10, tzinfo=UTC),
            evidence=[{"id": "https://demo.example/portfolios/ana", "name": "Portfolio"}],
        ),
        salt="8c1f0e2d4b6a7988",
    )
    check_before_signing(unsigned)
    signer = Ed25519Signer.from_seed(bytes(range(32)), verification_method=f"{DID}#key-1")
    signed = sign(unsigned, signer=signer, loader=offline_loader(), created=WHEN)
    resolver = StaticResolver(
        {DID: did_web_document(DID, [PublishedKey("key-1", signer.public_key_multibase)])}
    )
    assert verify(signed, resolver=resolver, loader=offline_loader()).verified
    return signed


def test_the_documented_example_is_the_one_this_code_issues() -> None:
    text = DOC.read_text(encoding="utf-8")
    rendered = json.dumps(example(), indent=2, ensure_ascii=False)
    if os.environ.get("MICROCRED_WRITE_DOCS") == "1":
        DOC.write_text(BLOCK.sub(lambda m: m.group(1) + rendered + m.group(3), text), encoding="utf-8")
        text = DOC.read_text(encoding="utf-8")
    match = BLOCK.search(text)
    assert match is not None, "docs/eu-elements.md lost its example markers"
    assert match.group(2) == rendered
