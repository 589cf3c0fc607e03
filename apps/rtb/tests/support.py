"""What the exchange's tests share: requests, inventory and a client."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.test import Client

from apps.campaigns.models import AdStatus, CampaignStatus, ReviewStatus
from apps.campaigns.tests.factories import AdFactory, CampaignFactory
from apps.inventory.tests.factories import ZoneFactory

EXAMPLES = Path(__file__).resolve().parents[4] / "shared" / "data" / "openrtb"
CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)

BANNER_REQUEST = {
    "id": "auction-1",
    "at": 1,
    "tmax": 5000,
    "cur": ["USD"],
    "imp": [{"id": "1", "banner": {"w": 300, "h": 250}, "bidfloor": 0.5}],
    "site": {"id": "site-1", "domain": "news.example", "page": "https://news.example/a"},
    "device": {"ua": CHROME_UA, "ip": "8.8.8.8", "geo": {"country": "USA"}},
    "user": {"id": "user-1"},
}


def request_body(**changes) -> dict:
    body = copy.deepcopy(BANNER_REQUEST)
    body.update(changes)
    return body


def post(client: Client, body, **headers):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post("/openrtb/2.6/bid", data=data, content_type="application/json", **headers)


def rtb_campaign(*, bid: str = "2.00", channels=("rtb",), **fields):
    values = dict(
        status=CampaignStatus.ACTIVE,
        bid_amount=Decimal(bid),
        start_date=date.today() - timedelta(days=1),
        channels=list(channels),
        pacing="asap",
    )
    values.update(fields)
    return CampaignFactory(**values)


def banner_ad(campaign, *, w: int = 300, h: int = 250, **fields):
    values = dict(
        campaign=campaign,
        type="banner",
        width=w,
        height=h,
        image_url="https://cdn.example/ad.png",
        destination_url="https://shop.example/landing",
        status=AdStatus.ACTIVE,
        review_status=ReviewStatus.APPROVED,
    )
    values.update(fields)
    return AdFactory(**values)


def our_zone(**fields):
    values = dict(width=300, height=250, floor_price=Decimal("0"))
    values.update(fields)
    return ZoneFactory(**values)
