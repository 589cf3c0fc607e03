"""Unit tests of ``decide()`` and its rules: no database, a fake counter store."""

import random
from collections import Counter as Tally
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.delivery.engine import (
    MICROS,
    CampaignRule,
    Candidate,
    CompiledZone,
    Counters,
    Reason,
    RequestContext,
    Targeting,
    TieGroup,
    decide,
    effective_cpm_micros,
)

NOW = datetime(2026, 3, 11, 15, 30, tzinfo=UTC)  # a Wednesday
UTC_TZ = ZoneInfo("UTC")


class FakeCounters:
    def __init__(self, values=None):
        self.values = values or {}
        self.reads = 0

    def read(self, campaigns, *, user_key, now):
        self.reads += 1
        return {c.id: self.values.get(c.id, Counters()) for c in campaigns}


def campaign(cid=1, **kw) -> CampaignRule:
    defaults = dict(
        id=cid,
        advertiser_id=1,
        pricing_model="cpm",
        bid_micros=2 * MICROS,
        start_date=date(2026, 1, 1),
        end_date=None,
        tz=UTC_TZ,
        pacing="asap",
    )
    defaults.update(kw)
    return CampaignRule(**defaults)


def candidate(ad_id, camp=None, weight=100, ecpm=None) -> Candidate:
    camp = camp or campaign(ad_id)
    return Candidate(
        ad_id=ad_id,
        ad_uuid=f"ad-{ad_id}",
        campaign=camp,
        weight=weight,
        ecpm_micros=camp.bid_micros if ecpm is None else ecpm,
        creative={},
    )


def zone_of(*candidates, active=True) -> CompiledZone:
    ordered = sorted(candidates, key=lambda c: (TieGroup.of([c]).rank, -c.ecpm_micros))
    groups, current = [], []
    for c in ordered:
        if current and (TieGroup.of([current[0]]).rank, current[0].ecpm_micros) != (
            TieGroup.of([c]).rank,
            c.ecpm_micros,
        ):
            groups.append(TieGroup.of(current))
            current = []
        current.append(c)
    if current:
        groups.append(TieGroup.of(current))
    return CompiledZone(
        id=1,
        uuid="z",
        website_id=1,
        publisher_id=1,
        owner_user_id=1,
        type="banner",
        width=300,
        height=250,
        floor_micros=0,
        active=active,
        groups=tuple(groups),
    )


def ctx(**kw) -> RequestContext:
    return RequestContext(**{"now": NOW, "user_key": "u1", **kw})


def chosen(zone, context=None, counters=None, seed=1):
    decision = decide(zone, context or ctx(), counters or FakeCounters(), rng=random.Random(seed))
    return decision.candidate.ad_id if decision.candidate else None


def test_highest_ecpm_wins():
    zone = zone_of(
        candidate(1, campaign(1, bid_micros=1 * MICROS)),
        candidate(2, campaign(2, bid_micros=3 * MICROS)),
    )
    assert chosen(zone) == 2


def test_priority_tier_beats_ecpm():
    house = candidate(1, campaign(1, bid_micros=9 * MICROS, priority="house"))
    standard = candidate(2, campaign(2, bid_micros=1 * MICROS))
    sponsor = candidate(3, campaign(3, bid_micros=1, priority="sponsorship"))
    assert chosen(zone_of(house, standard)) == 2
    assert chosen(zone_of(house, standard, sponsor)) == 3


def test_falls_back_to_lower_tier_when_top_is_ineligible():
    sponsor = candidate(
        1, campaign(1, priority="sponsorship", targeting=Targeting(countries=frozenset({"DE"})))
    )
    standard = candidate(2, campaign(2))
    assert chosen(zone_of(sponsor, standard), ctx(country="US")) == 2
    assert chosen(zone_of(sponsor, standard), ctx(country="DE")) == 1


def test_dates_use_the_advertisers_time_zone():
    tokyo = ZoneInfo("Asia/Tokyo")
    # 15:30 UTC on the 11th is 00:30 on the 12th in Tokyo.
    starts_12th = candidate(1, campaign(1, tz=tokyo, start_date=date(2026, 3, 12)))
    assert chosen(zone_of(starts_12th)) == 1
    assert chosen(zone_of(candidate(1, campaign(1, start_date=date(2026, 3, 12))))) is None
    ended_11th = candidate(1, campaign(1, tz=tokyo, end_date=date(2026, 3, 11)))
    assert chosen(zone_of(ended_11th)) is None
    assert chosen(zone_of(candidate(1, campaign(1, end_date=date(2026, 3, 11))))) == 1


def test_day_parting_in_advertiser_time_zone():
    ny = ZoneInfo("America/New_York")  # 15:30 UTC = 11:30 EDT on Wednesday (weekday 2)
    assert (
        chosen(
            zone_of(candidate(1, campaign(1, tz=ny, targeting=Targeting(hours=frozenset({11})))))
        )
        == 1
    )
    assert (
        chosen(
            zone_of(candidate(1, campaign(1, tz=ny, targeting=Targeting(hours=frozenset({15})))))
        )
        is None
    )
    assert chosen(zone_of(candidate(1, campaign(1, targeting=Targeting(days=frozenset({2})))))) == 1
    assert (
        chosen(zone_of(candidate(1, campaign(1, targeting=Targeting(days=frozenset({5, 6}))))))
        is None
    )


@pytest.mark.parametrize(
    "targeting, context, expected",
    [
        (Targeting(countries=frozenset({"US"})), {"country": "US"}, 1),
        (Targeting(countries=frozenset({"US"})), {"country": "FR"}, None),
        (Targeting(countries=frozenset({"US"})), {}, None),
        (Targeting(regions=frozenset({"US-CA"})), {"region": "US-CA"}, 1),
        (Targeting(regions=frozenset({"US-CA"})), {"region": "US-NY"}, None),
        (Targeting(devices=frozenset({"mobile"})), {"device": "mobile"}, 1),
        (Targeting(devices=frozenset({"mobile"})), {"device": "desktop"}, None),
        (Targeting(browsers=frozenset({"chrome"})), {"browser": "chrome"}, 1),
        (Targeting(browsers=frozenset({"chrome"})), {"browser": "firefox"}, None),
        (Targeting(os=frozenset({"android"})), {"os": "android"}, 1),
        (Targeting(os=frozenset({"android"})), {"os": "ios"}, None),
        (Targeting(), {}, 1),
    ],
)
def test_request_targeting(targeting, context, expected):
    assert (
        chosen(zone_of(candidate(1, campaign(1, targeting=targeting))), ctx(**context)) == expected
    )


def test_daily_and_total_budget():
    camp = campaign(1, daily_budget_micros=10 * MICROS, total_budget_micros=100 * MICROS)
    zone = zone_of(candidate(1, camp))
    assert chosen(zone, counters=FakeCounters({1: Counters(spend_today_micros=9 * MICROS)})) == 1
    # CPM 2.00 costs 0.002 an impression: one more would pass the daily budget.
    almost = 10 * MICROS - 1000
    assert chosen(zone, counters=FakeCounters({1: Counters(spend_today_micros=almost)})) is None
    assert (
        chosen(zone, counters=FakeCounters({1: Counters(spend_total_micros=100 * MICROS)})) is None
    )


def test_advertiser_funds_stop_every_campaign_of_the_advertiser():
    funded = campaign(1, advertiser_funds_micros=10 * MICROS)
    zone = zone_of(candidate(1, funded))
    spent = FakeCounters({1: Counters(advertiser_spend_micros=9 * MICROS)})
    assert chosen(zone, counters=spent) == 1
    # One more CPM 2.00 impression (0.002) would pass what the wallet can pay.
    almost = FakeCounters({1: Counters(advertiser_spend_micros=10 * MICROS - 1000)})
    assert chosen(zone, counters=almost) is None
    # No limit: the advertiser's spend does not matter.
    unlimited = zone_of(candidate(1, campaign(1)))
    huge = FakeCounters({1: Counters(advertiser_spend_micros=10**15)})
    assert chosen(unlimited, counters=huge) == 1
    explained = decide(zone, ctx(), almost, explain=True).explanation
    assert [row[3] for row in explained] == [Reason.FUNDS]


def test_cpc_campaign_stops_when_budget_reached():
    camp = campaign(1, pricing_model="cpc", daily_budget_micros=5 * MICROS)
    zone = zone_of(candidate(1, camp))
    assert chosen(zone, counters=FakeCounters({1: Counters(spend_today_micros=4 * MICROS)})) == 1
    assert chosen(zone, counters=FakeCounters({1: Counters(spend_today_micros=5 * MICROS)})) is None


def test_even_pacing_follows_the_elapsed_day():
    # 15:30 UTC: 15.5 h elapsed + 1 h look-ahead = 68.75 % of the day.
    camp = campaign(1, pacing="even", daily_budget_micros=100 * MICROS)
    zone = zone_of(candidate(1, camp))
    assert chosen(zone, counters=FakeCounters({1: Counters(spend_today_micros=68 * MICROS)})) == 1
    assert (
        chosen(zone, counters=FakeCounters({1: Counters(spend_today_micros=69 * MICROS)})) is None
    )
    asap = zone_of(candidate(1, campaign(1, pacing="asap", daily_budget_micros=100 * MICROS)))
    assert chosen(asap, counters=FakeCounters({1: Counters(spend_today_micros=69 * MICROS)})) == 1


def test_frequency_cap():
    zone = zone_of(candidate(1, campaign(1, frequency_cap=3, frequency_window_hours=24)))
    assert chosen(zone, counters=FakeCounters({1: Counters(user_impressions=2)})) == 1
    assert chosen(zone, counters=FakeCounters({1: Counters(user_impressions=3)})) is None


def test_bots_and_paused_zones_get_nothing():
    assert chosen(zone_of(candidate(1)), ctx(is_bot=True)) is None
    assert chosen(zone_of(candidate(1), active=False)) is None


def test_weighted_tie_break_is_seedable_and_follows_weights():
    same = campaign(1)
    zone = zone_of(candidate(1, same, weight=300), candidate(2, same, weight=100))
    assert chosen(zone, seed=7) == chosen(zone, seed=7)
    rng = random.Random(42)
    tally = Tally(decide(zone, ctx(), FakeCounters(), rng=rng).candidate.ad_id for _ in range(4000))
    assert 0.70 < tally[1] / 4000 < 0.80


def test_large_tie_group_samples_instead_of_scanning():
    members = [candidate(i, campaign(i)) for i in range(1, 501)]
    counters = FakeCounters()
    assert chosen(zone_of(*members), counters=counters) is not None
    assert counters.reads == 1


def test_large_tie_group_finds_the_only_eligible_member():
    members = [
        candidate(
            i, campaign(i, targeting=Targeting(countries=frozenset({"US" if i == 377 else "DE"})))
        )
        for i in range(1, 501)
    ]
    assert chosen(zone_of(*members), ctx(country="US")) == 377


def test_large_tie_group_weights_hold_under_sampling():
    heavy = [candidate(i, campaign(i), weight=900) for i in range(1, 21)]
    light = [candidate(i, campaign(i), weight=100) for i in range(21, 41)]
    zone = zone_of(*heavy, *light)
    rng = random.Random(3)
    picks = [decide(zone, ctx(), FakeCounters(), rng=rng).candidate.ad_id for _ in range(3000)]
    share_heavy = sum(1 for p in picks if p <= 20) / len(picks)
    assert 0.86 < share_heavy < 0.94


def test_explain_lists_every_candidate_with_a_reason():
    winner = candidate(1, campaign(1, bid_micros=5 * MICROS))
    lower = candidate(2, campaign(2, bid_micros=1 * MICROS))
    geo = candidate(3, campaign(3, targeting=Targeting(countries=frozenset({"DE"}))))
    capped = candidate(4, campaign(4, frequency_cap=1, frequency_window_hours=1))
    zone = zone_of(winner, lower, geo, capped)
    zone.static_rejections = ((9, "ad-9", 9, "size_mismatch"),)
    decision = decide(
        zone, ctx(country="US"), FakeCounters({4: Counters(user_impressions=1)}), explain=True
    )
    reasons = {row[0]: row[3] for row in decision.explanation}
    assert decision.candidate.ad_id == 1
    assert reasons == {
        1: None,
        2: Reason.OUTBID,
        3: Reason.COUNTRY,
        4: Reason.FREQUENCY,
        9: "size_mismatch",
    }


def test_effective_cpm_converts_cpc_and_cpa():
    assert effective_cpm_micros("cpm", 2 * MICROS) == 2 * MICROS
    # No history: CTR prior 1/200 → a 1.00 CPC is worth 5.00 CPM.
    assert effective_cpm_micros("cpc", MICROS) == 5 * MICROS
    # 10,000 impressions and 199 clicks: CTR (199+1)/(10000+200) ≈ 1.96 %.
    assert effective_cpm_micros("cpc", MICROS, impressions=10_000, clicks=199) == int(
        MICROS * 200 / 10_200 * 1000
    )
    # CPA: CTR prior 0.5 % × CR prior 2 % → a 50.00 CPA is worth 5.00 CPM.
    assert effective_cpm_micros("cpa", 50 * MICROS) == 5 * MICROS
