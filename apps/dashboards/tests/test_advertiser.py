"""Advertiser pages through the Django test client: access and scoping, campaigns (list with
pacing, create/edit with targeting, status buttons), ads with previews, conversion goals,
reports and CSV, partners with the advertiser switcher, and pinned query counts."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import Ad, Campaign, ConversionGoal
from apps.campaigns.tests.factories import (
    AdFactory,
    AdvertiserFactory,
    CampaignFactory,
    ConversionGoalFactory,
)
from apps.delivery.models import GeoHourlyStat
from apps.reporting.rollups import rollups_refresh
from conftest import client_for

from .factories import hour_now, put_stats

pytestmark = pytest.mark.django_db


@pytest.fixture
def advertiser(advertiser_user):
    return AdvertiserFactory(user=advertiser_user, company="Shoe Shop", currency="EUR")


@pytest.fixture
def client(advertiser):
    client = Client()
    client.force_login(advertiser.user)
    return client


@pytest.fixture
def other_advertiser():
    return AdvertiserFactory(company="Rival Inc")


def html(response) -> str:
    return response.content.decode()


def put_geo_stats(ad, *, country, device, region="", impressions=100, clicks=2):
    """A geo rollup row as the drain writes it, this hour."""
    return GeoHourlyStat.objects.create(
        hour=hour_now(),
        ad_id=ad.pk,
        zone_id=7001,
        country=country,
        region=region,
        device=device,
        campaign_id=ad.campaign_id,
        advertiser_id=ad.campaign.advertiser_id,
        publisher_id=7002,
        impressions=impressions,
        clicks=clicks,
        spend_micros=impressions * 2500,
        revenue_micros=impressions * 1750,
    )


def campaign_data(**overrides) -> dict:
    data = {
        "name": "Spring sale",
        "status": "draft",
        "pricing_model": "cpm",
        "bid_amount": "2.50",
        "daily_budget": "40.00",
        "total_budget": "",
        "start_date": "2026-03-10",
        "end_date": "",
        "pacing": "even",
        "priority": "standard",
        "frequency_cap_impressions": "",
        "frequency_cap_window_hours": "",
        "category": "",
        "countries": "us, GB",
        "regions": "US-CA",
        "devices": ["desktop", "mobile"],
        "browsers": ["chrome"],
        "os": [],
        "days": ["0", "4"],
        "hours": ["8", "9"],
        "websites_include": "",
        "websites_exclude": "12, 40",
        "zones_include": "",
        "zones_exclude": "",
        "categories": "News",
    }
    data.update(overrides)
    return data


def ad_data(campaign, **overrides) -> dict:
    data = {
        "campaign": campaign.pk,
        "name": "Banner A",
        "type": "banner",
        "destination_url": "https://shop.example.com/",
        "image_url": "https://cdn.example.com/a.png",
        "width": "300",
        "height": "250",
        "headline": "",
        "body": "",
        "html": "",
        "video_url": "",
        "video_mime": "",
        "duration_seconds": "",
        "call_to_action": "",
        "sponsor": "",
        "weight": "100",
        "status": "active",
    }
    data.update(overrides)
    return data


# --- Access --------------------------------------------------------------------------------

PAGES = [
    ("advertiser:home", []),
    ("advertiser:campaign_create", []),
    ("advertiser:ads", []),
    ("advertiser:ad_create", []),
    ("advertiser:goals", []),
    ("advertiser:reports", []),
    ("advertiser:reports_csv", []),
]


@pytest.mark.parametrize("url_name,args", PAGES)
def test_pages_need_login(url_name, args):
    response = Client().get(reverse(url_name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("role", [Role.PUBLISHER, Role.FINANCE])
@pytest.mark.parametrize("url_name,args", PAGES)
def test_other_roles_get_403(url_name, args, role):
    client = Client()
    client.force_login(UserFactory(role=role))
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 403
    assert "Access denied" in html(response)


def test_every_page_renders_for_the_advertiser(client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser)
    ad = AdFactory(campaign=campaign)
    goal = ConversionGoalFactory(advertiser=advertiser)
    urls = [reverse(name, args=args) for name, args in PAGES] + [
        reverse("advertiser:campaign_detail", args=[campaign.pk]),
        reverse("advertiser:campaign_edit", args=[campaign.pk]),
        reverse("advertiser:ad_edit", args=[ad.pk]),
        reverse("advertiser:goal_detail", args=[goal.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if response["Content-Type"].startswith("text/html"):
            assert "{#" not in html(response) and "{%" not in html(response), url


def test_another_advertisers_objects_are_404(client, other_advertiser):
    campaign = CampaignFactory(advertiser=other_advertiser)
    ad = AdFactory(campaign=campaign)
    goal = ConversionGoalFactory(advertiser=other_advertiser)
    gets = [
        reverse("advertiser:campaign_detail", args=[campaign.pk]),
        reverse("advertiser:campaign_edit", args=[campaign.pk]),
        reverse("advertiser:ad_edit", args=[ad.pk]),
        reverse("advertiser:goal_detail", args=[goal.pk]),
        reverse("advertiser:reports") + f"?campaign={campaign.pk}",
        reverse("advertiser:reports_csv") + f"?campaign={campaign.pk}",
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        (reverse("advertiser:campaign_edit", args=[campaign.pk]), campaign_data()),
        (reverse("advertiser:campaign_status", args=[campaign.pk]), {"action": "activate"}),
        (reverse("advertiser:ad_edit", args=[ad.pk]), ad_data(campaign)),
        (reverse("advertiser:ad_status", args=[ad.pk]), {"status": "paused"}),
        (reverse("advertiser:ad_delete", args=[ad.pk]), {}),
        (reverse("advertiser:goal_detail", args=[goal.pk]), {"name": "x"}),
        (reverse("advertiser:goal_delete", args=[goal.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    campaign.refresh_from_db()
    ad.refresh_from_db()
    assert campaign.status == "draft" and ad.status == "active" and ad.deleted_at is None
    assert ConversionGoal.objects.filter(pk=goal.pk, deleted_at__isnull=True).exists()


def test_csrf_is_enforced_on_writes(advertiser):
    campaign = CampaignFactory(advertiser=advertiser)
    client = Client(enforce_csrf_checks=True)
    client.force_login(advertiser.user)
    assert client.post(reverse("advertiser:campaign_create"), campaign_data()).status_code == 403
    url = reverse("advertiser:campaign_status", args=[campaign.pk])
    assert client.post(url, {"action": "activate"}).status_code == 403
    assert client.post(reverse("advertiser:ad_create"), ad_data(campaign)).status_code == 403
    assert client.post(reverse("advertiser:goals"), {"name": "x"}).status_code == 403
    assert client.post(reverse("advertiser:ad_preview"), {"type": "text"}).status_code == 403
    assert Campaign.objects.count() == 1 and not Ad.objects.exists()
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_an_advertiser_without_a_profile_gets_one(advertiser_user):
    client = Client()
    client.force_login(advertiser_user)
    assert client.get(reverse("advertiser:home")).status_code == 200
    assert advertiser_user.advertiser is not None


# --- Campaigns -----------------------------------------------------------------------------


def test_campaign_create_round_trip_with_targeting(client, advertiser):
    response = client.post(reverse("advertiser:campaign_create"), campaign_data())
    campaign = Campaign.objects.get(name="Spring sale")
    assert response["Location"] == reverse("advertiser:campaign_detail", args=[campaign.pk])
    assert campaign.advertiser == advertiser
    assert campaign.daily_budget == Decimal("40.00")
    targeting = campaign.targeting
    assert targeting["countries"] == ["US", "GB"]
    assert targeting["regions"] == ["US-CA"]
    assert targeting["devices"] == ["desktop", "mobile"]
    assert targeting["days"] == [0, 4] and targeting["hours"] == [8, 9]
    assert targeting["websites"] == {"include": [], "exclude": [12, 40]}
    assert targeting["categories"] == ["news"]

    page = html(client.get(reverse("advertiser:campaign_edit", args=[campaign.pk])))
    assert 'value="US, GB"' in page
    assert 'value="12, 40"' in page

    data = campaign_data(name="Spring sale 2", countries="", devices=[], bid_amount="3.00")
    response = client.post(reverse("advertiser:campaign_edit", args=[campaign.pk]), data)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "Spring sale 2" and campaign.bid_amount == Decimal("3.00")
    assert campaign.targeting["countries"] == [] and campaign.targeting["devices"] == []
    assert campaign.status == "draft"  # the edit form never changes the status


def test_campaign_create_emits_the_event_like_the_api(client, django_capture_on_commit_callbacks):
    from apps.common.models import DomainEvent

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("advertiser:campaign_create"), campaign_data())
    assert DomainEvent.objects.filter(event_type="campaign.created").count() == 1


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"name": "ab"}, "name", "at least 3 characters"),
        ({"countries": "US, XX"}, "countries", "XX&#x27; is not an ISO 3166-1 alpha-2 code."),
        ({"regions": "California"}, "regions", "is not an ISO 3166-2 region"),
        ({"end_date": "2026-03-01"}, "end_date", "must not be before the start date"),
        ({"frequency_cap_impressions": "3"}, "frequency_cap_window_hours", "needs both"),
        ({"websites_include": "12, abc"}, "websites_include", "Not an id: abc"),
        ({"category": "Not A Slug"}, "category", "lowercase slug"),
        ({"bid_amount": "0"}, "bid_amount", "greater than or equal to 0.01"),
    ],
)
def test_campaign_validation_errors_show_on_their_fields(client, overrides, field, message):
    response = client.post(reverse("advertiser:campaign_create"), campaign_data(**overrides))
    assert response.status_code == 422
    page = html(response)
    errors = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert errors is not None, field
    assert message in errors.group(1)
    assert not Campaign.objects.exists()


def test_campaign_status_buttons_follow_the_allowed_transitions(client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser, status="draft")
    url = reverse("advertiser:campaign_status", args=[campaign.pk])
    page = html(client.get(reverse("advertiser:campaign_detail", args=[campaign.pk])))
    assert 'value="activate"' in page and 'value="pause"' not in page

    client.post(url, {"action": "activate"})
    campaign.refresh_from_db()
    assert campaign.status == "active"
    client.post(url, {"action": "pause"})
    campaign.refresh_from_db()
    assert campaign.status == "paused"
    client.post(url, {"action": "resume", "next": "detail"})
    campaign.refresh_from_db()
    assert campaign.status == "active"
    client.post(url, {"action": "archive"})
    campaign.refresh_from_db()
    assert campaign.status == "archived"

    response = client.post(url, {"action": "resume"}, follow=True)
    assert "A campaign cannot go from archived to active." in html(response)
    campaign.refresh_from_db()
    assert campaign.status == "archived"


def test_campaign_status_over_htmx_answers_the_row(client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser, status="active")
    url = reverse("advertiser:campaign_status", args=[campaign.pk])
    response = client.post(url, {"action": "pause"}, HTTP_HX_REQUEST="true")
    page = html(response)
    assert page.lstrip().startswith(f'<tr id="campaign-{campaign.pk}">')
    assert "badge-paused" in page and 'value="resume"' in page
    response = client.post(url, {"action": "activate"}, HTTP_HX_REQUEST="true")
    assert "A campaign cannot go from paused to active" not in html(response)  # resume is ok
    response = client.post(url, {"action": "bogus"}, HTTP_HX_REQUEST="true")
    assert "Unknown action." in html(response)


def test_campaign_list_shows_spend_today_and_pacing(client, advertiser):
    campaign = CampaignFactory(
        advertiser=advertiser, name="Paced", status="active", daily_budget=Decimal("10.00")
    )
    ad = AdFactory(campaign=campaign)
    put_stats(ad, impressions=1000, spend_micros=2_500_000)  # 2.50 today
    put_stats(ad, hour=hour_now() - datetime.timedelta(days=3), impressions=5000)  # not today
    CampaignFactory(advertiser=advertiser, name="No cap", status="active", daily_budget=None)
    draft = CampaignFactory(
        advertiser=advertiser, name="Drafted", status="draft", daily_budget=Decimal("10.00")
    )
    page = html(client.get(reverse("advertiser:home")))
    row = re.search(rf'<tr id="campaign-{campaign.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "2.50 EUR" in row and "10.00 EUR" in row
    assert '<progress class="meter" max="100" value="25"' in row
    assert "25.00% of budget" in row
    assert "No daily budget" in page
    # A draft does not serve, so it gets no pacing verdict (nor a meter).
    row = re.search(rf'<tr id="campaign-{draft.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "Not started" in row
    assert "<progress" not in row and "on pace" not in row and "behind" not in row


def test_campaign_list_hides_archived_and_filters(client, advertiser, other_advertiser):
    CampaignFactory(advertiser=advertiser, name="Live one", status="active")
    CampaignFactory(advertiser=advertiser, name="Old one", status="archived")
    CampaignFactory(advertiser=other_advertiser, name="Not mine")
    page = html(client.get(reverse("advertiser:home")))
    assert "Live one" in page and "Old one" not in page and "Not mine" not in page
    page = html(client.get(reverse("advertiser:home") + "?status=archived"))
    assert "Old one" in page and "Live one" not in page
    page = html(client.get(reverse("advertiser:home") + "?q=live"))
    assert "Live one" in page


def test_campaign_list_query_count_is_pinned(client, advertiser, django_assert_max_num_queries):
    for n in range(12):
        campaign = CampaignFactory(advertiser=advertiser, status="active")
        put_stats(AdFactory(campaign=campaign), impressions=100 + n)
    url = reverse("advertiser:home")
    client.get(url)  # build the rollups and warm the settings cache
    # Session, user, advertiser, count, page, rollup state, two grouped stats reads (today's
    # pacing), and the key figures: two for the 7/30-day totals and trend, two for the top
    # campaigns (rolled-up hours and recent ones each). None of them grows with campaigns.
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert html(response).count("<progress") == 12


def test_campaign_detail_shows_ads_stats_and_chart(client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser, status="active")
    ad = AdFactory(
        campaign=campaign, name="Shown ad", review_status="rejected", review_note="Blurry"
    )
    put_stats(ad, hour=hour_now() - datetime.timedelta(days=2), impressions=400, clicks=8)
    rollups_refresh(full=True)
    response = client.get(reverse("advertiser:campaign_detail", args=[campaign.pk]))
    page = html(response)
    assert "Shown ad" in page and "Rejected" in page and "Blurry" in page
    chart = json.loads(
        re.search(r'id="campaign-chart" type="application/json">(.*?)</script>', page).group(1)
    )
    assert len(chart["labels"]) == 30
    assert sum(chart["datasets"][0]["data"]) == 400
    assert chart["datasets"][2]["label"] == "Spend (EUR)"
    assert response.context["stats"]["impressions"] == 400


def test_campaign_detail_query_count_is_pinned(client, advertiser, django_assert_max_num_queries):
    campaign = CampaignFactory(advertiser=advertiser, status="active")
    for _ in range(10):
        put_stats(AdFactory(campaign=campaign))
    url = reverse("advertiser:campaign_detail", args=[campaign.pk])
    client.get(url)
    with django_assert_max_num_queries(13):
        response = client.get(url)
    assert html(response).count("Edit</a>") == 11  # ten ads and the campaign


# --- Ads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ad_type,fields",
    [
        ("banner", {}),
        ("text", {"headline": "Big sale", "body": "All shoes half price"}),
        (
            "native",
            {
                "headline": "Big sale",
                "body": "All shoes",
                "image_url": "https://cdn.example.com/n.png",
                "call_to_action": "Shop now",
                "sponsor": "Shoe Shop",
            },
        ),
        ("html", {"html": "<div>Hi</div>", "width": "728", "height": "90"}),
        (
            "video",
            {
                "video_url": "https://cdn.example.com/v.mp4",
                "video_mime": "video/mp4",
                "duration_seconds": "15",
                "width": "",
                "height": "",
            },
        ),
    ],
)
def test_ad_create_per_type(client, advertiser, ad_type, fields):
    campaign = CampaignFactory(advertiser=advertiser)
    response = client.post(
        reverse("advertiser:ad_create"), ad_data(campaign, type=ad_type, **fields)
    )
    assert response["Location"] == reverse("advertiser:campaign_detail", args=[campaign.pk])
    ad = Ad.objects.get(campaign=campaign)
    assert ad.type == ad_type and ad.review_status == "pending"
    if ad_type not in ("banner", "native"):
        assert ad.image_url == ""  # the other types' fields are not stored


@pytest.mark.parametrize(
    "ad_type,missing",
    [
        ("banner", "image_url"),
        ("text", "headline"),
        ("native", "body"),
        ("html", "html"),
        ("video", "video_url"),
    ],
)
def test_ad_required_fields_per_type(client, advertiser, ad_type, missing):
    campaign = CampaignFactory(advertiser=advertiser)
    data = ad_data(campaign, type=ad_type, image_url="", headline="", body="")
    response = client.post(reverse("advertiser:ad_create"), data)
    assert response.status_code == 422
    assert f'id="id_{missing}_error"' in html(response)
    assert f"Required for {ad_type} ads." in html(response)
    assert not Ad.objects.exists()


def test_ad_create_refuses_another_advertisers_campaign(client, advertiser, other_advertiser):
    CampaignFactory(advertiser=advertiser)
    theirs = CampaignFactory(advertiser=other_advertiser)
    response = client.post(reverse("advertiser:ad_create"), ad_data(theirs))
    assert response.status_code == 422
    assert "Select a valid choice" in html(response)
    assert not Ad.objects.exists()


def test_ad_create_without_campaigns_leads_to_campaign_create(client):
    response = client.get(reverse("advertiser:ad_create"))
    assert response["Location"] == reverse("advertiser:campaign_create")


def test_ad_edit_round_trip_sends_the_creative_back_to_review(client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser)
    ad = AdFactory(campaign=campaign, review_status="approved")
    page = html(client.get(reverse("advertiser:ad_edit", args=[ad.pk])))
    assert "Approved" in page
    response = client.post(
        reverse("advertiser:ad_edit", args=[ad.pk]),
        ad_data(campaign, name="Renamed", image_url="https://cdn.example.com/new.png"),
    )
    assert response.status_code == 302
    ad.refresh_from_db()
    assert ad.name == "Renamed" and ad.image_url.endswith("new.png")
    assert ad.review_status == "pending"


def test_ad_pause_resume_and_delete(client, advertiser):
    ad = AdFactory(campaign=CampaignFactory(advertiser=advertiser))
    client.post(reverse("advertiser:ad_status", args=[ad.pk]), {"status": "paused"})
    ad.refresh_from_db()
    assert ad.status == "paused"
    response = client.post(
        reverse("advertiser:ad_status", args=[ad.pk]), {"status": "active", "next": "ads"}
    )
    assert response["Location"] == reverse("advertiser:ads")
    client.post(reverse("advertiser:ad_delete", args=[ad.pk]))
    ad.refresh_from_db()
    assert ad.deleted_at is not None
    assert "Ad 0" not in html(client.get(reverse("advertiser:ads")))


def test_ad_list_filters_and_query_count(client, advertiser, django_assert_max_num_queries):
    campaigns = [CampaignFactory(advertiser=advertiser) for _ in range(3)]
    for n in range(12):
        AdFactory(campaign=campaigns[n % 3], review_status="approved" if n % 2 else "pending")
    url = reverse("advertiser:ads")
    client.get(url)
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert html(response).count('/edit/">') >= 12
    page = html(client.get(url + "?review=approved"))
    assert page.count("badge-approved") == 6


def test_preview_escapes_text_and_sandboxes_html(client, advertiser):
    url = reverse("advertiser:ad_preview")
    page = html(
        client.post(
            url,
            {
                "type": "text",
                "headline": "<script>alert(1)</script>",
                "body": "<b>bold</b>",
                "destination_url": "javascript:alert(1)",
            },
        )
    )
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "javascript:" not in page

    page = html(
        client.post(
            url,
            {"type": "html", "html": '<p onclick="x()">"hi"</p><script>top.x=1</script>'},
        )
    )
    frame = re.search(r"<iframe[^>]*>", page).group(0)
    assert 'sandbox="allow-scripts"' in frame
    assert "allow-same-origin" not in frame
    assert 'srcdoc="&lt;p onclick=&quot;x()&quot;&gt;' in frame
    assert "<script>top.x=1</script>" not in page

    page = html(client.post(url, {"type": "banner", "image_url": "data:image/png;base64,xx"}))
    assert "data:image" not in page and "Enter an image URL" in page
    page = html(
        client.post(
            url,
            {"type": "video", "video_url": "https://cdn.example.com/v.mp4", "width": "640"},
        )
    )
    assert '<video src="https://cdn.example.com/v.mp4" width="640"' in page


# --- Conversion goals ----------------------------------------------------------------------


def test_goal_create_list_and_pixel(client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser)
    response = client.post(
        reverse("advertiser:goals"),
        {
            "name": "Checkout",
            "type": "sale",
            "default_value": "49.90",
            "attribution_window_days": "14",
            "campaign": str(campaign.pk),
            "is_active": "on",
        },
    )
    goal = ConversionGoal.objects.get(name="Checkout")
    assert response["Location"] == reverse("advertiser:goal_detail", args=[goal.pk])
    assert goal.advertiser == advertiser and goal.campaign == campaign
    assert goal.default_value == Decimal("49.90") and goal.attribution_window_days == 14
    page = html(client.get(response["Location"]))
    assert f"goal={goal.uuid}" in page
    assert "/api/v1/track/conversion/pixel" in page
    assert 'data-copy="pixel-script"' in page
    assert "Checkout" in html(client.get(reverse("advertiser:goals")))


def test_goal_errors_edit_and_delete(client, advertiser, other_advertiser):
    theirs = CampaignFactory(advertiser=other_advertiser)
    response = client.post(
        reverse("advertiser:goals"),
        {
            "name": "",
            "type": "sale",
            "default_value": "-1",
            "attribution_window_days": "120",
            "campaign": str(theirs.pk),
        },
    )
    assert response.status_code == 422
    page = html(response)
    assert 'id="id_name_error"' in page and 'id="id_default_value_error"' in page
    assert 'id="id_attribution_window_days_error"' in page and 'id="id_campaign_error"' in page

    goal = ConversionGoalFactory(advertiser=advertiser, name="Lead")
    url = reverse("advertiser:goal_detail", args=[goal.pk])
    response = client.post(
        url,
        {"name": "Lead form", "type": "lead", "default_value": "5", "attribution_window_days": "7"},
    )
    assert response["Location"] == url
    goal.refresh_from_db()
    assert (goal.name, goal.type, goal.is_active) == ("Lead form", "lead", False)
    client.post(reverse("advertiser:goal_delete", args=[goal.pk]))
    assert client.get(url).status_code == 404


def test_goal_list_query_count(client, advertiser, django_assert_max_num_queries):
    campaigns = [CampaignFactory(advertiser=advertiser) for _ in range(4)]
    for n in range(12):
        ConversionGoalFactory(advertiser=advertiser, campaign=campaigns[n % 4])
    url = reverse("advertiser:goals")
    client.get(url)
    with django_assert_max_num_queries(7):
        response = client.get(url)
    assert html(response).count("Pixel &amp; settings") == 12


# --- Reports -------------------------------------------------------------------------------


def test_reports_page_totals_chart_and_tables(client, advertiser, other_advertiser):
    first = CampaignFactory(advertiser=advertiser, name="First")
    second = CampaignFactory(advertiser=advertiser, name="Second")
    put_stats(
        AdFactory(campaign=first),
        hour=hour_now() - datetime.timedelta(days=1),
        impressions=1000,
        clicks=10,
    )
    put_stats(AdFactory(campaign=second), impressions=500, clicks=5)
    put_stats(AdFactory(campaign=CampaignFactory(advertiser=other_advertiser)), impressions=9999)
    rollups_refresh(full=True)
    response = client.get(reverse("advertiser:reports") + "?period=last_7_days")
    assert response.status_code == 200
    totals = response.context["totals"]
    assert totals["impressions"] == 1500 and totals["clicks"] == 15
    assert totals["spend"] == "3.75"
    page = html(response)
    assert "First" in page and "Second" in page and "9999" not in page
    chart = json.loads(
        re.search(r'id="report-chart" type="application/json">(.*?)</script>', page).group(1)
    )
    assert len(chart["labels"]) == 7 and sum(chart["datasets"][0]["data"]) == 1500

    response = client.get(
        reverse("advertiser:reports") + f"?period=last_7_days&campaign={first.pk}"
    )
    assert response.context["totals"]["impressions"] == 1000


def test_reports_period_errors_are_shown(client, settings):
    settings.REPORT_MAX_DAYS = 10
    response = client.get(reverse("advertiser:reports") + "?period=custom")
    assert response.status_code == 422
    assert "Choose the first day." in html(response)
    response = client.get(
        reverse("advertiser:reports") + "?period=custom&start=2026-01-01&end=2026-03-01"
    )
    assert response.status_code == 422
    assert "at most 10 days" in html(response)


def test_reports_csv_matches_the_report(client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser, name="=SUM(A1)")
    put_stats(AdFactory(campaign=campaign), impressions=800)
    response = client.get(reverse("advertiser:reports_csv") + "?period=today")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "Date,Impressions,Clicks,CTR %,Conversions,Spend (EUR)"  # the table's
    assert ",800," in lines[1]
    response = client.get(reverse("advertiser:reports_csv") + "?period=today&table=campaigns")
    content = response.content.decode()
    assert content.splitlines()[0].startswith("Campaign,Impressions,Clicks")
    assert "'=SUM(A1)" in content  # spreadsheet formulas are defused


def test_reports_page_breaks_down_by_country_and_device(client, advertiser, other_advertiser):
    first = CampaignFactory(advertiser=advertiser, name="First")
    second = CampaignFactory(advertiser=advertiser, name="Second")
    shoe_ad = AdFactory(campaign=first)
    put_geo_stats(shoe_ad, country="DE", region="DE-BY", device="mobile", impressions=300)
    put_geo_stats(shoe_ad, country="", device="tablet", impressions=50)
    put_geo_stats(AdFactory(campaign=second), country="FR", device="desktop", impressions=200)
    rival_ad = AdFactory(campaign=CampaignFactory(advertiser=other_advertiser))
    put_geo_stats(rival_ad, country="JP", device="desktop", impressions=9999)
    response = client.get(reverse("advertiser:reports") + "?period=last_7_days")
    geo, devices = response.context["geo_rows"], response.context["device_rows"]
    assert [(r["country"], r["impressions"], r["spend"]) for r in geo] == [
        ("DE", 300, "0.75"),
        ("FR", 200, "0.50"),
        ("unknown", 50, "0.12"),  # 0.125 rounds half-even
    ]
    assert [(r["device"], r["impressions"]) for r in devices] == [
        ("mobile", 300),
        ("desktop", 200),
        ("tablet", 50),
    ]
    page = html(response)
    assert 'id="geo-heading">By country<' in page and 'id="devices-heading">By device<' in page
    assert "<td>DE</td>" in page and "<td>Mobile</td>" in page and "Unknown" in page
    assert "<td>JP</td>" not in page and ">9,999<" not in page
    # The page's tables are the API's reports for the same range.
    api_geo = client_for(advertiser.user).get("/api/v1/reports/geo", {"period": "last_7_days"})
    as_json = [{k: float(v) if isinstance(v, Decimal) else v for k, v in r.items()} for r in geo]
    assert api_geo.json()["data"]["locations"] == as_json

    response = client.get(
        reverse("advertiser:reports") + f"?period=last_7_days&campaign={second.pk}"
    )
    assert [r["country"] for r in response.context["geo_rows"]] == ["FR"]
    assert [r["device"] for r in response.context["device_rows"]] == ["desktop"]


def test_reports_query_count(client, advertiser, django_assert_max_num_queries):
    for n in range(10):
        ad = AdFactory(campaign=CampaignFactory(advertiser=advertiser))
        put_stats(ad)
        put_geo_stats(ad, country=f"A{n}", device="mobile")
    url = reverse("advertiser:reports") + "?period=last_30_days"
    client.get(url)
    # 9 before the geo and device tables, which add one aggregate query each.
    with django_assert_max_num_queries(11):
        response = client.get(url)
    assert len(response.context["campaign_rows"]) == 10
    assert len(response.context["geo_rows"]) == 10


# --- Partners and admins -------------------------------------------------------------------


@pytest.fixture
def partner(advertiser, other_advertiser):
    user = UserFactory(role=Role.PARTNER)
    advertiser.managers.add(user)
    return user


def test_partner_switches_between_managed_advertisers_only(partner, advertiser, other_advertiser):
    managed_too = AdvertiserFactory(company="Second Client")
    managed_too.managers.add(partner)
    CampaignFactory(advertiser=advertiser, name="Shoes campaign")
    CampaignFactory(advertiser=managed_too, name="Second campaign")
    CampaignFactory(advertiser=other_advertiser, name="Rival campaign")
    client = Client()
    client.force_login(partner)
    page = html(client.get(reverse("advertiser:home")))
    assert 'id="advertiser-switch"' in page
    assert "Shoe Shop" in page and "Second Client" in page and "Rival Inc" not in page
    assert "Shoes campaign" in page and "Second campaign" not in page

    page = html(client.get(reverse("advertiser:home") + f"?advertiser={managed_too.pk}"))
    assert "Second campaign" in page and "Shoes campaign" not in page
    page = html(client.get(reverse("advertiser:goals")))  # the choice is remembered
    assert "Second Client" in page

    page = html(client.get(reverse("advertiser:home") + f"?advertiser={other_advertiser.pk}"))
    assert "Rival campaign" not in page


def test_partner_creates_for_the_shown_advertiser_and_cannot_reach_others(
    partner, advertiser, other_advertiser
):
    client = Client()
    client.force_login(partner)
    client.post(reverse("advertiser:campaign_create"), campaign_data(name="For client"))
    assert Campaign.objects.get(name="For client").advertiser == advertiser
    rival = CampaignFactory(advertiser=other_advertiser)
    assert client.get(reverse("advertiser:campaign_detail", args=[rival.pk])).status_code == 404


def test_partner_without_advertisers_sees_an_explanation():
    client = Client()
    client.force_login(UserFactory(role=Role.PARTNER))
    assert "No advertiser has granted you access yet." in html(
        client.get(reverse("advertiser:home"))
    )


def test_admin_may_view_any_advertiser(admin_user, advertiser):
    CampaignFactory(advertiser=advertiser, name="Seen by admin")
    client = Client()
    client.force_login(admin_user)
    page = html(client.get(reverse("advertiser:home") + f"?advertiser={advertiser.pk}"))
    assert "Seen by admin" in page


def test_home_shows_key_figures_for_7_and_30_days_a_trend_and_top_campaigns(client, advertiser):
    boots = CampaignFactory(advertiser=advertiser, name="Boots", status="active")
    caps = CampaignFactory(advertiser=advertiser, name="Caps", status="active")
    put_stats(AdFactory(campaign=boots), impressions=1000, clicks=10, spend_micros=2_500_000)
    old = hour_now() - datetime.timedelta(days=20)
    put_stats(AdFactory(campaign=caps), hour=old, impressions=3000, clicks=3, conversions=2)
    response = client.get(reverse("advertiser:home"))
    kpis = response.context["kpis"]
    assert (kpis.last_7["impressions"], kpis.last_7["clicks"]) == (1000, 10)
    assert (kpis.last_30["impressions"], kpis.last_30["conversions"]) == (4000, 2)
    assert kpis.last_7["spend"] == "2.50" and kpis.last_7["ecpm"] == "2.50"
    assert len(response.context["kpi_chart"]["labels"]) == 30
    top = [(row["campaign"], row["spend"]) for row in response.context["top_campaigns"]]
    assert top == [("Caps", "7.50"), ("Boots", "2.50")]  # by spend over 30 days
    page = html(response)
    assert 'data-kpi="ctr"' in page and "1.00 %" in page  # 10 clicks of 1,000 in 7 days
    assert "4,000 in 30 days" in page
