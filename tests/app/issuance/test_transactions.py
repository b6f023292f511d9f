"""Each write is one transaction: a request that fails half-way leaves nothing behind."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from microcred.app.db.tables import ApiKey, Institution, SigningKey
from microcred.keys import GeneratedKey, Signer


class FailingKeyStore:
    """Generating a key fails after the institution row was inserted."""

    def generate(self, *, key_id: str) -> GeneratedKey:
        raise RuntimeError("hardware key store unavailable")

    def signer(self, *, key_id: str, sealed_secret: bytes, verification_method: str) -> Signer:
        raise RuntimeError("unused")


def _count(client: TestClient, table: type) -> int:
    with client.app.state.services.sessions() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_failed_institution_creation_stores_nothing(client: TestClient, admin: dict[str, str]) -> None:
    services = client.app.state.services
    working = services.keystore
    services.keystore = FailingKeyStore()
    body = {"slug": "uni-a", "name": "Uni", "url": "https://uni.example", "country": "IE"}
    response = client.post("/admin/institutions", json=body, headers=admin)
    assert response.status_code == 500
    assert "hardware" not in response.text
    assert [_count(client, t) for t in (Institution, SigningKey, ApiKey)] == [0, 0, 0]

    services.keystore = working
    assert client.post("/admin/institutions", json=body, headers=admin).status_code == 201
    assert [_count(client, t) for t in (Institution, SigningKey, ApiKey)] == [1, 1, 1]
