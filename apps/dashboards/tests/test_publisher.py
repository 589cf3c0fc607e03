"""The publisher pages through the Django test client: access, scoping, forms, reports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import live_ad, live_campaign
from apps.delivery import counters
from apps.delivery.index import index_reset
from apps.inventory.models import PayoutMethod, PublisherStatus, Website, Zone
from apps.inventory.tests.factories import PublisherFactory, WebsiteFactory, ZoneFactory
from apps.reporting.tests.conftest import CHROME_UA, drain, put, put_geo, track

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_index():
    index_reset()
    counters._pending_requests.clear()
    yield
    index_reset()


@pytest.fixture
def publisher():
    return PublisherFactory(name="Daily Planet", status=PublisherStatus.APPROVED)


@pytest.fixture
def client(publisher) -> Client:
    client = Client()
    client.force_login(publisher.user)
    return client


@pytest.fixture
def website(publisher):
    return WebsiteFactory(publisher=publisher, name="Planet News")


@pytest.fixture
def zone(website):
    return ZoneFactory(website=website, name="Sidebar", width=300, height=250)


@pytest.fixture
def other_zone():
    """Another publisher's zone (and, through it, website)."""
    return ZoneFactory(name="Not yours")


def page_urls(website, zone) -> list[str]:
    return [
        reverse("publisher:home"),
        reverse("publisher:websites"),
        reverse("publisher:website_create"),
        reverse("publisher:website_detail", args=[website.pk]),
        reverse("publisher:website_edit", args=[website.pk]),
        reverse("publisher:zone_create", args=[website.pk]),
        reverse("publisher:zones"),
        reverse("publisher:zone_detail", args=[zone.pk]),
        reverse("publisher:zone_edit", args=[zone.pk]),
        reverse("publisher:reports"),
        reverse("publisher:payout"),
    ]


# --- Access -------------------------------------------------------------------------------


def test_every_page_renders_for_its_publisher(client, website, zone):
    for url in page_urls(website, zone):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Daily Planet" in response.content or b"<h1>" in response.content


def test_anonymous_users_go_to_the_login_page(website, zone):
    login = reverse("accounts:login")
    for url in page_urls(website, zone):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{login}?next="), url


@pytest.mark.parametrize("role", [Role.ADVERTISER, Role.ADMIN, Role.FINANCE, Role.PARTNER])
def test_other_roles_are_refused(role, website, zone):
    client = Client()
    client.force_login(UserFactory(role=role))
    for url in page_urls(website, zone):
        assert client.get(url).status_code == 403, url


def test_another_publishers_website_and_zone_answer_404(client, other_zone):
    other_site = other_zone.website
    for url in (
        reverse("publisher:website_detail", args=[other_site.pk]),
        reverse("publisher:zone_detail", args=[other_zone.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("publisher:website_edit", args=[other_site.pk]),
        reverse("publisher:zone_create", args=[other_site.pk]),
        reverse("publisher:zone_edit", args=[other_zone.pk]),
    ):
        assert client.get(url).status_code == 404, url
        data = {"name": "Hijack", "url": "https://x.example", "type": "text", "floor_price": "0"}
        assert client.post(url, {**data, "status": "active"}).status_code == 404, url
    other_site.refresh_from_db()
    other_zone.refresh_from_db()
    assert other_site.name != "Hijack" and other_zone.name == "Not yours"
    assert not Zone.objects.filter(name="Hijack").exists()


def test_a_publisher_user_without_profile_gets_an_explanation():
    client = Client()
    client.force_login(UserFactory(role=Role.PUBLISHER))
    response = client.get(reverse("publisher:home"))
    assert response.status_code == 404
    assert b"No publisher profile yet" in response.content


def test_forms_refuse_posts_without_csrf_token(publisher, website):
    client = Client(enforce_csrf_checks=True)
    client.force_login(publisher.user)
    data = {"name": "Sneaky", "url": "https://sneaky.example.com"}
    assert client.post(reverse("publisher:website_create"), data).status_code == 403
    assert not Website.objects.filter(name="Sneaky").exists()
    payout = {"payout_method": "paypal", "paypal_email": "x@example.com"}
    assert client.post(reverse("publisher:payout"), payout).status_code == 403

    # With the token from the form, the same post goes through.
    page = client.get(reverse("publisher:website_create"))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("publisher:website_create"), {**data, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Website.objects.filter(name="Sneaky", publisher=publisher).exists()


# --- Approval status ----------------------------------------------------------------------


def test_pending_publishers_see_a_banner_on_every_page(publisher, client, website, zone):
    publisher.status = PublisherStatus.PENDING
    publisher.save()
    for url in page_urls(website, zone):
        content = client.get(url).content.decode()
        assert 'data-publisher-status="pending"' in content, url
        assert "awaiting approval" in content


def test_rejected_publishers_see_the_reason(publisher, client):
    publisher.status = PublisherStatus.REJECTED
    publisher.rejection_reason = "Copied content"
    publisher.save()
    content = client.get(reverse("publisher:home")).content.decode()
    assert 'data-publisher-status="rejected"' in content
    assert "Copied content" in content


def test_approved_publishers_see_no_banner(client):
    assert b"data-publisher-status" not in client.get(reverse("publisher:home")).content


# --- Home ---------------------------------------------------------------------------------


def test_home_shows_earnings_chart_and_top_zones(client, zone):
    ad = live_ad(campaign=live_campaign(bid_amount=Decimal("2.50")))
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    put(ad, zone, now, 1000)  # spend 1.00, this publisher's share 0.70
    put(ad, zone, now - timedelta(days=3), 2000, spend_micros=2_000_000, revenue_micros=1_400_000)

    response = client.get(reverse("publisher:home"))
    content = response.content.decode()
    assert response.status_code == 200
    cards = {e.label: e.totals for e in response.context["earnings"]}
    assert cards["Today"]["revenue"] == "0.70"
    assert cards["Last 30 days"]["revenue"] == "2.10"
    assert cards["Last 30 days"]["impressions"] == 3000
    assert "spend" not in cards["Today"]  # publishers see their share, never spend
    assert "2.10 USD" in content
    chart = response.context["chart"]
    assert len(chart["labels"]) == 30 and chart["datasets"][2]["data"][-1] == "0.70"
    assert 'id="earnings-chart"' in content and 'data-source="earnings-chart"' in content
    assert "chart-4.6.1.umd.min.js" in content and "dashboards/charts.js" in content
    assert [row["zone_name"] for row in response.context["top_zones"]] == ["Sidebar"]
    assert reverse("publisher:zone_detail", args=[zone.pk]) in content


def test_home_counts_events_tracked_through_the_real_pipeline(client, zone):
    live_ad(campaign=live_campaign(bid_amount=Decimal("2.50")))
    browser = Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="8.8.8.8")
    track(browser, zone, impressions=4, clicks=1)
    drain()

    response = client.get(reverse("publisher:home"))
    today = response.context["earnings"][0].totals
    assert (today["impressions"], today["clicks"]) == (4, 1)
    # 4 impressions at a 2.50 CPM are 0.01 spend; the publisher's 70 % of it rounds to 0.01.
    assert today["revenue"] == "0.01"
    top = response.context["top_zones"][0]
    assert (top["zone_id"], top["requests"], top["impressions"]) == (zone.pk, 4, 4)


def test_home_never_shows_another_publishers_earnings(client, zone, other_zone):
    ad = live_ad(campaign=live_campaign())
    put(ad, other_zone, timezone.now().replace(minute=0, second=0, microsecond=0), 5000)
    response = client.get(reverse("publisher:home"))
    assert response.context["earnings"][2].totals["impressions"] == 0
    assert response.context["top_zones"] == []
    assert b"Not yours" not in response.content


# --- Websites -----------------------------------------------------------------------------


def test_website_list_shows_only_own_websites_with_pinned_queries(
    client, publisher, other_zone, django_assert_max_num_queries
):
    for n in range(6):
        site = WebsiteFactory(publisher=publisher, name=f"Site number {n}")
        ZoneFactory.create_batch(2, website=site)
    # Session, user, publisher, settings, websites with their zone counts.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("publisher:websites"))
    content = response.content.decode()
    assert all(f"Site number {n}" in content for n in range(6))
    assert other_zone.website.name not in content
    assert [w.zone_count for w in response.context["websites"]] == [2] * 6


def test_website_create_round_trip(client, publisher):
    response = client.post(
        reverse("publisher:website_create"),
        {"name": "Gadget Blog", "url": "https://gadgets.example.com", "category": " Tech "},
    )
    website = Website.objects.get(name="Gadget Blog")
    assert response.status_code == 302
    assert response["Location"] == reverse("publisher:website_detail", args=[website.pk])
    assert (website.publisher, website.url, website.category) == (
        publisher,
        "https://gadgets.example.com",
        "tech",
    )
    page = Client()
    page.force_login(publisher.user)
    assert "Gadget Blog" in page.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "url": "https://a.example"}, "name", "This field is required."),
        ({"name": "A", "url": "ftp://a.example"}, "url", "Use an http:// or https:// address."),
        ({"name": "A", "url": "not a url"}, "url", "Enter a valid URL."),
        ({"name": "A", "url": "https://a.example", "category": "Two words"}, "category", "slug"),
        ({"name": "x" * 201, "url": "https://a.example"}, "name", "at most 200 characters"),
    ],
)
def test_website_create_shows_validation_errors(client, data, field, message):
    response = client.post(reverse("publisher:website_create"), data)
    assert response.status_code == 422
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert message.split("'")[0] in response.content.decode().replace("&#x27;", "'")
    assert not Website.objects.exists()


def test_website_edit_round_trip(client, website):
    url = reverse("publisher:website_edit", args=[website.pk])
    form = client.get(url)
    assert form.context["form"].initial["name"] == "Planet News"
    response = client.post(url, {"name": "Planet Daily", "url": "https://planet.example.com"})
    assert response.status_code == 302
    website.refresh_from_db()
    assert (website.name, website.url, website.category) == (
        "Planet Daily",
        "https://planet.example.com",
        "",
    )


# --- Zones --------------------------------------------------------------------------------


def test_zone_create_with_a_standard_size(client, website):
    response = client.post(
        reverse("publisher:zone_create", args=[website.pk]),
        {
            "name": "Top banner",
            "type": "banner",
            "size": "728x90",
            "floor_price": "0.75",
            "status": "active",
        },
    )
    zone = Zone.objects.get(name="Top banner")
    assert response.status_code == 302
    assert response["Location"] == reverse("publisher:zone_detail", args=[zone.pk])
    assert (zone.website, zone.type, zone.width, zone.height, zone.floor_price) == (
        website,
        "banner",
        728,
        90,
        Decimal("0.75"),
    )


def test_zone_create_text_zone_needs_no_size(client, website):
    data = {"name": "Links", "type": "text", "floor_price": "0", "status": "paused"}
    assert client.post(reverse("publisher:zone_create", args=[website.pk]), data).status_code == 302
    zone = Zone.objects.get(name="Links")
    assert (zone.width, zone.height, zone.status) == (None, None, "paused")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"type": "banner"}, "width", "Required for banner zones."),
        ({"type": "banner", "width": "300"}, "height", "Required for banner zones."),
        ({"type": "video", "width": "640"}, "height", "Give both width and height"),
        ({"type": "banner", "size": "300x250", "floor_price": "-1"}, "floor_price", "greater"),
        ({"type": "banner", "width": "5000", "height": "90"}, "width", "less than or equal"),
        ({"type": "carousel"}, "type", "Select a valid choice"),
    ],
)
def test_zone_create_shows_validation_errors(client, website, data, field, message):
    payload = {"name": "Bad", "floor_price": "0.10", "status": "active", **data}
    response = client.post(reverse("publisher:zone_create", args=[website.pk]), payload)
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert not Zone.objects.filter(name="Bad").exists()


def test_zone_edit_round_trip(client, zone):
    url = reverse("publisher:zone_edit", args=[zone.pk])
    form = client.get(url).context["form"]
    assert form.initial["size"] == "300x250" and form.initial["name"] == "Sidebar"
    response = client.post(
        url,
        {
            "name": "Sidebar tall",
            "type": "banner",
            "size": "",
            "width": "300",
            "height": "600",
            "floor_price": "1.20",
            "status": "paused",
        },
    )
    assert response.status_code == 302
    zone.refresh_from_db()
    assert (zone.name, zone.width, zone.height, zone.floor_price, zone.status) == (
        "Sidebar tall",
        300,
        600,
        Decimal("1.20"),
        "paused",
    )


def test_zone_edit_maps_service_errors_onto_the_form(client, zone, monkeypatch):
    """A rule only the service knows still lands on the form, never as a 500."""
    from django.core.exceptions import ValidationError

    from apps.inventory import services

    def refuse(**_):
        raise ValidationError({"name": ["Name taken by the service."]})

    monkeypatch.setattr(services, "zone_update", refuse)
    response = client.post(
        reverse("publisher:zone_edit", args=[zone.pk]),
        {"name": "X", "type": "banner", "size": "300x250", "floor_price": "1", "status": "active"},
    )
    assert response.status_code == 422
    assert "Name taken by the service." in response.content.decode()


def test_zone_list_with_pinned_queries_and_website_filter(
    client, publisher, other_zone, django_assert_max_num_queries
):
    sites = WebsiteFactory.create_batch(3, publisher=publisher)
    for site in sites:
        ZoneFactory.create_batch(3, website=site)
    # Session, user, publisher, websites (filter), settings, zones with their websites.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("publisher:zones"))
    assert len(response.context["zones"]) == 9
    assert "Not yours" not in response.content.decode()

    filtered = client.get(reverse("publisher:zones"), {"website": sites[1].pk})
    assert {z.website_id for z in filtered.context["zones"]} == {sites[1].pk}
    # Another publisher's website id filters nothing in (and shows nothing of it).
    other = client.get(reverse("publisher:zones"), {"website": other_zone.website_id})
    assert other.context["selected"] is None
    assert "Not yours" not in other.content.decode()


def test_zone_page_shows_three_embed_codes_copy_buttons_and_preview(client, zone):
    response = client.get(reverse("publisher:zone_detail", args=[zone.pk]))
    content = response.content.decode()
    uuid = str(zone.uuid)
    for kind in ("async_js", "iframe", "image"):
        assert f'id="embed-{kind}"' in content
        assert f'data-copy="embed-{kind}"' in content
    codes = {code["kind"]: code["code"] for code in response.context["codes"]}
    assert f'data-zone="{uuid}"' in codes["async_js"] and "adtag.js" in codes["async_js"]
    assert f"/api/v1/serve/{uuid}/iframe" in codes["iframe"]
    assert f"/api/v1/serve/{uuid}/image" in codes["image"]
    assert f"/api/v1/serve/{uuid}/click" in codes["image"]
    # The code is shown escaped inside a textarea, never as live markup on the page.
    assert f"&lt;ins class=&quot;adp-zone&quot; data-zone=&quot;{uuid}&quot;" in content
    assert f'<ins class="adp-zone" data-zone="{uuid}"' not in content
    # The preview loads the zone's iframe serve endpoint.
    assert response.context["preview_url"].endswith(f"/api/v1/serve/{uuid}/iframe")
    assert f'data-src="{response.context["preview_url"]}"' in content
    assert response.context["stats"]["requests"] == 0


def test_zone_page_preview_url_answers_with_an_ad(client, zone):
    live_ad(campaign=live_campaign())
    index_reset()
    preview = client.get(reverse("publisher:zone_detail", args=[zone.pk])).context["preview_url"]
    path = preview.split("://", 1)[1].split("/", 1)[1]
    framed = Client(HTTP_USER_AGENT=CHROME_UA).get(f"/{path}")
    assert framed.status_code == 200
    assert b"/api/v1/track/click" in framed.content


# --- Reports ------------------------------------------------------------------------------


@pytest.fixture
def stats_rows(zone):
    ad = live_ad(campaign=live_campaign())
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    put(ad, zone, now, 1000, clicks=10)
    put(ad, zone, now - timedelta(days=2), 500)
    return ad


def test_reports_page_shows_totals_charts_and_zone_table(client, zone, stats_rows):
    response = client.get(reverse("publisher:reports"))
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview["totals"]["impressions"] == 1500
    assert overview["totals"]["revenue"] == "1.05"
    assert "spend" not in overview["totals"]
    assert len(response.context["daily_chart"]["labels"]) == 30
    assert len(response.context["hourly_chart"]["labels"]) == 24
    assert [row["zone_name"] for row in response.context["zone_rows"]] == ["Sidebar"]
    content = response.content.decode()
    for kind in ("overview", "hourly", "zones"):
        assert f"report={kind}" in response.context["csv_urls"][kind]
        assert response.context["csv_urls"][kind].replace("&", "&amp;") in content


def test_reports_filters_by_period_and_zone(client, zone, website, stats_rows):
    second = ZoneFactory(website=website, name="Footer")
    response = client.get(reverse("publisher:reports"), {"period": "today", "zone": second.pk})
    assert response.context["overview"]["totals"]["impressions"] == 0
    response = client.get(reverse("publisher:reports"), {"period": "today", "zone": zone.pk})
    assert response.context["overview"]["totals"]["impressions"] == 1000
    assert len(response.context["overview"]["daily"]) == 1


def test_reports_page_breaks_down_by_country_and_device(
    client, zone, website, other_zone, stats_rows
):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    put_geo(stats_rows, zone, now, 700, country="DE", device="mobile", clicks=7)
    put_geo(stats_rows, zone, now - timedelta(days=2), 300, country="", device="desktop")
    put_geo(stats_rows, other_zone, now, 5000, country="JP", device="tablet")
    response = client.get(reverse("publisher:reports"))
    geo, devices = response.context["geo_rows"], response.context["device_rows"]
    assert [(r["country"], r["impressions"], r["revenue"]) for r in geo] == [
        ("DE", 700, "0.49"),
        ("unknown", 300, "0.21"),
    ]
    assert [(r["device"], r["clicks"], r["ctr"]) for r in devices] == [
        ("mobile", 7, Decimal("1.00")),
        ("desktop", 0, Decimal("0.00")),
    ]
    assert all("spend" not in row for row in (*geo, *devices))
    page = response.content.decode()
    assert 'id="geo-heading">By country<' in page and 'id="devices-heading">By device<' in page
    assert "Earnings (" in page and "<td>JP</td>" not in page and "<td>Tablet</td>" not in page

    second = ZoneFactory(website=website, name="Footer")
    response = client.get(reverse("publisher:reports"), {"period": "today", "zone": second.pk})
    assert response.context["geo_rows"] == [] and response.context["device_rows"] == []
    assert "No impressions in this period yet." in response.content.decode()
    response = client.get(reverse("publisher:reports"), {"period": "today", "zone": zone.pk})
    assert [r["country"] for r in response.context["geo_rows"]] == ["DE"]


def test_reports_csv_download(client, zone, stats_rows):
    response = client.get(
        reverse("publisher:reports"), {"period": "last_7_days", "format": "csv", "report": "zones"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="floor-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))  # the page's table
    assert [(r["Zone"], r["Impressions"], r["Earnings (USD)"]) for r in rows] == [
        ("Sidebar", "1500", "1.05")
    ]
    assert not any("spend" in key.lower() for key in rows[0])

    daily = client.get(reverse("publisher:reports"), {"format": "csv"})
    lines = daily.content.decode().splitlines()
    assert lines[0].startswith("Date,Impressions,Clicks") and len(lines) == 31


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"period": "custom"}, "start", "Choose the first day."),
        ({"period": "custom", "start": "2026-03-10", "end": "2026-03-01"}, "end", "must not"),
        ({"period": "custom", "start": "2020-01-01", "end": "2026-01-01"}, "end", "366 days"),
        ({"period": "forever"}, "period", "Select a valid choice"),
        ({"start": "not-a-date", "period": "custom"}, "start", "Enter a valid date."),
    ],
)
def test_reports_bad_filters_are_form_errors(client, query, field, message):
    response = client.get(reverse("publisher:reports"), query)
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert "overview" not in response.context


def test_reports_refuse_another_publishers_zone(client, other_zone):
    response = client.get(reverse("publisher:reports"), {"zone": other_zone.pk})
    assert response.status_code == 422
    assert "zone" in response.context["form"].errors
    csv_response = client.get(
        reverse("publisher:reports"), {"zone": other_zone.pk, "format": "csv"}
    )
    assert csv_response.status_code == 422


# --- Payout settings ----------------------------------------------------------------------


def test_payout_paypal_round_trip(client, publisher):
    response = client.post(
        reverse("publisher:payout"),
        {"payout_method": "paypal", "paypal_email": "money@planet.example"},
    )
    assert response.status_code == 302
    publisher.refresh_from_db()
    assert publisher.payout_method == PayoutMethod.PAYPAL
    assert publisher.payout_details == {"email": "money@planet.example"}
    form = client.get(reverse("publisher:payout")).context["form"]
    assert form.initial["paypal_email"] == "money@planet.example"


def test_payout_bank_transfer_round_trip(client, publisher):
    response = client.post(
        reverse("publisher:payout"),
        {
            "payout_method": "bank_transfer",
            "account_holder": "Daily Planet Ltd",
            "iban": "de89 3704 0044 0532 0130 00",
            "bic": "cobadeffxxx",
            "bank_name": "",
        },
    )
    assert response.status_code == 302
    publisher.refresh_from_db()
    assert publisher.payout_method == PayoutMethod.BANK_TRANSFER
    assert publisher.payout_details == {
        "account_holder": "Daily Planet Ltd",
        "iban": "DE89370400440532013000",
        "bic": "COBADEFFXXX",
    }
    # Switching to "none" clears the details.
    client.post(reverse("publisher:payout"), {"payout_method": "none"})
    publisher.refresh_from_db()
    assert (publisher.payout_method, publisher.payout_details) == ("none", {})


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"payout_method": "paypal"}, "paypal_email", "Required for PayPal payouts."),
        ({"payout_method": "paypal", "paypal_email": "nope"}, "paypal_email", "valid email"),
        ({"payout_method": "bank_transfer", "iban": "DE89"}, "account_holder", "Required"),
        ({"payout_method": "cheque"}, "payout_method", "Select a valid choice"),
    ],
)
def test_payout_validation_errors(client, publisher, data, field, message):
    response = client.post(reverse("publisher:payout"), data)
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    publisher.refresh_from_db()
    assert publisher.payout_method == PayoutMethod.NONE


def test_payout_cannot_touch_admin_fields(client, publisher):
    client.post(
        reverse("publisher:payout"),
        {"payout_method": "none", "status": "approved", "revenue_share": "1"},
    )
    publisher.refresh_from_db()
    assert publisher.revenue_share == Decimal("0.7000")


def test_created_zone_serves_once_saved(client, website):
    """The dashboard writes through the service, so serving sees the new zone at once."""
    live_ad(campaign=live_campaign())
    client.post(
        reverse("publisher:zone_create", args=[website.pk]),
        {
            "name": "Fresh",
            "type": "banner",
            "size": "300x250",
            "floor_price": "0",
            "status": "active",
        },
    )
    zone = Zone.objects.get(name="Fresh")
    browser = Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="8.8.8.8")
    assert browser.get(f"/api/v1/serve/{zone.uuid}").json()["data"]["ad"]["type"] == "banner"
