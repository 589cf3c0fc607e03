"""The publisher pages in a real browser (Playwright driving Debian's Chromium, live server).

A publisher signs in, adds a website and a zone, copies the zone's code and previews it;
reports, payouts and the pending banner are looked at too. Screenshots of each page go to
``artifacts/screenshots/publisher-<page>.png``. Run with
``.venv/bin/pytest tests/browser/test_dashboard_publisher.py``; without ``/usr/bin/chromium``
the tests are skipped, except in CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.support import BROWSER_MARKS, hermetic_context, screenshot, watched_page

PASSWORD = "Correct-Horse-42"

pytestmark = BROWSER_MARKS


@pytest.fixture
def site(transactional_db, live_server, settings):
    """The live server, with embed codes and creatives pointing at it."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def context(browser, site):
    context = hermetic_context(browser, site, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return watched_page(context, accept_dialogs=False)


def shot(page, name: str) -> None:
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, f"publisher-{name}")


def make_publisher(email: str, status: str = "approved", name: str = "Daily Planet"):
    from apps.accounts.models import Role
    from apps.accounts.tests.factories import UserFactory
    from apps.inventory.tests.factories import PublisherFactory

    user = UserFactory(email=email, name="Perry White", role=Role.PUBLISHER)
    return PublisherFactory(user=user, name=name, status=status)


def live_banner(site: str):
    """An approved 300x250 banner of an active campaign: what the new zone will show."""
    from apps.campaigns import services
    from apps.campaigns.tests.factories import AdvertiserFactory

    advertiser = AdvertiserFactory(company="Outdoor Co")
    campaign, _ = services.campaign_create(
        advertiser=advertiser,
        name="Winter gear",
        status="active",
        bid_amount=Decimal("5.00"),
        daily_budget=Decimal("100.00"),
        start_date=date.today(),
    )
    from apps.accounts.models import Role
    from apps.accounts.tests.factories import UserFactory

    return services.ad_create(
        campaign=campaign,
        actor=UserFactory(role=Role.ADMIN),
        review_status="approved",
        name="Winter banner",
        type="banner",
        width=300,
        height=250,
        image_url=f"{site}/static/demo/banner-300x250.svg",
        destination_url="https://outdoor.example.com/winter",
    )


def requested(zone, hour, requests: int, fills: int) -> None:
    """Ad requests and fills of ``zone`` in ``hour``, as the drain records them."""
    from apps.delivery.models import ZoneHourlyStat

    ZoneHourlyStat.objects.create(
        hour=hour,
        zone_id=zone.pk,
        publisher_id=zone.website.publisher_id,
        requests=requests,
        fills=fills,
    )


def log_in(page, site: str, email: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/publisher/")


def test_publisher_creates_a_website_and_zone_and_copies_its_code(site, page):
    make_publisher("perry@planet.example")
    ad = live_banner(site)
    log_in(page, site, "perry@planet.example")

    # Home: earnings cards, the chart, no zones yet.
    expect(page.get_by_role("heading", name="Earnings", exact=True)).to_be_visible()
    expect(page.locator(".stat").first.get_by_text("0.00 USD")).to_be_visible()
    page.wait_for_function("() => document.querySelector('canvas[data-chart]').dataset.chartReady")
    shot(page, "home-empty")

    # Websites → add one.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Websites").click()
    page.wait_for_url(f"{site}/publisher/websites/")
    expect(page.get_by_text("No websites yet.")).to_be_visible()
    page.get_by_role("link", name="Add a website").first.click()
    page.get_by_label("Name").fill("Planet News")
    page.get_by_label("URL").fill("https://planet.example.com")
    page.get_by_label("Category").fill("news")
    page.get_by_role("button", name="Add website").click()
    page.wait_for_url(f"{site}/publisher/websites/*/")
    expect(page.get_by_text("Website “Planet News” added.")).to_be_visible()
    expect(page.get_by_role("heading", name="Planet News")).to_be_visible()

    # Add a zone: a size error first, then a standard size.
    page.get_by_role("link", name="Add a zone").first.click()
    page.get_by_label("Name").fill("Sidebar")
    page.get_by_label("Type").select_option("banner")
    page.get_by_role("button", name="Create zone").click()
    expect(page.get_by_text("Required for banner zones.").first).to_be_visible()
    shot(page, "zone-form-errors")
    page.get_by_label("Standard size").select_option("300x250")
    assert page.get_by_label("Width (px)").input_value() == "300"
    assert page.get_by_label("Height (px)").input_value() == "250"
    page.get_by_label("Floor price (CPM)").fill("0.50")
    page.get_by_role("button", name="Create zone").click()
    page.wait_for_url(f"{site}/publisher/zones/*/")
    expect(page.get_by_text("Zone “Sidebar” created.")).to_be_visible()

    from apps.inventory.models import Zone

    zone = Zone.objects.get(name="Sidebar")
    assert (zone.width, zone.height, zone.floor_price) == (300, 250, Decimal("0.50"))

    # Copy the async tag: the button says so and the clipboard holds the code.
    code = page.locator("#embed-async_js").input_value()
    assert f'data-zone="{zone.uuid}"' in code and "adtag.js" in code
    page.locator('[data-copy="embed-async_js"]').click()
    page.locator(".copy-status").first.wait_for(state="visible")
    assert page.locator(".copy-status").first.inner_text() == "Copied"
    assert page.evaluate("() => navigator.clipboard.readText()") == code
    # The iframe code too.
    page.locator('[data-copy="embed-iframe"]').click()
    iframe_code = page.locator("#embed-iframe").input_value()
    page.wait_for_function(
        "(code) => navigator.clipboard.readText().then((text) => text === code)",
        arg=iframe_code,
    )
    assert f"/api/v1/serve/{zone.uuid}/iframe" in iframe_code

    # The live preview serves the banner through the zone's iframe endpoint.
    page.get_by_role("button", name="Load preview").click()
    framed = page.frame_locator("#zone-preview").locator("a > img")
    framed.wait_for(state="visible")
    assert framed.get_attribute("src") == ad.image_url
    page.locator("#preview-status").get_by_text("Loaded").wait_for()
    page.wait_for_timeout(300)
    shot(page, "zone")

    # The zone is listed, and its page can be edited.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Zones").click()
    page.wait_for_url(re.compile(r"/publisher/zones/$"))
    expect(page.get_by_role("link", name="Sidebar", exact=True)).to_be_visible()
    shot(page, "zones")
    page.get_by_role("link", name="Edit Sidebar").click()
    page.get_by_label("Status").select_option("paused")
    page.get_by_role("button", name="Save zone").click()
    expect(page.get_by_text("This zone is paused")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Websites").click()
    shot(page, "websites")
    assert page.errors == []


def test_publisher_reports_payouts_and_earnings(site, page):
    from apps.campaigns.tests.factories import live_ad, live_campaign
    from apps.inventory.tests.factories import WebsiteFactory, ZoneFactory
    from apps.reporting.tests.conftest import put

    publisher = make_publisher("lois@planet.example")
    website = WebsiteFactory(publisher=publisher, name="Planet News")
    zones = [
        ZoneFactory(website=website, name=name, width=w, height=h)
        for name, w, h in (("Leaderboard", 728, 90), ("Sidebar", 300, 250))
    ]
    ad = live_ad(campaign=live_campaign())
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for days in range(0, 20, 2):
        for zone, hour, shown, clicks in (
            (zones[0], now - timedelta(days=days), 1200 + 100 * days, days + 3),
            (zones[1], now - timedelta(days=days, hours=5), 600 + 40 * days, 2),
        ):
            put(ad, zone, hour, shown, clicks=clicks)
            requested(zone, hour, shown + shown // 4, shown)

    log_in(page, site, "lois@planet.example")
    page.wait_for_function("() => document.querySelector('canvas[data-chart]').dataset.chartReady")
    cards = page.locator(".stat-value")
    assert "USD" in cards.nth(0).inner_text() and cards.nth(0).inner_text() != "0.00 USD"
    expect(page.get_by_role("link", name="Leaderboard", exact=True)).to_be_visible()
    shot(page, "home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every((canvas) => canvas.dataset.chartReady)"
    )
    expect(page.get_by_role("heading", name="By zone")).to_be_visible()
    shot(page, "reports")
    page.get_by_label("Dates", exact=True).select_option("last_7_days")
    page.get_by_label("Zone", exact=True).select_option(label="Sidebar · Planet News")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**period=last_7_days**")
    expect(page.locator("tbody tr").filter(has_text="Leaderboard")).to_have_count(0)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").first.click()
    download = download_info.value
    assert download.suggested_filename.startswith(
        "overview-"
    ) and download.suggested_filename.endswith(".csv")
    lines = Path(download.path()).read_text().splitlines()
    assert lines[0].startswith("Date,Impressions,Clicks") and len(lines) == 8  # the table

    # Payout settings: PayPal needs an email, then saves.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payout settings").click()
    page.get_by_label("PayPal", exact=True).check()
    expect(page.get_by_label("PayPal email")).to_be_visible()
    expect(page.get_by_label("Account holder")).to_be_hidden()  # waits for the page's script
    page.get_by_role("button", name="Save payout settings").click()
    expect(page.get_by_text("Required for PayPal payouts.")).to_be_visible()
    page.get_by_label("PayPal email").fill("money@planet.example")
    page.get_by_role("button", name="Save payout settings").click()
    expect(page.get_by_text("Payout settings saved.")).to_be_visible()
    shot(page, "payout")
    publisher.refresh_from_db()
    assert publisher.payout_details == {"email": "money@planet.example"}
    assert page.errors == []


def test_pending_publisher_sees_the_banner(site, page):
    make_publisher("clark@planet.example", status="pending", name="Smallville Gazette")
    log_in(page, site, "clark@planet.example")
    banner = page.locator('[data-publisher-status="pending"]')
    expect(banner).to_be_visible()
    assert "awaiting approval" in banner.inner_text()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Websites").click()
    expect(page.locator('[data-publisher-status="pending"]')).to_be_visible()
    page.goto(f"{site}/publisher/")
    shot(page, "pending")
