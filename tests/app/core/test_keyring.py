"""One key ring for institutions and the registry: the same numbering, rotation, publishing and signer, with
each owner's DID, store ids and DID document forms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from microcred.app import Settings
from microcred.app.db.engine import make_engine, make_sessions
from microcred.app.db.tables import Institution
from microcred.app.institutions.keys import institution_keys
from microcred.app.institutions.service import create_institution
from microcred.app.registry.keys import registry_keys, registry_signer, rotate_registry_key
from microcred.keys import LocalKeyStore
from microcred.vc.errors import KeyMaterialError

NOW = datetime(2026, 3, 1, tzinfo=UTC)
BASE = "http://testserver"


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.resolved_database_url)
    with make_sessions(engine).begin() as session:
        yield session
    engine.dispose()


@pytest.fixture
def keystore(settings: Settings) -> LocalKeyStore:
    return LocalKeyStore(settings.kek())


def _institution(session: Session, keystore: LocalKeyStore) -> Institution:
    created = create_institution(
        session, keystore=keystore, base_url=BASE, slug="uni-k", name="Uni K", url="https://k.example",
        country="IE", region=None, now=NOW,
    )  # fmt: skip
    return created.institution


def test_an_institution_ring_rotates_key_n_and_signs_with_the_newest(
    session: Session, keystore: LocalKeyStore
) -> None:
    institution = _institution(session, keystore)
    ring = institution_keys(institution)
    first = ring.active(session)
    second = ring.rotate(session, keystore=keystore, now=NOW + timedelta(days=1))
    assert (first.kid, first.state, second.kid, second.state) == ("key-1", "inactive", "key-2", "active")
    assert [k.kid for k in ring.published(session)] == ["key-1", "key-2"]
    signer = ring.signer(session, keystore=keystore)
    assert signer.verification_method == f"{institution.did}#key-2"
    assert signer.public_key_multibase == second.public_key_multibase
    assert ring.signer(session, keystore=keystore, suite="Ed25519Signature2020").verification_method == (
        f"{institution.did}#key-2-2020"
    )
    # the seed is sealed under the verification method: opened under another id, it does not open
    assert ring.store_id("key-2") == f"{institution.did}#key-2"
    with pytest.raises(KeyMaterialError):
        keystore.signer(key_id="registry:key-2", sealed_secret=second.sealed_secret, verification_method="x")
    document = ring.did_document(session)
    assert document["assertionMethod"] == [
        f"{institution.did}#key-1", f"{institution.did}#key-1-2020",
        f"{institution.did}#key-2", f"{institution.did}#key-2-2020",
    ]  # fmt: skip


def test_the_registry_ring_makes_key_1_on_first_use_and_publishes_multikey_only(
    session: Session, keystore: LocalKeyStore
) -> None:
    ring = registry_keys(BASE)
    with pytest.raises(KeyMaterialError, match="the registry has no active signing key"):
        ring.active(session)
    first = registry_signer(session, keystore=keystore, base_url=BASE, now=NOW)
    assert first.verification_method == "did:web:testserver:registry#key-1"
    assert ring.store_id("key-1") == "registry:key-1"
    rotated = rotate_registry_key(session, keystore=keystore, base_url=BASE, now=NOW)
    assert rotated.kid == "key-2"
    assert ring.signer(session, keystore=keystore).verification_method == "did:web:testserver:registry#key-2"
    document = ring.did_document(session)
    assert document["assertionMethod"] == [
        "did:web:testserver:registry#key-1",
        "did:web:testserver:registry#key-2",
    ]
    assert all(m["type"] == "Multikey" for m in document["verificationMethod"])
