"""Errors leave as RFC 9457 problem+json (no stack traces); body limit 413; request ids in responses and logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from microcred.app.core.logs import JsonFormatter

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def _is_problem(response: Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    return body


def test_unknown_route_is_404_problem(client: TestClient) -> None:
    body = _is_problem(client.get("/no/such/thing"), 404)
    assert body["title"] == "Not Found"


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    response = client.put("/healthz")
    _is_problem(response, 405)
    assert response.headers["allow"] == "GET"


def test_unknown_institution_is_404_problem(client: TestClient) -> None:
    body = _is_problem(client.get("/issuers/nobody/did.json"), 404)
    assert body["detail"] == 'no institution "nobody"'


def test_malformed_json_is_422_problem(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/admin/institutions", content=b"{not json", headers={**admin, "content-type": "application/json"}
    )
    body = _is_problem(response, 422)
    assert body["errors"]


def test_body_over_limit_by_content_length_is_413(client: TestClient, admin: dict[str, str]) -> None:
    limit = client.app.state.services.settings.max_body_bytes
    assert limit == 1024 * 1024
    response = client.post(
        "/admin/institutions",
        content=b"x" * (limit + 1),
        headers={**admin, "content-type": "application/json"},
    )
    body = _is_problem(response, 413)
    assert body["detail"] == f"the request body is larger than {limit} bytes"
    assert "x-request-id" in response.headers


def test_streamed_body_over_limit_is_413(client: TestClient, admin: dict[str, str]) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"y" * 32 * 1024  # 1.25 MiB in all, sent chunked without a Content-Length

    response = client.post(
        "/admin/institutions", content=chunks(), headers={**admin, "content-type": "application/json"}
    )
    _is_problem(response, 413)


def test_body_at_limit_is_accepted(settings: object, client: TestClient, admin: dict[str, str]) -> None:
    body = {"slug": "uni-a", "name": "Uni", "url": "https://uni.example", "country": "IE"}
    raw = json.dumps(body).encode()
    padded = raw[:-1] + b" " * (1024 * 1024 - len(raw)) + b"}"
    assert len(padded) == 1024 * 1024
    response = client.post(
        "/admin/institutions", content=padded, headers={**admin, "content-type": "application/json"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("Uni\\u0000versity", True),  # JSON text "Uni\u0000versity": a NUL in the string
        ("Uni\\\\\\u0000versity", True),  # an escaped backslash, then the NUL escape
        ("Uni\\\\u0000versity", False),  # an escaped backslash followed by the letters u0000: no NUL
    ],
)
def test_a_nul_character_in_a_json_string_is_422_on_every_database(
    client: TestClient, admin: dict[str, str], name: str, refused: bool
) -> None:
    raw = b'{"slug": "uni-n", "name": "' + name.encode() + b'", "url": "https://n.example", "country": "IE"}'
    assert json.loads(raw)["name"].count("\x00") == (1 if refused else 0)
    response = client.post(
        "/admin/institutions", content=raw, headers={**admin, "content-type": "application/json"}
    )
    if refused:
        body = _is_problem(response, 422)
        assert "NUL character" in str(body["detail"])
        assert client.get("/admin/institutions", headers=admin).json()["institutions"] == []
    else:
        assert response.status_code == 201, response.text


def test_unexpected_error_is_generic_500_without_trace(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("internal detail /srv/secret/path")

    with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR):
        response = client.get("/boom", headers={"X-Request-ID": "req-boom-1"})
    body = _is_problem(response, 500)
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert body["detail"] == "an unexpected error occurred; see the server log"
    assert response.headers["x-request-id"] == "req-boom-1"
    logged = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.levelno >= logging.ERROR]
    assert logged[0]["request_id"] == "req-boom-1"
    assert "internal detail" in logged[0]["exception"]


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32
    # An unsafe id (log injection) is replaced, not echoed.
    assert client.get("/healthz", headers={"X-Request-ID": "a b\tc"}).headers["x-request-id"] != "a b\tc"


def test_log_lines_are_json_with_request_id(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="microcred"):
        client.get("/healthz", headers={"X-Request-ID": "req-42"})
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "microcred.app"]
    entry = json.loads(lines[-1])
    assert entry["message"] == "request"
    assert entry["request_id"] == "req-42"
    assert entry["method"] == "GET"
    assert entry["path"] == "/healthz"
    assert entry["status"] == 200
    assert entry["level"] == "INFO"


def test_any_log_line_during_a_request_carries_its_id(app: FastAPI) -> None:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))  # formatted at emit time, inside the request

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    other = logging.getLogger("some.library")
    other.addHandler(handler)
    other.setLevel(logging.INFO)

    @app.get("/chatty")
    def chatty() -> dict[str, str]:
        other.info("working")
        return {}

    try:
        with TestClient(app) as client:
            client.get("/chatty", headers={"X-Request-ID": "req-7"})
    finally:
        other.removeHandler(handler)
    assert [json.loads(line)["request_id"] for line in lines] == ["req-7"]
