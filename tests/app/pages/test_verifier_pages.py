"""The verifier's pages (issue 9, points 1 and 5): the home page's three ways in, the result page, and a friendly
page (never a stack trace or a 500) for every kind of bad upload."""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microcred.app import Settings
from microcred.app.main import create_verifier_app
from microcred.issuer.baking import badge_png, badge_svg, bake_png, bake_svg
from tests.verifier.factories import NOW, World
from tests.verifier.factories import loader as loader
from tests.verifier.factories import world as world

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def client(tmp_path: Path, world: World) -> Iterator[TestClient]:
    app = create_verifier_app(Settings(data_dir=tmp_path, mode="dev"))
    app.state.verifier = world.verifier()
    app.state.verifier_clock = lambda: NOW
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_home_page_offers_a_file_pasted_json_and_a_link_each_labelled_without_javascript(
    client: TestClient,
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html
    assert "<script" not in html, "the core flow needs no JavaScript"
    assert html.count('method="post" action="/check" enctype="multipart/form-data"') == 3
    for field in ("file", "text", "url"):
        assert re.search(rf'<label for="{field}"', html), field
        assert re.search(rf'id="{field}" name="{field}"', html), field
    assert 'type="file"' in html
    assert "image/png" in html
    assert "image/svg+xml" in html
    assert 'href="#main"' in html, "a skip link for keyboard users"
    css = client.get("/static/style.css")
    assert css.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in css.text
    assert "@media print" in css.text


def test_each_way_in_gives_the_result_page_with_the_verdict_content_and_every_check(
    client: TestClient, world: World
) -> None:
    signed = world.sign(world.credential())
    text = json.dumps(signed)
    answers = [
        client.post("/check", files={"file": ("c.json", text.encode(), "application/json")}),
        client.post("/check", files={"file": ("b.png", bake_png(badge_png(), text), "image/png")}),
        client.post(
            "/check",
            files={
                "file": (
                    "b.svg",
                    bake_svg(badge_svg(title="T", issuer="I", year="2026"), text).encode(),
                    "image/svg+xml",
                )
            },
        ),
        client.post("/check", data={"text": text}, files={"file": ("", b"", "application/octet-stream")}),
    ]
    api = client.post("/credentials/verify", json={"verifiableCredential": signed}).json()
    for answer in answers:
        assert answer.status_code == 200, answer.text
        html = answer.text
        # the world's credential has no trust registry and no EU elements: honestly "could not fully check"
        assert 'class="verdict verdict-partial"' in html
        assert re.search(
            r'<h1 class="verdict-word" id="verdict">\s*<span[^>]*>\?</span>\s*Could not fully check', html
        )
        assert "Could not fully check" in html
        assert api["verdictSentence"] in html.replace("&#39;", "'")
        for check in api["report"]["checks"]:
            assert f'data-check="{check["id"]}"' in html, check["id"]
            assert check["sentence"].replace("'", "&#39;").replace('"', "&#34;") in html, check["sentence"]
        assert signed["credentialSubject"]["achievement"]["name"] in html


def test_a_pasted_vc_jwt_shows_its_claims_and_checks(client: TestClient, world: World) -> None:
    from tests.app.verification.factories import jwt_for

    answer = client.post("/check", data={"text": jwt_for(world)}, files={"file": ("", b"", "")})
    assert answer.status_code == 200
    assert "Checked: pasted text (jwt)" in answer.text
    assert world.credential()["credentialSubject"]["achievement"]["name"] in answer.text
    assert 'data-check="proof"' in answer.text


def test_a_link_that_may_not_be_fetched_is_a_friendly_page(client: TestClient) -> None:
    for answer in (
        client.post("/check", data={"url": "http://10.0.0.1/credential.json"}, files={"file": ("", b"", "")}),
        client.get("/?url=http%3A%2F%2F169.254.169.254%2Flatest", headers=HTML),
    ):
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("text/html")
        assert "The link could not be checked" in answer.text


def png_without_credential() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + chunk(b"IDAT", zlib.compress(b"\0" * 5)) + chunk(b"IEND", b"")


BAD_UPLOADS = [
    (
        "photo.png",
        png_without_credential(),
        "image/png",
        422,
        "This image does not contain a credential",
        "not a baked badge",
    ),
    (
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        "image/svg+xml",
        422,
        "This image does not contain a credential",
        "not a baked badge",
    ),
    (
        "cv.pdf",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        "application/pdf",
        415,
        "This file is not a credential",
        "PDF document",
    ),
    (
        "me.jpg",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        "image/jpeg",
        415,
        "This file is not a credential",
        "JPEG photo",
    ),
    ("empty.json", b"", "application/json", 422, "The file is empty", "no content"),
    (
        "broken.json",
        b'{"@context": ["https://www.w3.org/ns/credentials/v2",',
        "application/json",
        422,
        "The JSON could not be read",
        "not valid UTF-8 JSON",
    ),
    (
        "bad-chunk.png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + b"\x00" * 17,
        "image/png",
        422,
        "This image does not contain a credential",
        "bad CRC",
    ),
]


@pytest.mark.parametrize(
    ("name", "data", "media", "status", "title", "detail"), BAD_UPLOADS, ids=[u[0] for u in BAD_UPLOADS]
)
def test_bad_uploads_get_a_friendly_page_saying_what_was_wrong(
    client: TestClient, name: str, data: bytes, media: str, status: int, title: str, detail: str
) -> None:
    answer = client.post("/check", files={"file": (name, data, media)}, headers=HTML)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert f'<h1 id="problem-title">{title}</h1>' in answer.text
    assert detail in answer.text
    assert "Traceback" not in answer.text
    assert 'File "' not in answer.text


def test_a_50_mb_file_gets_the_friendly_too_large_page(client: TestClient) -> None:
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (50 * 1024 * 1024)
    for headers in (HTML, {"Accept": "*/*"}):
        answer = client.post("/check", files={"file": ("huge.png", big, "image/png")}, headers=headers)
        assert answer.status_code == 413
        assert answer.headers["content-type"].startswith("text/html")
        assert '<h1 id="problem-title">The file is too large</h1>' in answer.text
        assert "larger than 1048576 bytes" in answer.text
        assert answer.headers["x-request-id"]


def test_pasted_text_that_is_not_json_and_an_empty_form_are_friendly(client: TestClient) -> None:
    pasted = client.post(
        "/check", data={"text": "hello, this is not a credential"}, files={"file": ("", b"", "")}
    )
    assert pasted.status_code in (415, 422)
    assert pasted.headers["content-type"].startswith("text/html")
    assert "problem-title" in pasted.text
    empty = client.post("/check", data={"text": ""}, files={"file": ("", b"", "")})
    assert empty.status_code == 400
    assert "Nothing to check" in empty.text


def test_the_api_keeps_problem_json(client: TestClient) -> None:
    answer = client.post("/verify", content=b"%PDF-1.7", headers={"Content-Type": "application/pdf"})
    assert answer.headers["content-type"] == "application/problem+json"


def test_an_unexpected_error_is_a_friendly_500_page_without_the_trace(
    client: TestClient, world: World
) -> None:
    class Broken:
        fetcher = None

        def verify_credential(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("secret internal detail")

    client.app.state.verifier = Broken()  # type: ignore[attr-defined]
    answer = client.post(
        "/check", data={"text": json.dumps(world.credential())}, files={"file": ("", b"", "")}
    )
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert '<h1 id="problem-title">Something went wrong on our side</h1>' in answer.text
    assert "secret internal detail" not in answer.text
    assert "Traceback" not in answer.text
