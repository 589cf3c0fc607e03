"""The dashboards on a phone (390 px wide), in Debian's Chromium: the navigation collapses
into a menu, wide tables scroll inside their box with the row's buttons in reach, the page
has a favicon, and a draft campaign shows no pacing verdict.

Screenshots go to ``artifacts/screenshots/phone-<page>.png``.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.support import BROWSER_MARKS, hermetic_context, screenshot, watched_page

pytestmark = BROWSER_MARKS
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "demo-pass-2026"


@pytest.fixture
def demo(transactional_db):
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def phone(browser, live_server, demo):
    context = hermetic_context(browser, live_server.url, viewport=PHONE)
    page = watched_page(context)
    yield page
    context.close()


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def page_overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize(
    "email,first_page,link",
    [
        ("advertiser@demo.local", "/advertiser/", "Reports"),
        ("publisher@demo.local", "/publisher/", "Zones"),
        ("admin@demo.local", "/staff/", "Users"),
        ("finance@demo.local", "/finance/", "Invoices"),
    ],
)
def test_navigation_collapses_into_a_menu(phone, live_server, email, first_page, link):
    base = live_server.url
    log_in(phone, base, email)
    phone.wait_for_url(f"{base}{first_page}")
    nav = phone.get_by_role("navigation", name="Main")
    menu = phone.get_by_role("button", name="Menu")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    assert page_overflow(phone) <= 0
    role = email.split("@")[0]
    screenshot(phone, f"phone-{role}-menu-closed")

    menu.click()
    expect(nav).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    screenshot(phone, f"phone-{role}-menu-open")
    phone.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    menu.click()
    nav.get_by_role("link", name=link, exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    expect(nav).to_be_hidden()  # the next page starts with the menu closed
    assert page_overflow(phone) <= 0
    assert phone.errors == []


def test_wide_tables_scroll_inside_their_box_with_actions_in_reach(phone, live_server):
    base = live_server.url
    log_in(phone, base, "advertiser@demo.local")
    phone.wait_for_url(f"{base}/advertiser/")
    wrap = phone.locator(".table-wrap").filter(has=phone.locator(".campaigns-table"))
    scrolls = wrap.evaluate("(box) => box.scrollWidth > box.clientWidth")
    assert scrolls, "the campaigns table is wider than a phone and scrolls in its box"
    assert page_overflow(phone) <= 0
    # The row's buttons stay at the box's right edge without scrolling it.
    edit = phone.get_by_role("link", name="Edit Winter Sale")
    box = edit.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    expect(edit).to_be_visible()
    # A draft campaign has no pacing verdict.
    draft_row = phone.locator("tr", has_text="Summer Camping")
    expect(draft_row.get_by_text("Not started")).to_be_visible()
    for verdict in ("on pace", "behind", "ahead"):
        expect(draft_row.get_by_text(verdict, exact=True)).to_have_count(0)
    screenshot(phone, "phone-advertiser-campaigns")


def test_favicon_and_demo_video_are_served_from_static(phone, live_server):
    base = live_server.url
    phone.goto(f"{base}/accounts/login/")
    href = phone.locator("link[rel=icon]").get_attribute("href")
    assert href.startswith("/static/")
    assert phone.request.get(f"{base}{href}").status == 200
    assert phone.request.get(f"{base}/favicon.ico").status == 200
    assert phone.request.get(f"{base}/static/demo/preroll-640x360.mp4").status == 200
