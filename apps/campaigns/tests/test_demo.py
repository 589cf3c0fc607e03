"""Demo data: the demo advertiser's campaigns and ads, loadable twice."""

import pytest

from apps.accounts import demo as accounts_demo
from apps.campaigns import demo
from apps.campaigns.models import Ad, Advertiser, Campaign, ConversionGoal
from apps.common.models import DomainEvent


@pytest.mark.django_db
def test_demo_load_is_idempotent():
    accounts_demo.load()
    assert demo.load() == []
    counts = (Campaign.objects.count(), Ad.objects.count(), DomainEvent.objects.count())
    demo.load()
    assert (Campaign.objects.count(), Ad.objects.count(), DomainEvent.objects.count()) == counts

    advertiser = Advertiser.objects.get(user__email="advertiser@demo.local")
    assert advertiser.company == "Demo Outdoor Co"
    assert list(advertiser.managers.values_list("email", flat=True)) == ["partner@demo.local"]

    winter = Campaign.objects.get(name="Winter Sale")
    assert (winter.status, winter.pricing_model, str(winter.bid_amount)) == (
        "active",
        "cpm",
        "2.50",
    )
    assert (str(winter.daily_budget), str(winter.total_budget)) == ("50.00", "1000.00")
    sizes = {(a.type, a.width, a.height) for a in winter.ads.all()}
    assert {("banner", 728, 90), ("banner", 300, 250)} <= sizes
    assert {a.type for a in winter.ads.all()} == {"banner", "text", "native", "video"}
    pending = Ad.objects.filter(review_status="pending")
    assert list(pending.values_list("name", flat=True)) == ["Spring Preview leaderboard 728x90"]
    assert set(Ad.objects.exclude(pk__in=pending).values_list("review_status", flat=True)) == {
        "approved"
    }

    spring = Campaign.objects.get(name="Spring Preview")
    assert (spring.status, spring.pricing_model, str(spring.bid_amount)) == (
        "active",
        "cpc",
        "0.40",
    )
    assert spring.ads.get(review_status="approved").width == 300
    assert Campaign.objects.filter(advertiser=advertiser, status="draft").count() == 1

    goal = ConversionGoal.objects.get(advertiser=advertiser)
    assert (goal.name, goal.type, str(goal.default_value), goal.attribution_window_days) == (
        "Purchase",
        "sale",
        "25.00",
        30,
    )
