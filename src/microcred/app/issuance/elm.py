"""The ELM v3 (Europass) form of an issued credential, signed by its institution's active key (issue 18 point 1).

``issuer.elm`` builds it from the stored OB3 credential and its achievement version's definition; it is signed with
``eddsa-rdfc-2022`` dated at the credential's issuance, so the same key gives the same document every time.
https://www.w3.org/TR/vc-di-eddsa/#create-proof-eddsa-rdfc-2022 ; docs/eu-elements.md (the ELM v3 export)
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from microcred.app.db.tables import AchievementVersion, Institution, IssuedCredential
from microcred.app.issuance.service import Issuer
from microcred.issuer import AchievementDefinition
from microcred.issuer.elm import elm_credential
from microcred.keys import KeyStore
from microcred.suites import sign
from microcred.vc.errors import NotFound

__all__ = ["signed_elm"]


def signed_elm(session: Session, *, keystore: KeyStore, row: IssuedCredential) -> dict[str, Any]:
    """The signed ``EuropeanDigitalCredential`` of ``row``. Institutions record no eIDAS legal identifier yet, so
    the export has none (EDC's issuer shape asks for one: docs/eu-elements.md)."""
    institution = session.get(Institution, row.institution_id)
    version = session.get(AchievementVersion, row.achievement_version_id)
    if institution is None or version is None:
        raise NotFound(f'no credential "{row.public_id}"')
    definition = AchievementDefinition.model_validate(version.definition)
    unsigned = elm_credential(json.loads(row.document), definition=definition)
    issuer = Issuer(institution=institution, keystore=keystore)
    return sign(unsigned, signer=issuer.signer(session), loader=issuer.loader, created=row.issued_at)
