"""The account pages in a real browser: log in, sign up, password reset, profile, API keys and
webhooks, driven by Playwright in Debian's Chromium against a live server.

Run with ``.venv/bin/pytest tests/browser/test_dashboard_accounts.py``. Screenshots of each
page go to ``artifacts/screenshots/accounts-<page>.png``. Without ``/usr/bin/chromium`` the
tests are skipped, except in CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import BROWSER_MARKS, hermetic_context, screenshot, watched_page

PASSWORD = "Correct-Horse-42"

pytestmark = BROWSER_MARKS


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = hermetic_context(browser, live_server.url)
    yield watched_page(context)
    context.close()


def shot(page, name: str) -> None:
    screenshot(page, f"accounts-{name}")


def log_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_sign_up_log_out_and_log_in_again(page, live_server):
    base = live_server.url
    page.goto(f"{base}/")
    page.get_by_role("link", name="Sign up as an advertiser").click()
    assert page.get_by_label("Advertiser — I want to buy ads").is_checked()
    page.get_by_label("Name (optional)").fill("Ann Example")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    shot(page, "signup")
    page.get_by_role("button", name="Create account").click()

    page.wait_for_url(f"{base}/advertiser/")
    expect(page.get_by_text("Welcome! Your account is ready.")).to_be_visible()
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/accounts/login/")
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert").get_by_text("Invalid email or password.")).to_be_visible()
    shot(page, "login")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/advertiser/")
    assert page.errors == []


def test_skip_link_and_keyboard_menu(page, live_server, advertiser_user):
    base = live_server.url
    log_in(page, base, advertiser_user.email)
    page.wait_for_url(f"{base}/advertiser/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("node => node === document.activeElement")
    # The account menu opens from the keyboard and closes with Escape.
    page.locator("details.user-menu summary").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="API keys")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="API keys")).to_be_hidden()  # waits for the page's script


def test_profile_and_password_change(page, live_server, advertiser_user):
    base = live_server.url
    log_in(page, base, advertiser_user.email)
    page.goto(f"{base}/accounts/profile/")
    page.get_by_label("Name").fill("Renamed Person")
    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    assert page.get_by_label("Time zone").input_value() == "Asia/Tokyo"

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Repeat the new password").fill("short")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("too short", exact=False)).to_be_visible()
    shot(page, "profile")


def test_api_key_shown_once_then_revoked(page, live_server, advertiser_user):
    base = live_server.url
    log_in(page, base, advertiser_user.email)
    page.goto(f"{base}/accounts/api-keys/")
    page.get_by_label("Name").fill("Reporting script")
    page.get_by_role("button", name="Create API key").click()
    raw = page.locator("#new-api-key").inner_text()
    assert re.fullmatch(r"ak_live_[0-9a-f]{48}", raw)
    expect(page.get_by_role("cell", name="Reporting script", exact=True)).to_be_visible()
    shot(page, "api-keys")

    page.goto(f"{base}/accounts/api-keys/")
    assert raw not in page.content()
    page.get_by_role("button", name=re.compile("Revoke key Reporting script")).click()
    expect(page.get_by_text("revoked").first).to_be_visible()
    expect(page.get_by_text("No active API keys")).to_be_visible()


def test_webhook_create_test_and_delete(page, live_server, advertiser_user):
    base = live_server.url
    log_in(page, base, advertiser_user.email)
    page.goto(f"{base}/accounts/webhooks/")
    page.get_by_label("Name").fill("Order system")
    page.get_by_label("URL").fill(f"{base}/no-such-receiver/")
    page.get_by_label("campaign.created").check()
    page.get_by_label("ad.status_changed").check()
    page.get_by_role("button", name="Add webhook").click()
    secret = page.locator("#webhook-secret").inner_text()
    assert secret.startswith("whsec_")

    page.get_by_role("button", name="Send test event").click()
    # The receiver answers 404, so the test delivery is logged as failed.
    expect(page.get_by_text("Test event failed: HTTP 404.")).to_be_visible()
    row = page.locator("table tbody tr").first
    assert "webhook.test" in row.inner_text()
    assert "failed" in row.inner_text()
    shot(page, "webhook-detail")

    page.get_by_label("Active").uncheck()
    page.get_by_role("button", name="Save webhook").click()
    expect(page.get_by_text("Webhook saved.")).to_be_visible()
    page.goto(f"{base}/accounts/webhooks/")
    expect(page.get_by_role("link", name="Order system")).to_be_visible()
    expect(page.get_by_text("inactive")).to_be_visible()
    shot(page, "webhooks")

    page.get_by_role("link", name="Order system").click()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No webhooks yet.")).to_be_visible()
    assert page.errors == []


def test_password_reset_by_email(page, live_server, advertiser_user, mailoutbox):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(advertiser_user.email)
    page.get_by_role("button", name="Send the reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/password-reset/\S+/", mailoutbox[0].body).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("Another-Horse-77")
    page.get_by_label("New password confirmation").fill("Another-Horse-77")
    shot(page, "password-reset")
    page.get_by_role("button", name="Set the password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    log_in(page, base, advertiser_user.email, "Another-Horse-77")
    page.wait_for_url(f"{base}/advertiser/")


def test_login_after_five_other_successful_logins_from_the_same_address(
    page, live_server, settings
):
    """An office: five colleagues log in from one address, then a sixth person does."""
    from apps.accounts.models import Role
    from apps.accounts.tests.factories import UserFactory

    settings.RATELIMIT_LOGIN = "5/15m"
    base = live_server.url
    people = [UserFactory(role=Role.ADVERTISER, password=PASSWORD) for _ in range(6)]
    for person in people[:5]:
        log_in(page, base, person.email)
        page.wait_for_url(f"{base}/advertiser/")
        page.locator("details.user-menu summary").click()
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{base}/accounts/login/")
    log_in(page, base, people[5].email)
    page.wait_for_url(f"{base}/advertiser/")
    expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()
    shot(page, "login-sixth-person")

    # Failures still count: five wrong passwords, then even the right one waits.
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    for _ in range(5):
        log_in(page, base, people[0].email, "not-the-password")
        expect(page.get_by_text("Invalid email or password.")).to_be_visible()
    log_in(page, base, people[0].email)
    expect(page.get_by_text(re.compile("Too many attempts"))).to_be_visible()
    shot(page, "login-too-many-failures")
