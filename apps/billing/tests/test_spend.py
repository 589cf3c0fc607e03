"""The daily spend rollup, balances, serving limits and reconciliation (services)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from apps.billing import selectors, services
from apps.billing.models import SpendPosting, Transaction, TransactionKind, WalletMode
from apps.campaigns.tests.factories import AdFactory, CampaignFactory
from apps.delivery.counters import spend_total_key
from apps.delivery.store import hot_store

from .conftest import at, stat, wallet_of

pytestmark = pytest.mark.django_db


def ledger_spend(wallet) -> int:
    return -(
        wallet.transactions.filter(kind=TransactionKind.SPEND).aggregate(s=Sum("amount_micros"))[
            "s"
        ]
        or 0
    )


def test_posts_each_finished_day_per_campaign_once(wallet, ad, zone):
    second = AdFactory(campaign=CampaignFactory(advertiser=wallet.advertiser, name="Spring"))
    stat(ad, zone, at(2026, 3, 10, 9), impressions=3, spend=7_500)
    stat(ad, zone, at(2026, 3, 10, 23), impressions=1, spend=2_500)
    stat(second, zone, at(2026, 3, 10, 12), impressions=1, spend=1_234)
    stat(ad, zone, at(2026, 3, 11, 1), impressions=1, spend=2_500)

    posted = services.spend_post_due(at=at(2026, 3, 12, 0, 31))
    assert posted == 2
    wallet.refresh_from_db()
    assert wallet.spend_posted_until == at(2026, 3, 12)
    entries = {
        (e.day, e.campaign_id): e.amount_micros
        for e in wallet.transactions.filter(kind=TransactionKind.SPEND)
    }
    assert entries == {
        (date(2026, 3, 10), ad.campaign_id): -10_000,
        (date(2026, 3, 10), second.campaign_id): -1_234,
        (date(2026, 3, 11), ad.campaign_id): -2_500,
    }
    assert list(SpendPosting.objects.values_list("day", "spend_micros").order_by("day")) == [
        (date(2026, 3, 10), 11_234),
        (date(2026, 3, 11), 2_500),
    ]
    # Rerunning, later or with the command's --date, changes nothing.
    assert services.spend_post_due(at=at(2026, 3, 13)) == 0
    assert services.spend_post_due(at=at(2026, 3, 13), through=date(2026, 3, 10)) == 0
    assert Transaction.objects.count() == 3
    assert ledger_spend(wallet) == 13_734


def test_a_day_is_posted_only_once_it_is_over_with_grace(wallet, ad, zone):
    stat(ad, zone, at(2026, 3, 10, 23), spend=2_500)
    assert services.spend_post_due(at=at(2026, 3, 11, 0, 10)) == 0
    assert not wallet.transactions.exists()
    assert services.spend_post_due(at=at(2026, 3, 11, 0, 30)) == 1


def test_days_are_the_advertisers_local_days(wallet, ad, zone):
    advertiser = wallet.advertiser
    advertiser.timezone = "America/New_York"  # UTC-4 in March after the 8th
    advertiser.save()
    stat(ad, zone, at(2026, 3, 10, 3), spend=1_000)  # 23:00 on the 9th in New York
    stat(ad, zone, at(2026, 3, 10, 4), spend=2_000)  # 00:00 on the 10th
    stat(ad, zone, at(2026, 3, 11, 3), spend=4_000)  # 23:00 on the 10th
    services.spend_post_due(at=at(2026, 3, 11, 5))
    days = dict(wallet.transactions.values_list("day", "amount_micros"))
    assert days == {date(2026, 3, 9): -1_000, date(2026, 3, 10): -6_000}
    assert wallet_of(advertiser).spend_posted_until == at(2026, 3, 11, 4)


def test_balance_counts_unposted_spend_and_does_not_move_when_posting(wallet, ad, zone, clock_at):
    services.deposit_record(wallet=wallet, amount=Decimal("10.00"), actor=None)
    stat(ad, zone, at(2026, 3, 10, 9), spend=1_500_000)
    stat(ad, zone, at(2026, 3, 11, 9), spend=250_000)
    clock_at(at(2026, 3, 11, 12))
    before = selectors.wallet_figures([wallet])[wallet.pk]
    assert before.balance_micros == 10_000_000 - 1_750_000
    assert before.today_micros == 250_000
    services.spend_post_due()
    wallet.refresh_from_db()
    after = selectors.wallet_figures([wallet])[wallet.pk]
    assert after.balance_micros == before.balance_micros
    assert after.unposted_micros == 250_000
    assert after.today_micros == 250_000
    assert selectors.wallet_posted_through(wallet) == date(2026, 3, 10)


def test_spend_limits_only_for_limited_wallets(wallet, other_advertiser, ad, zone):
    other = wallet_of(other_advertiser)
    assert selectors.wallet_spend_limits() == {}  # postpaid without limit: serving unlimited
    services.deposit_record(wallet=wallet, amount=Decimal("20.00"), actor=None)
    services.wallet_update(wallet=wallet, mode=WalletMode.PREPAID)
    services.wallet_update(wallet=other, credit_limit=Decimal("5.00"))
    stat(ad, zone, at(2026, 3, 10, 9), spend=3_000_000)
    services.spend_post_due(at=at(2026, 3, 12))
    services.adjustment_record(
        wallet=wallet, amount=Decimal("-1.50"), reason="goodwill", actor=None
    )
    limits = selectors.wallet_spend_limits()
    # Spend is not part of funding: serving compares funding with its spend counter.
    assert limits == {wallet.advertiser_id: 18_500_000, other.advertiser_id: 5_000_000}


def test_funding_changes_bump_the_inventory_version(wallet, django_capture_on_commit_callbacks):
    start = hot_store().inventory_version()
    with django_capture_on_commit_callbacks(execute=True):
        services.deposit_record(wallet=wallet, amount=Decimal("1.00"), actor=None)
    assert hot_store().inventory_version() > start
    start = hot_store().inventory_version()
    with django_capture_on_commit_callbacks(execute=True):
        services.wallet_update(wallet=wallet, credit_limit=Decimal("100.00"))
    assert hot_store().inventory_version() > start
    start = hot_store().inventory_version()
    with django_capture_on_commit_callbacks(execute=True):
        services.wallet_update(wallet=wallet, billing_name="Acme GmbH")
    assert hot_store().inventory_version() == start


def test_ledger_entries_are_immutable(wallet):
    entry = services.deposit_record(wallet=wallet, amount=Decimal("1.00"), actor=None)
    entry.amount_micros = 5
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        Transaction.objects.filter(pk=entry.pk).update(amount_micros=5)
    with pytest.raises(ValidationError):
        Transaction.objects.all().delete()
    entry.refresh_from_db()
    assert entry.amount_micros == 1_000_000


def test_late_events_are_reported_then_adjusted_on_request(wallet, ad, zone, finance_user):
    stat(ad, zone, at(2026, 3, 10, 9), spend=10_000)
    services.spend_post_due(at=at(2026, 3, 12))
    assert services.billing_reconcile(advertiser_id=wallet.advertiser_id)["ledger_vs_rollups"] == []

    # An event of the 10th reaches the rollups after the day was posted.
    stat(ad, zone, at(2026, 3, 10, 10), spend=2_500)
    assert services.spend_post_due(at=at(2026, 3, 13)) == 0
    assert ledger_spend(wallet) == 10_000  # never changed silently
    report = services.billing_reconcile(advertiser_id=wallet.advertiser_id)
    assert report["ok"] is False
    assert report["ledger_vs_rollups"] == [
        {
            "wallet_id": wallet.pk,
            "advertiser_id": wallet.advertiser_id,
            "day": date(2026, 3, 10),
            "campaign_id": ad.campaign_id,
            "rollup_micros": 12_500,
            "ledger_micros": 10_000,
            "difference_micros": 2_500,
        }
    ]
    [entry] = services.drift_adjust(actor=finance_user, reason="Late events")
    assert entry.kind == TransactionKind.ADJUSTMENT
    assert entry.amount_micros == -2_500
    assert entry.day == date(2026, 3, 10) and entry.created_by == finance_user
    assert "Late events" in entry.description
    assert services.billing_reconcile(advertiser_id=wallet.advertiser_id)["ledger_vs_rollups"] == []
    assert services.drift_adjust(actor=finance_user, reason="again") == []


def test_counters_are_compared_with_rollups(wallet, ad, zone):
    ad.campaign.status = "active"
    ad.campaign.save()
    stat(ad, zone, at(2026, 3, 10, 9), spend=10_000)
    hot_store().add([(spend_total_key(ad.campaign_id), 2_500, None)])  # 2,500 counted twice
    drift = services.billing_reconcile()["counters_vs_rollups"]
    assert drift == [
        {
            "campaign_id": ad.campaign_id,
            "advertiser_id": wallet.advertiser_id,
            "counter_micros": 12_500,
            "rollup_micros": 10_000,
            "difference_micros": 2_500,
        }
    ]
    hot_store().add([(spend_total_key(ad.campaign_id), -2_500, None)])
    assert services.billing_reconcile()["ok"] is True


def test_time_zone_change_never_posts_an_hour_twice(wallet, ad, zone):
    stat(ad, zone, at(2026, 3, 10, 9), spend=1_000)
    services.spend_post_due(at=at(2026, 3, 11, 1))  # posts the 10th (UTC)
    advertiser = wallet.advertiser
    advertiser.timezone = "Pacific/Honolulu"  # UTC-10: the 10th ends at 10:00 UTC on the 11th
    advertiser.save()
    stat(ad, zone, at(2026, 3, 11, 5), spend=2_000)
    stat(ad, zone, at(2026, 3, 11, 12), spend=4_000)
    services.spend_post_due(at=at(2026, 3, 13))
    assert ledger_spend(wallet) == 7_000
    assert list(SpendPosting.objects.order_by("day").values_list("day", "spend_micros")) == [
        (date(2026, 3, 10), 1_000),
        (date(2026, 3, 11), 6_000),
    ]
    assert services.billing_reconcile(advertiser_id=advertiser.pk)["ledger_vs_rollups"] == []


def test_new_advertisers_get_a_wallet_in_their_currency(db):
    from apps.campaigns.tests.factories import AdvertiserFactory

    advertiser = AdvertiserFactory(currency="EUR")
    wallet = wallet_of(advertiser)
    assert (wallet.currency, wallet.mode, wallet.credit_limit) == ("EUR", "postpaid", None)
    advertiser.currency = "GBP"
    advertiser.save()
    assert wallet_of(advertiser).currency == "GBP"  # unused: follows
    services.deposit_record(wallet=wallet_of(advertiser), amount=Decimal("1.00"), actor=None)
    advertiser.currency = "USD"
    advertiser.save()
    assert wallet_of(advertiser).currency == "GBP"  # used: keeps its currency


def test_default_wallet_mode_comes_from_the_setting(db):
    from apps.accounts.platform_settings import settings_update
    from apps.campaigns.tests.factories import AdvertiserFactory

    settings_update(values={"default_wallet_mode": "prepaid"}, actor=None)
    assert wallet_of(AdvertiserFactory()).mode == "prepaid"


def test_posting_twice_at_once_is_refused_by_the_database(wallet, ad, zone):
    from django.db import IntegrityError, transaction

    Transaction.objects.create(
        wallet=wallet,
        kind=TransactionKind.SPEND,
        amount_micros=-1,
        currency="USD",
        campaign_id=ad.campaign_id,
        day=date(2026, 3, 10),
        description="x",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(
            wallet=wallet,
            kind=TransactionKind.SPEND,
            amount_micros=-1,
            currency="USD",
            campaign_id=ad.campaign_id,
            day=date(2026, 3, 10),
            description="y",
        )


def test_days_without_spend_move_the_cursor_only(wallet, ad, zone):
    stat(ad, zone, at(2026, 3, 10, 9), spend=1_000)
    services.spend_post_due(at=at(2026, 3, 15))
    assert SpendPosting.objects.count() == 1
    assert wallet_of(wallet.advertiser).spend_posted_until == at(2026, 3, 15) - timedelta(days=1)


def test_history_is_protected_from_deletion(wallet, other_advertiser):
    from django.db.models import ProtectedError

    other_advertiser.user.delete()  # no ledger: the wallet goes with the advertiser
    services.deposit_record(wallet=wallet, amount=Decimal("1.00"), actor=None)
    with pytest.raises(ProtectedError):
        wallet.advertiser.user.delete()
