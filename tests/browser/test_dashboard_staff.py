"""The admin (staff) dashboard in a real browser (Playwright driving Debian's Chromium).

An admin approves a pending publisher and a pending ad from the approvals queue (htmx rows),
and the publisher's zone then serves the ad; the demo page shows it too. Users, settings and
the Django admin links are walked through. Screenshots go to
``artifacts/screenshots/staff-<page>.png``. Run with
``.venv/bin/pytest tests/browser/test_dashboard_staff.py``; without ``/usr/bin/chromium`` the
tests are skipped, except in CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.support import BROWSER_MARKS, hermetic_context, screenshot, watched_page

PASSWORD = "Correct-Horse-42"

pytestmark = BROWSER_MARKS


@pytest.fixture
def site(transactional_db, live_server, settings):
    """Demo data, with every absolute URL (tags, creatives) pointing at the live server."""
    settings.SITE_URL = live_server.url
    call_command("demo_data", stdout=io.StringIO())
    return live_server.url


@pytest.fixture
def page(browser, site):
    context = hermetic_context(browser, site)
    yield watched_page(context)
    context.close()


def shot(page, name: str) -> None:
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, f"staff-{name}")


def admin_user():
    from apps.accounts.models import Role
    from apps.accounts.tests.factories import UserFactory

    return UserFactory(email="ops@network.example", name="Olive Ops", role=Role.ADMIN)


def log_in(page, site: str, email: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/staff/")


def pending_publisher_with_zone():
    """A new publisher (pending, as signup leaves it) with a 300x250 zone."""
    from apps.accounts.models import Role
    from apps.accounts.services import user_create
    from apps.inventory import services as inventory

    user = user_create(
        email="gazette@smallville.example",
        password=PASSWORD,
        name="Smallville Gazette",
        role=Role.PUBLISHER,
    )
    publisher = user.publisher
    inventory.publisher_update(publisher=publisher, actor=user, name="Smallville Gazette")
    website = inventory.website_create(
        publisher=publisher, name="Gazette", url="https://smallville.example"
    )
    zone = inventory.zone_create(
        website=website, name="Gazette sidebar", type="banner", width=300, height=250
    )
    return publisher, zone


def pending_ad(site: str):
    """A new 300x250 banner of the demo advertiser, top priority, waiting for review."""
    from apps.accounts.demo import DEMO_USERS
    from apps.accounts.models import Role
    from apps.campaigns import services
    from apps.campaigns.models import Advertiser

    email = next(email for role, email, _ in DEMO_USERS if role == Role.ADVERTISER)
    advertiser = Advertiser.objects.get(user__email=email)
    campaign, _ = services.campaign_create(
        advertiser=advertiser,
        name="Spring launch",
        status="active",
        priority="sponsorship",
        bid_amount=Decimal("20.00"),
        daily_budget=Decimal("100.00"),
        start_date=date.today(),
    )
    return services.ad_create(
        campaign=campaign,
        actor=advertiser.user,
        name="Spring banner",
        type="banner",
        width=300,
        height=250,
        image_url=f"{site}/static/demo/banner-300x250.svg?spring",
        destination_url="https://outdoor.demo.local/spring",
    )


def iframe_image(page, site: str, zone) -> str | None:
    """What the zone's iframe tag shows now: the banner's image URL, or None."""
    page.goto(f"{site}/api/v1/serve/{zone.uuid}/iframe")
    image = page.locator("a > img")
    return image.get_attribute("src") if image.count() else None


def test_admin_approves_a_publisher_and_an_ad_and_the_zone_serves_it(site, page):
    admin_user()
    publisher, zone = pending_publisher_with_zone()
    ad = pending_ad(site)
    assert ad.review_status == "pending"
    assert iframe_image(page, site, zone) is None  # nothing serves yet

    log_in(page, site, "ops@network.example")
    waiting = page.get_by_role("status").filter(has_text="Waiting for review")
    # The demo data also leaves one publisher and one ad waiting.
    assert "2 publishers" in waiting.inner_text() and "2 ads" in waiting.inner_text()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    page.wait_for_url(f"{site}/staff/approvals/")
    shot(page, "approvals")

    row = page.locator(f"#publisher-{publisher.pk}")
    row.get_by_role("button", name="Approve publisher Smallville Gazette").click()
    row = page.locator(f'#publisher-{publisher.pk}[data-status="approved"]')
    row.wait_for()
    assert "Publisher “Smallville Gazette” approved." in row.inner_text()
    assert page.url == f"{site}/staff/approvals/"  # updated in place, no reload
    assert page.locator("#publishers-pending").inner_text() == "1 pending"  # the demo's

    ad_row = page.locator(f"#ad-{ad.pk}")
    assert ad_row.locator("img").get_attribute("src") == ad.image_url
    ad_row.get_by_role("button", name="Approve ad Spring banner").click()
    page.locator(f'#ad-{ad.pk}[data-status="approved"]').wait_for()
    assert page.locator("#ads-pending").inner_text() == "1 pending"
    shot(page, "approvals-decided")

    publisher.refresh_from_db()
    ad.refresh_from_db()
    assert (publisher.status, ad.review_status) == ("approved", "approved")
    from apps.common.models import DomainEvent

    assert DomainEvent.objects.filter(event_type="publisher.approved").count() == 1
    assert DomainEvent.objects.filter(event_type="ad.status_changed").count() == 1

    # The publisher's zone now serves the approved ad…
    assert iframe_image(page, site, zone) == ad.image_url
    # …and so does the demo page's sidebar (the ad outranks the demo campaigns).
    page.goto(f"{site}/demo/")
    sidebar = page.locator('[data-demo-slot="sidebar"] ins.adp-zone')
    page.wait_for_function(
        "(ins) => ['filled', 'empty', 'error'].includes(ins.getAttribute('data-adp-status'))",
        arg=sidebar.element_handle(),
    )
    assert sidebar.locator("a > img").get_attribute("src") == ad.image_url
    assert page.errors == []


def test_admin_rejects_with_a_reason(site, page):
    admin_user()
    publisher, _ = pending_publisher_with_zone()
    log_in(page, site, "ops@network.example")
    page.goto(f"{site}/staff/approvals/")
    row = page.locator(f"#publisher-{publisher.pk}")
    row.get_by_label("Reason for rejecting Smallville Gazette").fill("No original content")
    row.get_by_role("button", name="Reject publisher Smallville Gazette").click()
    page.locator(f'#publisher-{publisher.pk}[data-status="rejected"]').wait_for()
    publisher.refresh_from_db()
    assert (publisher.status, publisher.rejection_reason) == ("rejected", "No original content")


def test_overview_users_settings_and_admin_links(site, page):
    from apps.accounts.models import User
    from apps.campaigns.tests.factories import live_ad, live_campaign
    from apps.delivery.models import ZoneHourlyStat
    from apps.inventory.models import Zone
    from apps.reporting.tests.conftest import put

    admin_user()
    ad = live_ad(campaign=live_campaign())
    zone = Zone.objects.filter(type="banner", width=300).first()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for days in range(14):
        hour = now - timedelta(days=days)
        shown = 800 + 150 * (days % 5)
        put(ad, zone, hour, shown, clicks=days % 7 + 1, invalid_events=days % 4 * 6)
        # Added to the demo traffic of the same zone and hour, as the serve counters would.
        row, _ = ZoneHourlyStat.objects.get_or_create(
            hour=hour, zone_id=zone.pk, defaults={"publisher_id": zone.website.publisher_id}
        )
        ZoneHourlyStat.objects.filter(pk=row.pk).update(
            requests=F("requests") + shown + 90 + 40 * (days % 3), fills=F("fills") + shown
        )

    log_in(page, site, "ops@network.example")
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every((canvas) => canvas.dataset.chartReady)"
    )
    assert page.locator('[data-stat="impressions"] .stat-value').inner_text() != "0"
    expect(page.get_by_role("heading", name="Fill rate and invalid traffic")).to_be_visible()
    shot(page, "home")

    # Users: search, filter, create, deactivate.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.get_by_label("Role").select_option("publisher")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#user-table tbody tr")).to_have_count(2)  # the demo publisher + newsite
    shot(page, "users")
    page.get_by_role("link", name="Add a user").click()
    page.get_by_label("Email").fill("new.analyst@network.example")
    page.get_by_label("Name").fill("Nia Analyst")
    page.get_by_label("Role").select_option("finance")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    shot(page, "user-form")
    page.get_by_label("Password").fill("Str0ng-pass!-xyz")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("User new.analyst@network.example created as finance.")).to_be_visible()
    page.get_by_role("button", name="Deactivate new.analyst@network.example").click()
    expect(page.get_by_text("new.analyst@network.example is deactivated")).to_be_visible()
    assert not User.objects.get(email="new.analyst@network.example").is_active

    # Settings: a secret stays masked and unchanged; a plain value changes.
    from apps.accounts.platform_settings import setting_get, settings_update

    settings_update(values={"smtp_password": "hunter2-smtp"}, actor=None)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Platform settings"
    ).click()
    assert page.get_by_label("SMTP password").input_value() == "********"
    assert "hunter2-smtp" not in page.content()
    page.get_by_label("Site name").fill("Smallville Ads")
    page.get_by_label("Approve new ads automatically").check()
    shot(page, "settings")
    page.get_by_role("button", name="Save settings").click()
    expect(
        page.get_by_text("Settings saved: Site name, Approve new ads automatically.")
    ).to_be_visible()
    assert setting_get("site_name") == "Smallville Ads"
    assert setting_get("smtp_password") == "hunter2-smtp"
    assert page.locator(".site-name").inner_text() == "Smallville Ads"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Django admin").click()
    shot(page, "admin-links")
    page.get_by_role("link", name="Publishers", exact=True).click()
    page.wait_for_url(f"{site}/admin/inventory/publisher/")
    assert page.errors == []
