"""/healthz, /readyz (database reachable) and OpenAPI docs on both apps."""

from __future__ import annotations

from fastapi.testclient import TestClient

from microcred.app import Settings, create_verifier_app
from microcred.app.db.engine import make_engine


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_readyz_is_503_when_the_database_is_unreachable(client: TestClient, tmp_path: object) -> None:
    services = client.app.state.services
    services.engine.dispose()
    # A directory is not an SQLite database: every connection attempt fails.
    services.engine = make_engine(f"sqlite:///{tmp_path}")
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == "the database is not reachable"
        assert client.get("/healthz").status_code == 200
    finally:
        services.engine.dispose()


def test_issuer_app_serves_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/admin/institutions", "/issuers/{slug}/did.json", "/institutions/{slug}", "/readyz"} <= set(
        paths
    )


def test_verifier_app_health_and_docs_without_database(settings: Settings) -> None:
    no_db = settings.model_copy(update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    with TestClient(create_verifier_app(no_db)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json() == {"status": "ready"}
        assert client.get("/docs").status_code == 200
        assert client.get("/openapi.json").json()["info"]["title"] == "microcred verifier"
        assert client.get("/admin/institutions").status_code == 404
