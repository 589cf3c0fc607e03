"""Rows the dashboards' tests share (as the drain would write them)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from apps.delivery.models import HourlyStat


def hour_now() -> datetime.datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def put_stats(ad, *, hour=None, impressions=1000, clicks=20, spend_micros=None, **extra):
    """A row as the drain writes it (zone/publisher ids need not exist for reports)."""
    return HourlyStat.objects.create(
        hour=hour or hour_now(),
        ad_id=ad.pk,
        zone_id=7001,
        campaign_id=ad.campaign_id,
        advertiser_id=ad.campaign.advertiser_id,
        publisher_id=7002,
        impressions=impressions,
        clicks=clicks,
        spend_micros=impressions * 2500 if spend_micros is None else spend_micros,
        revenue_micros=impressions * 1750,
        **extra,
    )
