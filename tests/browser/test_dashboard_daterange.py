"""The date-range control in a real browser, on the demo data: each role's report page opens
on a range that shows data, a preset and custom dates are kept in the URL, and an empty range
offers the range that has data. Screenshots go to ``artifacts/screenshots/range-<page>.png``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.support import BROWSER_MARKS, hermetic_context, screenshot, watched_page

pytestmark = BROWSER_MARKS
DEMO_PASSWORD = "demo-pass-2026"


@pytest.fixture
def site(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return live_server.url


@pytest.fixture
def page(browser, site):
    context = hermetic_context(browser, site, accept_downloads=True)
    yield watched_page(context)
    context.close()


def log_in(page, site: str, email: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def number(text: str) -> int:
    return int(re.sub(r"[^0-9]", "", text) or 0)


def test_advertiser_report_opens_on_a_range_with_data(page, site):
    log_in(page, site, "advertiser@demo.local")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.wait_for_url(f"{site}/advertiser/reports/")
    expect(page.locator("[data-range-label]")).to_contain_text("Last 30 days")
    impressions = page.locator(".stat", has_text="Impressions").locator(".stat-value")
    assert number(impressions.inner_text()) > 1000
    assert "," in impressions.inner_text()  # thousands separators
    expect(page.locator("[data-range-hint]")).to_have_count(0)
    page.locator("canvas[data-chart]").first.wait_for()
    screenshot(page, "range-advertiser-reports")

    page.get_by_label("Dates").select_option("last_90_days")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"period=last_90_days"))
    expect(page.locator("[data-range-label]")).to_contain_text("Last 90 days")

    # Picking a date switches to custom dates; a range before the demo offers its data.
    page.get_by_label("Dates").select_option("custom")
    page.get_by_label("From", exact=True).fill("2020-01-01")
    page.get_by_label("To", exact=True).fill("2020-01-31")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"start=2020-01-01"))
    hint = page.locator("[data-range-hint]")
    expect(hint).to_contain_text("The latest traffic is from")
    screenshot(page, "range-advertiser-reports-empty")
    hint.get_by_role("link").click()
    expect(page.locator("[data-range-hint]")).to_have_count(0)
    assert number(impressions.inner_text()) > 1000
    assert page.errors == []


@pytest.mark.parametrize(
    "email, path, name",
    [
        ("advertiser@demo.local", None, "campaign"),
        ("publisher@demo.local", "/publisher/", "publisher-earnings"),
        ("publisher@demo.local", "/publisher/reports/", "publisher-reports"),
        ("admin@demo.local", "/staff/", "network-overview"),
        ("finance@demo.local", "/finance/report/", "financial-report"),
    ],
)
def test_every_report_page_has_the_control_and_shows_data(page, site, email, path, name):
    from apps.campaigns.models import Campaign
    from apps.inventory.models import Zone

    log_in(page, site, email)
    if path is None:
        path = f"/advertiser/campaigns/{Campaign.objects.get(name='Winter Sale').pk}/"
    page.goto(f"{site}{path}")
    expect(page.get_by_label("Dates")).to_be_visible()
    expect(page.locator("[data-range-label]")).to_be_visible()
    expect(page.locator("[data-range-hint]")).to_have_count(0)
    page.locator("canvas[data-chart]").first.wait_for()
    screenshot(page, f"range-{name}")
    if name == "publisher-earnings":
        zone = Zone.objects.get(name="Sidebar")
        page.goto(f"{site}/publisher/zones/{zone.pk}/?period=last_7_days")
        expect(page.locator("[data-range-label]")).to_contain_text("Last 7 days")
        screenshot(page, "range-zone")
    assert page.errors == []


def test_sorting_a_report_table(page, site):
    log_in(page, site, "advertiser@demo.local")
    page.goto(f"{site}/advertiser/reports/")
    table = page.locator("#campaigns-table")
    first_cells = table.locator("tbody tr td:first-child")
    by_spend = first_cells.all_inner_texts()
    assert len(by_spend) == 2
    header = table.get_by_role("columnheader", name="Campaign")
    header.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=campaign"))
    expect(table.get_by_role("columnheader", name="Campaign")).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert first_cells.all_inner_texts() == sorted(by_spend)
    table.get_by_role("columnheader", name="Campaign").get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=-campaign"))
    assert first_cells.all_inner_texts() == sorted(by_spend, reverse=True)
    screenshot(page, "range-advertiser-reports-sorted")
    # The CSV download is the table, in the order shown.
    with page.expect_download() as download:
        page.get_by_role("link", name="Campaigns CSV").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == sorted(by_spend, reverse=True)


def test_kpis_at_a_glance_and_admins_browse_advertisers_and_campaigns(page, site):
    log_in(page, site, "advertiser@demo.local")
    kpis = page.locator("[data-kpis]")
    expect(kpis.locator('[data-kpi="impressions"] .stat-value')).not_to_have_text("0")
    expect(kpis.get_by_role("heading", name="Top campaigns (30 days)")).to_be_visible()
    expect(kpis.get_by_role("link", name="Winter Sale")).to_be_visible()
    kpis.locator("canvas[data-chart]").wait_for()
    screenshot(page, "range-advertiser-home-kpis")
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Log out").click()

    log_in(page, site, "admin@demo.local")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Campaigns").click()
    page.wait_for_url(f"{site}/staff/campaigns/")
    expect(page.get_by_role("link", name="Winter Sale")).to_be_visible()
    screenshot(page, "staff-campaigns")
    nav.get_by_role("link", name="Advertisers").click()
    page.wait_for_url(f"{site}/staff/advertisers/")
    screenshot(page, "staff-advertisers")
    page.get_by_role("link", name="Open Demo Outdoor Co").click()
    expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()
    expect(page.locator("[data-kpis]")).to_be_visible()
    assert page.errors == []
