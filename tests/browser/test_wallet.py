"""Issue 9 point 2 in a real browser: the "Add to a wallet" button of the learner's private page (a plain form, so
it works with JavaScript off) opens the wallet page with both flows' QR codes and deep links; the public page has
no such button."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.browser.factories import Stack


def test_add_to_a_wallet_opens_the_wallet_page_without_javascript(stack: Stack, browser: Any) -> None:
    issued = stack.issue()
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(issued["learnerPage"])  # the public page: see and verify, no wallet button
        assert page.get_by_role("button", name="Add to a wallet").count() == 0
        page.goto(issued["learnerLink"])  # the learner's private link
        button = page.get_by_role("button", name="Add to a wallet")
        assert button.is_visible()
        button.click()
        page.wait_for_url(f"{stack.issuer}/wallet/**")
        reference = page.url.rsplit("/", 1)[1]
        assert page.locator("h1").inner_text() == "Digital credentials for educators"
        assert page.locator("section#openid4vci svg").is_visible()
        assert page.locator("section#lcw svg").is_visible()
        openid = page.get_by_role("link", name="Open in an OpenID4VCI wallet").get_attribute("href")
        assert parse_qs(urlsplit(openid).query)["credential_offer_uri"] == [
            f"{stack.issuer}/oid4vci/offers/{reference}"
        ]
        lcw = page.get_by_role("link", name="Open in the Learner Credential Wallet").get_attribute("href")
        assert lcw.startswith("https://lcw.app/request?request=")
        assert f"{stack.issuer}/exchanges/{reference}" in parse_qs(urlsplit(lcw).query)["request"][0]
        # the offer behind the QR code is live: a wallet fetching it gets a pre-authorized code, no tx_code
        offer = stack.api.get(f"/oid4vci/offers/{reference}").json()
        grant = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
        assert set(grant) == {"pre-authorized_code"}
    finally:
        context.close()


def test_the_wallet_button_is_reachable_by_keyboard(stack: Stack, page: Any, output: Any) -> None:
    issued = stack.issue()
    page.goto(issued["learnerLink"])
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Add to a wallet":
            break
    assert page.evaluate("document.activeElement.textContent") == "Add to a wallet"
    page.screenshot(path=str(output / "learner-page-wallet-button.png"), full_page=True)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{stack.issuer}/wallet/**")
    page.screenshot(path=str(output / "wallet-page.png"), full_page=True)
