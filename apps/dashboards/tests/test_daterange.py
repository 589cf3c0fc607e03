"""The date-range control shared by the report, earnings, overview, campaign, zone and
financial pages: presets and custom dates kept in the URL, the same days as the API, and a
hint to the range with data when the chosen one is empty."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.core.management import call_command
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.campaigns.tests.factories import AdFactory, AdvertiserFactory, CampaignFactory
from apps.dashboards.daterange import date_range_resolve, preset_days
from apps.reporting.rollups import rollups_refresh

from .factories import put_stats

pytestmark = pytest.mark.django_db
UTC = zoneinfo.ZoneInfo("UTC")


@pytest.mark.parametrize(
    "period, first, last",
    [
        ("today", "2026-03-15", "2026-03-15"),
        ("yesterday", "2026-03-14", "2026-03-14"),
        ("last_7_days", "2026-03-09", "2026-03-15"),
        ("last_30_days", "2026-02-14", "2026-03-15"),
        ("last_90_days", "2025-12-16", "2026-03-15"),
        ("this_month", "2026-03-01", "2026-03-15"),
        ("last_month", "2026-02-01", "2026-02-28"),
    ],
)
def test_presets(period, first, last):
    assert preset_days(period, datetime.date(2026, 3, 15)) == (
        datetime.date.fromisoformat(first),
        datetime.date.fromisoformat(last),
    )


def test_resolve_defaults_custom_dates_and_errors():
    date_range = date_range_resolve(QueryDict(""), tz=UTC)
    assert date_range.period == "last_30_days" and date_range.rng.period == "last_30_days"
    date_range = date_range_resolve(QueryDict("start=2026-01-05&end=2026-01-09&zone=3"), tz=UTC)
    assert date_range.period == "custom"
    assert (date_range.rng.first_day, date_range.rng.last_day) == (
        datetime.date(2026, 1, 5),
        datetime.date(2026, 1, 9),
    )
    assert date_range.keep == [("zone", "3")]  # other filters stay in the control's form
    assert date_range.label == "Custom dates · 2026-01-05 – 2026-01-09"
    wrong = date_range_resolve(QueryDict("period=custom&start=2026-01-09&end=2026-01-05"), tz=UTC)
    assert wrong.rng is None and "must not be before" in str(wrong.form.errors["end"])


@pytest.fixture
def shop(advertiser_user):
    advertiser = AdvertiserFactory(user=advertiser_user, company="Shoe Shop", currency="EUR")
    client = Client()
    client.force_login(advertiser_user)
    return advertiser, client


def test_an_empty_range_offers_the_range_with_data(shop):
    advertiser, client = shop
    ad = AdFactory(campaign=CampaignFactory(advertiser=advertiser))
    last = timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(days=50)
    for back in range(40):
        put_stats(ad, hour=last - datetime.timedelta(days=back), impressions=100)
    rollups_refresh(full=True)
    page = client.get(reverse("advertiser:reports")).content.decode()  # last 30 days: none
    hint = re.search(r"<div [^>]*data-range-hint>(.*?)</div>", page, re.S).group(1)
    last_day, first_day = last.date(), last.date() - datetime.timedelta(days=29)
    assert f"The latest traffic is from {last_day.isoformat()}" in hint
    link = re.search(r'href="\?([^"]+)"', hint).group(1).replace("&amp;", "&")
    assert f"start={first_day.isoformat()}" in link and f"end={last_day.isoformat()}" in link
    shown = client.get(reverse("advertiser:reports") + "?" + link)
    assert shown.context["totals"]["impressions"] == 3000
    assert "data-range-hint" not in shown.content.decode()
    # The campaign page offers the same, for its own data.
    campaign_page = client.get(reverse("advertiser:campaign_detail", args=[ad.campaign_id]))
    assert "data-range-hint" in campaign_page.content.decode()


def test_no_data_anywhere_says_so(shop):
    _, client = shop
    page = client.get(reverse("advertiser:reports")).content.decode()
    assert "No traffic yet, in this range or any other" in page


@pytest.mark.parametrize(
    "email, url",
    [
        ("advertiser@demo.local", "advertiser:reports"),
        ("publisher@demo.local", "publisher:home"),
        ("publisher@demo.local", "publisher:reports"),
        ("admin@demo.local", "staff:home"),
        ("finance@demo.local", "finance:report"),
    ],
)
def test_default_ranges_show_the_demo_data(email, url):
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client = Client()
    client.force_login(User.objects.get(email=email))
    response = client.get(reverse(url))
    assert response.status_code == 200
    page = response.content.decode()
    assert "data-range-hint" not in page
    assert 'name="period"' in page and "data-range-label" in page
    for label in ("Last 90 days", "This month", "Last month", "Custom dates"):
        assert label in page
