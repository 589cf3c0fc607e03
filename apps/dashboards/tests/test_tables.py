"""Report tables sort by any column (in the URL), paginate when long, and their CSV is the
table: the same columns, rows and order."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.campaigns.tests.factories import AdFactory, AdvertiserFactory, CampaignFactory
from apps.reporting.rollups import rollups_refresh

from .factories import put_stats

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(advertiser_user):
    advertiser = AdvertiserFactory(user=advertiser_user, company="Shoe Shop", currency="EUR")
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    for name, impressions, clicks in (("Boots", 900, 9), ("Anoraks", 300, 30), ("Caps", 600, 1)):
        ad = AdFactory(campaign=CampaignFactory(advertiser=advertiser, name=name))
        put_stats(ad, hour=hour, impressions=impressions, clicks=clicks)
    rollups_refresh(full=True)
    client = Client()
    client.force_login(advertiser_user)
    return client


def names(response) -> list[str]:
    return [row["campaign"] for row in response.context["campaign_table"].page]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("", ["Boots", "Caps", "Anoraks"]),  # by spend, the default
        ("campaign", ["Anoraks", "Boots", "Caps"]),
        ("-campaign", ["Caps", "Boots", "Anoraks"]),
        ("-clicks", ["Anoraks", "Boots", "Caps"]),
        ("ctr", ["Caps", "Boots", "Anoraks"]),
        ("-nonsense", ["Boots", "Caps", "Anoraks"]),  # an unknown column: the default
    ],
)
def test_campaign_table_sorts_by_any_column_and_the_csv_follows(shop, sort, expected):
    query = f"?period=today&sort={sort}"
    response = shop.get(reverse("advertiser:reports") + query)
    assert names(response) == expected
    rows = csv_rows(shop.get(reverse("advertiser:reports_csv") + query + "&table=campaigns"))
    assert rows[0] == [
        "Campaign",
        "Impressions",
        "Clicks",
        "CTR %",
        "Conversions",
        "Spend (EUR)",
        "eCPM",
    ]
    assert [row[0] for row in rows[1:]] == expected
    shown = {row["campaign"]: row for row in response.context["campaign_table"].page}
    for row in rows[1:]:  # the same numbers as the table
        assert int(row[1]) == shown[row[0]]["impressions"]
        assert row[5] == shown[row[0]]["spend"]


def test_headers_link_to_sorting_with_aria_sort(shop):
    page = shop.get(reverse("advertiser:reports") + "?period=today&sort=-clicks").content.decode()
    assert 'aria-sort="descending"' in page
    assert "sort=clicks" in page  # the active column flips
    assert "sort=-impressions" in page  # numbers start with the largest


def test_long_tables_paginate_and_the_csv_has_every_row(shop):
    url = reverse("advertiser:reports") + "?period=last_90_days"
    response = shop.get(url)
    table = response.context["daily_table"]
    assert table.page.paginator.count == 90 and len(table.page) == 31
    assert table.page[0]["date"] == timezone.now().date().isoformat()  # newest first
    second = shop.get(url + "&day_page=2").context["daily_table"].page
    expected = (timezone.now().date() - datetime.timedelta(days=31)).isoformat()
    assert second[0]["date"] == expected
    assert "day_page=2" in response.content.decode()
    rows = csv_rows(shop.get(reverse("advertiser:reports_csv") + "?period=last_90_days"))
    assert len(rows) == 91 and rows[1][0] == table.page[0]["date"]
    oldest_first = csv_rows(
        shop.get(reverse("advertiser:reports_csv") + "?period=last_90_days&day_sort=date")
    )
    assert oldest_first[1][0] == rows[-1][0]
