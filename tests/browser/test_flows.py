"""Issue 9 in a real browser: issue -> learner page -> download the PNG -> upload it on the verifier -> "Valid";
revoke -> "Revoked"; a tampered file -> "Not valid" naming the failing check; bad uploads; keyboard, contrast, print."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.browser.factories import Stack

VERDICT = "#verdict"


def check_row(page: Any, name: str) -> str:
    row = page.locator("table.checks tr", has=page.locator("th", has_text=name)).first
    return str(row.locator("td").first.inner_text()).strip()


def test_issue_learner_page_download_png_upload_on_verifier_is_valid(
    stack: Stack, page: Any, output: Path, tmp_path: Path
) -> None:
    issued = stack.issue()
    page.goto(issued["learnerPage"])
    assert page.locator("h1").inner_text() == "Digital credentials for educators"
    assert page.get_by_text("Ana Andromeda").first.is_visible()
    assert page.locator("figure.qr svg").is_visible()
    assert page.locator("img.badge").evaluate("img => img.complete && img.naturalWidth > 0"), (
        "the badge image loads"
    )
    page.screenshot(path=str(output / "learner-page.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download badge (PNG)").click()
    download = download_info.value
    assert download.suggested_filename == "digital-credentials-for-educators.png"
    png = tmp_path / download.suggested_filename
    download.save_as(str(png))
    assert png.read_bytes().startswith(b"\x89PNG")

    page.goto(stack.verifier + "/")
    page.screenshot(path=str(output / "verifier-home.png"), full_page=True)
    page.get_by_label("Drop the credential file here").set_input_files(str(png))
    page.get_by_role("button", name="Check file").click()
    page.wait_for_selector(VERDICT)
    assert page.locator(VERDICT).inner_text().strip().endswith("Valid")
    assert "verdict-valid" in page.locator("section.verdict").get_attribute("class")
    for shown in ("Ana Andromeda", "Demo University", "2 ECTS credits", "EQF level 6", "Pass"):
        assert page.get_by_text(shown).first.is_visible(), shown
    assert check_row(page, "Digital signature") == "Passed"
    assert check_row(page, "Issuer identity") == "Passed"
    page.screenshot(path=str(output / "verifier-valid.png"), full_page=True)


def test_verify_this_credential_link_opens_the_verifier_with_it_loaded(stack: Stack, page: Any) -> None:
    issued = stack.issue()
    page.goto(issued["learnerPage"])
    page.get_by_role("link", name="Verify this credential").click()
    page.wait_for_selector(VERDICT)
    assert page.url.startswith(stack.verifier + "/?url=")
    assert page.locator(VERDICT).inner_text().strip().endswith("Valid")


def test_revoked_credential_shows_revoked(stack: Stack, page: Any, output: Path) -> None:
    issued = stack.issue()
    vc = issued["verifiableCredential"]
    entry = vc["credentialStatus"]
    revoked = stack.api.post(
        "/credentials/status",
        json={
            "credentialId": vc["id"],
            "credentialStatus": {"type": entry["type"], "statusPurpose": "revocation"},
            "status": True,
            "reason": "browser test",
        },
        headers=stack.headers,
    )
    assert revoked.status_code == 200, revoked.text
    page.goto(stack.verifier + "/")
    page.get_by_label("Paste the credential's JSON").fill(json.dumps(vc))
    page.get_by_role("button", name="Check pasted JSON").click()
    page.wait_for_selector(VERDICT)
    assert page.locator(VERDICT).inner_text().strip().endswith("Not valid")
    assert "revoked" in page.locator(".verdict-sentence").inner_text()
    assert check_row(page, "Revocation and suspension") == "Failed"
    page.screenshot(path=str(output / "verifier-revoked.png"), full_page=True)


def test_tampered_file_is_not_valid_naming_the_failing_check(
    stack: Stack, page: Any, output: Path, tmp_path: Path
) -> None:
    vc = stack.issue()["verifiableCredential"]
    vc["credentialSubject"]["achievement"]["creditsAvailable"] = 60
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(vc))
    page.goto(stack.verifier + "/")
    page.locator("#file").set_input_files(str(tampered))
    page.get_by_role("button", name="Check file").click()
    page.wait_for_selector(VERDICT)
    assert page.locator(VERDICT).inner_text().strip().endswith("Not valid")
    assert check_row(page, "Digital signature") == "Failed"
    assert page.locator("table.checks tr.check-failed th").first.inner_text() == "Digital signature"
    assert page.get_by_text("It could not be confirmed").is_visible()
    page.screenshot(path=str(output / "verifier-tampered.png"), full_page=True)


def test_bad_uploads_show_a_friendly_page_in_the_browser(
    stack: Stack, page: Any, output: Path, tmp_path: Path
) -> None:
    cases = {
        "cv.pdf": (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "This file is not a credential"),
        "empty.json": (b"", "The file is empty"),
        "broken.json": (b'{"id": ', "The JSON could not be read"),
        "huge.png": (b"\x89PNG\r\n\x1a\n" + b"\0" * (50 * 1024 * 1024), "The file is too large"),
    }
    for name, (data, title) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        page.goto(stack.verifier + "/")
        page.locator("#file").set_input_files(str(path))
        page.get_by_role("button", name="Check file").click()
        page.wait_for_selector("#problem-title")
        assert page.locator("#problem-title").inner_text() == title, name
        assert "Traceback" not in page.content()
    page.screenshot(path=str(output / "verifier-too-large.png"), full_page=True)


def _luminance(rgb: str) -> float:
    values = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_keyboard_only_link_check_with_visible_focus_and_readable_contrast(
    stack: Stack, page: Any, output: Path
) -> None:
    issued = stack.issue()
    page.goto(stack.verifier + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "keyboard focus is visible"
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "url":
            break
    assert page.evaluate("document.activeElement.id") == "url", "the link field is reachable by keyboard"
    page.keyboard.type(issued["learnerPage"] + "/credential.json")
    page.keyboard.press("Enter")
    page.wait_for_selector(VERDICT)
    assert page.locator(VERDICT).inner_text().strip().endswith("Valid")
    for selector in (".verdict-word", ".verdict-sentence", "table.checks td"):
        style = page.locator(selector).first.evaluate(
            "e => { let b = e; while (getComputedStyle(b).backgroundColor === 'rgba(0, 0, 0, 0)') b = b.parentElement;"
            " return [getComputedStyle(e).color, getComputedStyle(b).backgroundColor]; }"
        )
        assert contrast(*style) >= 4.5, (selector, style)
    page.screenshot(path=str(output / "verifier-keyboard.png"), full_page=True)


def test_result_and_learner_pages_print_without_forms_or_navigation(
    stack: Stack, page: Any, output: Path
) -> None:
    issued = stack.issue()
    page.goto(issued["learnerPage"])
    page.emulate_media(media="print")
    assert not page.locator("aside.actions").is_visible()
    assert not page.locator("header.site").is_visible()
    assert page.locator("h1").is_visible()
    pdf = page.pdf(path=str(output / "learner-page.pdf"))
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    page.goto(stack.verifier + "/?url=" + issued["learnerPage"] + "/credential.json")
    page.emulate_media(media="print")
    assert page.locator(VERDICT).is_visible()
    assert not page.get_by_role("link", name="Check another credential").is_visible()


def test_catalogue_and_issuer_pages_in_the_browser(stack: Stack, page: Any, output: Path) -> None:
    page.goto(stack.issuer + "/catalogue")
    assert page.locator("h1").inner_text() == "Micro-credential catalogue"
    page.get_by_label("Title").fill("educators")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Digital credentials for educators").first.click()
    assert page.locator("h1").inner_text() == "Digital credentials for educators"
    page.screenshot(path=str(output / "achievement.png"), full_page=True)
    page.get_by_role("link", name="Demo University").click()
    assert page.locator("h1").inner_text() == "Demo University"
    assert page.get_by_text(stack.did).is_visible()
    page.screenshot(path=str(output / "issuer-profile.png"), full_page=True)


def test_the_core_flow_works_with_javascript_disabled(stack: Stack, browser: Any, tmp_path: Path) -> None:
    issued = stack.issue()
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(issued["learnerPage"])
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download badge (SVG)").click()
        svg = tmp_path / "badge.svg"
        download_info.value.save_as(str(svg))
        page.goto(stack.verifier + "/")
        page.locator("#file").set_input_files(str(svg))
        page.get_by_role("button", name="Check file").click()
        page.wait_for_selector(VERDICT)
        assert page.locator(VERDICT).inner_text().strip().endswith("Valid")
        assert page.get_by_text("(svg)").is_visible()
    finally:
        context.close()
