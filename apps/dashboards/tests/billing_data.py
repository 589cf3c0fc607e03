"""Billing data for the billing and finance page tests, made through the billing services.

Months are counted back from today, so invoices and payouts are always for finished periods;
``issued_days_ago`` back-dates an invoice's issue to make it overdue.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.billing import clock, services
from apps.billing.models import Invoice, Payout, Wallet
from apps.campaigns.tests.factories import AdFactory, AdvertiserFactory, CampaignFactory
from apps.delivery.models import HourlyStat
from apps.inventory.tests.factories import PublisherFactory, WebsiteFactory, ZoneFactory


def month_back(months: int, *, today: date | None = None) -> date:
    """The first day of the month ``months`` before this one."""
    first = (today or timezone.now().date()).replace(day=1)
    for _ in range(months):
        first = clock.previous_month(first)
    return first


def month_bounds(months: int) -> tuple[date, date]:
    return clock.month_bounds(month_back(months))


def spend(ad, zone, day: date, *, spend_micros: int, revenue_micros: int | None = None):
    """An hour of traffic as the drain writes it (revenue: 70 % of spend unless given)."""
    return HourlyStat.objects.create(
        hour=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        ad_id=ad.pk,
        zone_id=zone.pk,
        campaign_id=ad.campaign_id,
        advertiser_id=ad.campaign.advertiser_id,
        publisher_id=zone.website.publisher_id,
        impressions=1000,
        clicks=12,
        spend_micros=spend_micros,
        revenue_micros=spend_micros * 7 // 10 if revenue_micros is None else revenue_micros,
    )


def advertiser_with_ad(company: str, **kwargs):
    advertiser = AdvertiserFactory(company=company, **kwargs)
    campaign = CampaignFactory(advertiser=advertiser, name=f"{company} campaign")
    return advertiser, AdFactory(campaign=campaign)


def publisher_with_zone(name: str, **kwargs):
    publisher = PublisherFactory(name=name, **kwargs)
    zone = ZoneFactory(website=WebsiteFactory(publisher=publisher, name=f"{name} site"))
    return publisher, zone


def wallet_of(advertiser) -> Wallet:
    return services.wallet_ensure(advertiser=advertiser)


def invoice_for_month(
    advertiser,
    ad,
    zone,
    months: int = 1,
    *,
    amount: str = "12.50",
    issue: bool = True,
    issued_days_ago: int | None = None,
) -> Invoice:
    """Spend of ``amount`` on the 10th of the month ``months`` back, invoiced."""
    first, last = month_bounds(months)
    spend(ad, zone, first.replace(day=10), spend_micros=int(Decimal(amount) * 1_000_000))
    at = None
    if issued_days_ago is not None:
        at = timezone.now() - timedelta(days=issued_days_ago)
        assert at.date() > last, "back-dated issue must still follow the period"
    return services.invoice_create(
        wallet=wallet_of(advertiser), period_start=first, period_end=last, issue=issue, at=at
    )


def payout_for_month(publisher, ad, zone, months: int = 1, *, earnings: str = "60.00") -> Payout:
    """Earnings of ``earnings`` on the 12th of the month ``months`` back, paid out."""
    first, last = month_bounds(months)
    micros = int(Decimal(earnings) * 1_000_000)
    spend(ad, zone, first.replace(day=12), spend_micros=micros * 10 // 7, revenue_micros=micros)
    return services.payout_create(publisher=publisher, period_end=last)
