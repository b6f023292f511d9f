"""Pages people use (issue 9) over HTTP: the learner page and its downloads, the verifier's result for them, and
the catalogue / achievement / issuer pages negotiated on the JSON-LD URLs."""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import segno
from fastapi.testclient import TestClient

from microcred.app import Settings
from microcred.issuer.baking import badge_png, bake_png
from microcred.verifier.inputs import extract_png, extract_svg
from tests.app.pages.factories import HTML, issue, links, verifier_app
from tests.issuer.factories import Issuing, issuing


@pytest.fixture
def it(client: TestClient, new_institution: Callable[..., Any]) -> Issuing:
    return issuing(client, new_institution(region="IE-D"))


def test_issuing_returns_the_learner_page_at_an_unguessable_link(client: TestClient, it: Issuing) -> None:
    first, second = issue(it), issue(it)
    for body in (first, second):
        public_id = body["verifiableCredential"]["id"].removeprefix("urn:uuid:")
        assert body["learnerPage"] == f"http://testserver/credentials/{public_id}"
        assert uuid.UUID(public_id).version == 4, "122 random bits"
    assert first["learnerPage"] != second["learnerPage"]
    # the same URL still answers the credential itself to machines
    plain = client.get(first["learnerPage"], headers={"Accept": "application/json"})
    assert plain.headers["content-type"].startswith("application/ld+json")
    assert plain.json() == first["verifiableCredential"]


def test_learner_page_renders_the_credential_with_downloads_qr_verify_and_linkedin(
    client: TestClient, it: Issuing, settings: Settings
) -> None:
    body = issue(it)
    vc = body["verifiableCredential"]
    page = client.get(body["learnerPage"], headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="en">' in html
    for shown in (
        "Digital credentials for educators",
        "Ana Andromeda",
        "University uni-a",
        "2 ECTS credits",
        "Pass",
        vc["credentialSubject"]["achievement"]["learningOutcome"][0],
    ):
        assert shown in html, shown
    found = links(html)
    page_url = body["learnerPage"]
    assert found["Download credential (JSON)"] == f"{page_url}/credential.json"
    assert found["Download badge (PNG)"] == f"{page_url}/badge.png"
    assert found["Download badge (SVG)"] == f"{page_url}/badge.svg"
    verify = found["Verify this credential"]
    assert verify == f"{settings.verifier_base_url}/?url={quote(page_url + '/credential.json', safe='')}"
    linkedin = urlsplit(found["Add to LinkedIn profile"])
    assert (linkedin.scheme, linkedin.netloc, linkedin.path) == ("https", "www.linkedin.com", "/profile/add")
    issued = vc["awardedDate"]
    assert parse_qs(linkedin.query) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Digital credentials for educators"],
        "organizationName": ["University uni-a"],
        "issueYear": [issued[:4]],
        "issueMonth": [str(int(issued[5:7]))],
        "certUrl": [verify],
        "certId": [vc["id"]],
    }
    # the QR code on the page is the verification link (the same matrix segno makes for it)
    expected = segno.make(verify, error="m").svg_inline(scale=3, title="QR code of the verification link")
    assert expected in html
    qr = client.get(f"{page_url}/qr.svg")
    assert qr.headers["content-type"] == "image/svg+xml"
    assert re.search(r'd="([^"]+)"', qr.text).group(1) == re.search(r'd="([^"]+)"', expected).group(1)  # type: ignore[union-attr]


def test_downloads_are_the_credential_as_issued_and_baked_badges(client: TestClient, it: Issuing) -> None:
    body = issue(it)
    page_url, vc = body["learnerPage"], body["verifiableCredential"]
    stored = client.get(page_url, headers={"Accept": "application/json"}).content
    as_json = client.get(f"{page_url}/credential.json")
    assert as_json.headers["content-disposition"].startswith("attachment;")
    assert json.loads(as_json.content) == vc
    png = client.get(f"{page_url}/badge.png")
    assert png.headers["content-type"] == "image/png"
    assert (
        png.headers["content-disposition"] == 'attachment; filename="digital-credentials-for-educators.png"'
    )
    assert json.loads(extract_png(png.content)) == json.loads(stored)
    svg = client.get(f"{page_url}/badge.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert json.loads(extract_svg(svg.content)) == vc
    assert "Digital credentials for" in svg.text


def checks_of(html: str) -> dict[str, str]:
    rows = re.findall(
        r'data-check="([^"]+)">\s*<th scope="row">[^<]*</th>\s*<td><span class="status status-([a-z-]+)"',
        html,
    )
    return dict(rows)


def test_baked_badges_and_json_verify_as_valid_on_the_verifier_page(
    client: TestClient, it: Issuing, settings: Settings, tmp_path: Path
) -> None:
    body = issue(it)
    page_url = body["learnerPage"]
    with TestClient(verifier_app(settings, client, tmp_path, trusted={it.did})) as verifier:
        for name, media in (
            ("badge.png", "image/png"),
            ("badge.svg", "image/svg+xml"),
            ("credential.json", "application/json"),
        ):
            data = client.get(f"{page_url}/{name}").content
            result = verifier.post("/check", files={"file": (name, data, media)}, headers=HTML)
            assert result.status_code == 200, result.text
            html = result.text
            assert 'class="verdict verdict-valid"' in html, name
            assert re.search(r'id="verdict">\s*<span[^>]*>✔</span>\s*Valid', html), name
            for shown in (
                "Ana Andromeda",
                "University uni-a",
                "Ireland",
                "2 ECTS credits",
                "EQF level 6",
                "Pass",
            ):
                assert shown in html, (name, shown)
            checks = checks_of(html)
            assert {"structure", "proof", "issuer", "validity", "trust", "eu:M1"} <= set(checks)
            assert set(checks.values()) == {"passed"} or checks["status"] != "failed"
            assert checks["proof"] == "passed"

        # "verify this credential": the verifier opened with the credential's URL loaded
        verify = links(client.get(page_url, headers=HTML).text)["Verify this credential"]
        opened = verifier.get(urlsplit(verify).path + "?" + urlsplit(verify).query, headers=HTML)
        assert opened.status_code == 200
        assert 'class="verdict verdict-valid"' in opened.text
        assert f"{page_url}/credential.json" in opened.text


def test_a_tampered_badge_is_not_valid_and_the_page_names_the_failing_check(
    client: TestClient, it: Issuing, settings: Settings, tmp_path: Path
) -> None:
    vc = issue(it)["verifiableCredential"]
    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["achievement"]["creditsAvailable"] = 60
    with TestClient(verifier_app(settings, client, tmp_path, trusted={it.did})) as verifier:
        result = verifier.post(
            "/check", files={"file": ("badge.png", bake_png(badge_png(), json.dumps(tampered)), "image/png")}
        )
        assert result.status_code == 200
        assert 'class="verdict verdict-invalid"' in result.text
        assert checks_of(result.text)["proof"] == "failed"
        assert "Digital signature" in result.text
        assert "could not be confirmed" in result.text, "claimed content is marked as unconfirmed"


def test_unknown_credential_is_a_friendly_page_for_browsers_and_a_problem_for_machines(
    client: TestClient,
) -> None:
    page = client.get("/credentials/00000000-0000-4000-8000-000000000000", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "no credential" in page.text
    api = client.get("/credentials/00000000-0000-4000-8000-000000000000")
    assert api.headers["content-type"] == "application/problem+json"


def test_catalogue_achievement_and_issuer_pages_are_html_on_the_json_ld_urls(
    client: TestClient, it: Issuing
) -> None:
    catalogue = client.get("/catalogue", headers=HTML)
    assert catalogue.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in catalogue.text
    assert links(catalogue.text)["Digital credentials for educators"] == it.achievement_url
    assert '<label for="f-title">' in catalogue.text
    assert client.get("/catalogue", headers={"Accept": "application/json"}).json()["achievements"][0][
        "id"
    ] == (it.achievement_url)
    filtered = client.get("/catalogue?title=nothing-like-this", headers=HTML).text
    assert "0 micro-credential(s)" in filtered
    # the filter form as a browser submits it: every field, the empty ones blank (no filter), numbers still checked
    blank = client.get("/catalogue?title=educators&level=&field=&ects_min=&ects_max=", headers=HTML)
    assert blank.status_code == 200
    assert "1 micro-credential(s)" in blank.text
    assert client.get("/catalogue?level=9&field=", headers={"Accept": "application/json"}).status_code == 422

    achievement = client.get(it.achievement_url, headers=HTML)
    assert achievement.headers["content-type"].startswith("text/html")
    for shown in ("Digital credentials for educators", "Learning outcomes", "EQF level", "University uni-a"):
        assert shown in achievement.text
    assert client.get(it.achievement_url).json()["type"] == ["Achievement", "EUMicroCredential"]

    profile = client.get(f"/issuers/{it.slug}", headers=HTML)
    assert profile.headers["content-type"].startswith("text/html")
    assert "University uni-a" in profile.text
    assert it.did in profile.text
    assert links(profile.text)["Digital credentials for educators"] == it.achievement_url
    assert links(profile.text)["DID document"] == f"/issuers/{it.slug}/did.json"
    document = client.get(f"/issuers/{it.slug}")
    assert document.headers["content-type"].startswith("application/ld+json")
    assert document.json()["id"] == it.did


def test_pages_escape_what_institutions_and_credentials_contain(
    client: TestClient, new_institution: Callable[..., Any]
) -> None:
    it = issuing(
        client, new_institution(slug="evil", name="<script>alert(1)</script> Uni"), name="<b>Bold</b> course"
    )
    body = issue(it)
    for html in (
        client.get(body["learnerPage"], headers=HTML).text,
        client.get("/catalogue", headers=HTML).text,
        client.get(f"/issuers/{it.slug}", headers=HTML).text,
        client.get(it.achievement_url, headers=HTML).text,
    ):
        assert "<script>" not in html
        assert "<b>Bold" not in html
        assert "&lt;b&gt;Bold&lt;/b&gt; course" in html


def test_a_revoked_credential_says_so_on_the_learner_page_and_on_the_verifier_page(
    client: TestClient, it: Issuing, settings: Settings, tmp_path: Path
) -> None:
    body = issue(it)
    vc = body["verifiableCredential"]
    assert "revoked" not in client.get(body["learnerPage"], headers=HTML).text
    change = client.post(
        "/credentials/status",
        json={
            "credentialId": vc["id"],
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
            "status": True,
        },
        headers=it.headers,
    )
    assert change.status_code == 200, change.text
    page = client.get(body["learnerPage"], headers=HTML).text
    assert "The issuer has revoked this credential." in page
    with TestClient(verifier_app(settings, client, tmp_path, trusted={it.did})) as verifier:
        result = verifier.post(
            "/check", files={"file": ("c.json", json.dumps(vc).encode(), "application/json")}
        )
        assert 'class="verdict verdict-invalid"' in result.text
        assert checks_of(result.text)["status"] == "failed"
        assert "The issuer has revoked this credential." in result.text


PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


def test_pages_carry_a_content_security_policy_and_refuse_framing(
    client: TestClient, it: Issuing, settings: Settings, tmp_path: Path
) -> None:
    """No page needs script, other origins or frames, so none is allowed (the browser suite checks that nothing
    on the pages is blocked); every answer is nosniff; FastAPI's /docs keeps what Swagger UI needs."""
    body = issue(it)
    learner = body["learnerPage"].removeprefix("http://testserver")
    key = body["learnerLink"].rsplit("/learner/", 1)[1]
    wallet = client.post(f"{learner}/wallet", data={"key": key}, follow_redirects=False).headers["location"]
    verifier = TestClient(verifier_app(settings, client, tmp_path, trusted=set()))
    for response in (
        client.get(learner, headers=HTML),
        client.get(body["learnerLink"].removeprefix("http://testserver"), headers=HTML),
        client.get(wallet.removeprefix("http://testserver")),
        client.get("/catalogue", headers=HTML),
        client.get(f"/issuers/{it.slug}", headers=HTML),
        client.get(
            "/credentials/00000000-0000-4000-8000-000000000000", headers=HTML
        ),  # the friendly 404 page
        verifier.get("/"),
    ):
        assert response.headers["content-type"].startswith("text/html"), response.url
        assert response.headers["content-security-policy"] == PAGE_POLICY, response.url
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
    svg = client.get(f"{learner}/badge.svg")
    assert svg.headers["content-security-policy"].startswith("default-src 'none'")
    api = client.get(learner, headers={"Accept": "application/json"})
    assert api.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in api.headers
    assert "content-security-policy" not in client.get("/docs").headers
