"""The advertiser pages in a real browser: an advertiser signs up, creates a campaign with
targeting and an ad with a live preview, sees them listed, pauses the campaign inline (htmx),
adds a conversion goal and reads the reports chart.

Run with ``.venv/bin/pytest tests/browser/test_dashboard_advertiser.py``. Screenshots of each
page go to ``artifacts/screenshots/advertiser-<page>.png``. Without ``/usr/bin/chromium`` the
tests are skipped, except in CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.support import BROWSER_MARKS, hermetic_context, screenshot, watched_page

PASSWORD = "Correct-Horse-42"
HOSTILE_HTML = "<b id='inside'>Hello</b><script>try{parent.__pwned=1}catch(e){}</script>"

pytestmark = BROWSER_MARKS


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = hermetic_context(browser, live_server.url)
    yield watched_page(context)
    context.close()


def shot(page, name: str) -> None:
    screenshot(page, f"advertiser-{name}")


def nav(page, label: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()


def sign_up(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/signup/?role=advertiser")
    page.get_by_label("Name (optional)").fill("Nora Shop")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/advertiser/")


def stats_for_last_days(ad, days: int = 10) -> None:
    """Traffic of the last days written as the drain writes it (a zone and publisher id that
    need not exist: reports group by the ids)."""
    from apps.delivery.models import HourlyStat
    from apps.reporting.rollups import rollups_refresh

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for back in range(days):
        impressions = 800 + 137 * ((back * 7) % 5)
        HourlyStat.objects.create(
            hour=now - timedelta(days=back),
            ad_id=ad.pk,
            zone_id=9001,
            campaign_id=ad.campaign_id,
            advertiser_id=ad.campaign.advertiser_id,
            publisher_id=9002,
            impressions=impressions,
            viewable_impressions=impressions // 2,
            clicks=impressions // 60,
            conversions=back % 3,
            spend_micros=impressions * 2500,
            revenue_micros=impressions * 1750,
        )
    # Written behind the drain's back: rebuild the per-scope rollups reports read.
    rollups_refresh(full=True)


def test_advertiser_creates_campaign_and_ad_and_sees_them(page, live_server):
    from apps.campaigns.models import Ad, Campaign

    base = live_server.url
    sign_up(page, base, "nora@example.com")
    expect(page.get_by_text("No campaigns yet.")).to_be_visible()

    # --- Campaign with targeting ---
    page.get_by_role("link", name="Create your first campaign").click()
    page.get_by_label("Name", exact=True).fill("Spring sale")
    page.get_by_label("Status").select_option("active")
    page.get_by_label("Bid").fill("2.50")
    page.get_by_label("Daily budget (optional)").fill("40")
    page.get_by_label("Countries (optional)").fill("US, gb")
    page.get_by_label("Desktop").check()
    page.get_by_label("Mobile").check()
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        page.get_by_label(day).check()
    page.get_by_role("button", name="Create campaign").click()
    page.wait_for_url(re.compile(r"/advertiser/campaigns/\d+/$"))
    expect(page.get_by_text("Campaign “Spring sale” created")).to_be_visible()
    campaign = Campaign.objects.get(name="Spring sale")
    assert campaign.targeting["countries"] == ["US", "GB"]
    assert campaign.targeting["days"] == [0, 1, 2, 3, 4]

    # --- Ad with live preview ---
    page.get_by_role("link", name="Add an ad").first.click()
    page.get_by_label("Name", exact=True).fill("Spring banner")
    page.get_by_label("Destination URL").fill("https://shop.example.com/spring")
    # Only the banner's fields show while "Banner" is chosen.
    expect(page.get_by_label("Image URL", exact=True)).to_be_visible()
    expect(page.get_by_label("HTML", exact=True)).to_be_hidden()  # waits for the page's script

    # An HTML creative is previewed in a sandboxed frame and cannot reach this page.
    page.get_by_label(re.compile("HTML — Your own")).check()
    page.get_by_label("HTML", exact=True).fill(HOSTILE_HTML)
    page.get_by_label("Width", exact=True).fill("300")
    page.get_by_label("Height", exact=True).fill("250")
    frame = page.locator("#ad-preview iframe")
    frame.wait_for()
    assert frame.get_attribute("sandbox") == "allow-scripts"
    assert page.frame_locator("#ad-preview iframe").locator("#inside").inner_text() == "Hello"
    assert page.evaluate("window.__pwned") is None

    page.get_by_label(re.compile("Banner — An image")).check()
    page.get_by_label("Image URL", exact=True).fill(f"{base}/static/demo/banner-300x250.svg")
    preview = page.locator("#ad-preview img")
    preview.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('#ad-preview img'); "
        "return i && i.complete && i.naturalWidth > 0; }"
    )
    shot(page, "ad-form")
    page.get_by_role("button", name="Create ad").click()
    page.wait_for_url(f"{base}/advertiser/campaigns/{campaign.pk}/")
    expect(page.get_by_text("It serves once our team approves it")).to_be_visible()
    ad = Ad.objects.get(name="Spring banner")
    assert ad.type == "banner" and ad.html == "" and ad.width == 300

    # --- Campaign detail: the ad, its review status, the 30-day chart ---
    stats_for_last_days(ad)
    page.reload()
    ads_table = page.locator("section", has=page.get_by_role("heading", name="Ads"))
    expect(ads_table.get_by_role("link", name="Spring banner").first).to_be_visible()
    expect(ads_table.get_by_text("Pending")).to_be_visible()
    page.wait_for_function("() => document.querySelector('canvas[data-chart-ready]') !== null")
    shot(page, "campaign-detail")

    # --- Campaigns list: pacing, and an inline pause (htmx, no page load) ---
    nav(page, "Campaigns")
    row = page.locator(f"#campaign-{campaign.pk}")
    assert "Spring sale" in row.inner_text()
    expect(row.locator("progress.meter")).to_have_count(1)
    page.evaluate("window.__sameDocument = true")
    row.get_by_role("button", name="Pause Spring sale").click()
    page.locator(f"#campaign-{campaign.pk} .badge-paused").wait_for()
    assert page.evaluate("window.__sameDocument") is True
    campaign.refresh_from_db()
    assert campaign.status == "paused"
    shot(page, "campaigns")

    # --- Ads list ---
    nav(page, "Ads")
    expect(page.get_by_role("link", name="Spring banner", exact=True)).to_be_visible()
    shot(page, "ads")
    assert page.errors == []


def test_goal_pixel_and_reports(page, live_server):
    from apps.campaigns.models import Advertiser, ConversionGoal
    from apps.campaigns.tests.factories import AdFactory, CampaignFactory

    base = live_server.url
    sign_up(page, base, "olga@example.com")
    advertiser = Advertiser.objects.get(user__email="olga@example.com")
    campaign = CampaignFactory(advertiser=advertiser, name="Winter boots", status="active")
    stats_for_last_days(AdFactory(campaign=campaign), days=14)

    # --- Conversion goal with its pixel ---
    nav(page, "Conversion goals")
    page.get_by_label("Name", exact=True).fill("Checkout")
    page.get_by_label("Default value").fill("49.90")
    page.get_by_role("button", name="Create goal").click()
    goal = ConversionGoal.objects.get(name="Checkout")
    page.wait_for_url(f"{base}/advertiser/goals/{goal.pk}/")
    snippet = page.locator("#pixel-script").inner_text()
    assert f"goal={goal.uuid}" in snippet and "adx_click" in snippet
    page.get_by_role("button", name="Copy the tag").click()
    assert page.locator(".copy-status").inner_text() in ("Copied", "Select and copy")
    shot(page, "goal")
    nav(page, "Conversion goals")
    expect(page.get_by_role("link", name="Checkout", exact=True)).to_be_visible()
    shot(page, "goals")

    # --- Reports: period selector, chart, tables, CSV ---
    nav(page, "Reports")
    page.get_by_label("Dates", exact=True).select_option("last_30_days")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"period=last_30_days"))
    page.wait_for_function("() => document.querySelector('canvas[data-chart-ready]') !== null")
    expect(page.get_by_role("link", name="Winter boots")).to_be_visible()
    shot(page, "reports")
    with page.expect_download() as download:
        page.get_by_role("link", name="Daily CSV").click()
    assert download.value.suggested_filename.startswith("overview-")
    assert page.errors == []


def test_pages_fit_a_phone_screen(page, live_server):
    from apps.campaigns.models import Advertiser
    from apps.campaigns.tests.factories import CampaignFactory

    base = live_server.url
    sign_up(page, base, "phone@example.com")
    advertiser = Advertiser.objects.get(user__email="phone@example.com")
    for n in range(3):
        CampaignFactory(advertiser=advertiser, name=f"Campaign number {n}", status="active")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/advertiser/", "/advertiser/campaigns/new/", "/advertiser/reports/"):
        page.goto(f"{base}{path}")
        # Wide tables scroll inside their own box; the page itself never scrolls sideways.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
    page.goto(f"{base}/advertiser/")
    # On a phone the navigation is behind the header's Menu button.
    page.get_by_role("button", name="Menu").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports")
    ).to_be_visible()
    shot(page, "campaigns-phone")
