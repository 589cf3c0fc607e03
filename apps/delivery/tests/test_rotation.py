"""Creative rotation inside a campaign: by weight, or optimized by Thompson sampling.

A simulated day of traffic with known true click-through rates: the optimized campaign's
statistics are refreshed from what it delivered every few hundred impressions (as the index
re-reads the rollups), and most impressions move to the best ad; the weighted campaign keeps
to its weights.
"""

import random
from collections import Counter as Tally
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from apps.delivery.engine import (
    MICROS,
    CampaignRule,
    Candidate,
    CompiledZone,
    Counters,
    RequestContext,
    TieGroup,
    decide,
)

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
TRUE_CTR = {1: 0.004, 2: 0.010, 3: 0.025}  # ad 3 is the best, by far
IMPRESSIONS = 20_000
REFRESH_EVERY = 500  # impressions between statistics refreshes


class NoCounters:
    def read(self, campaigns, *, user_key, now):
        return {c.id: Counters() for c in campaigns}


def campaign(rotation: str) -> CampaignRule:
    return CampaignRule(
        id=1,
        advertiser_id=1,
        pricing_model="cpm",
        bid_micros=2 * MICROS,
        start_date=date(2026, 1, 1),
        end_date=None,
        tz=ZoneInfo("UTC"),
        pacing="asap",
        rotation=rotation,
    )


def zone(rule: CampaignRule, weights: dict[int, int], stats: dict[int, tuple[int, int]]):
    members = [
        Candidate(
            ad_id=ad_id,
            ad_uuid=f"ad-{ad_id}",
            campaign=rule,
            weight=weights[ad_id],
            ecpm_micros=rule.bid_micros,
            creative={},
            impressions=stats[ad_id][0],
            clicks=stats[ad_id][1],
        )
        for ad_id in sorted(weights)
    ]
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
        active=True,
        groups=(TieGroup.of(members),),
    )


def simulate(rotation: str, weights: dict[int, int], seed: int = 11) -> list[int]:
    rng = random.Random(seed)
    rule = campaign(rotation)
    stats = {ad_id: (0, 0) for ad_id in weights}
    compiled = zone(rule, weights, stats)
    ctx = RequestContext(now=NOW, user_key="u")
    shown = []
    for n in range(IMPRESSIONS):
        ad_id = decide(compiled, ctx, NoCounters(), rng=rng).candidate.ad_id
        shown.append(ad_id)
        impressions, clicks = stats[ad_id]
        stats[ad_id] = (impressions + 1, clicks + (rng.random() < TRUE_CTR[ad_id]))
        if (n + 1) % REFRESH_EVERY == 0:
            compiled = zone(rule, weights, stats)
    return shown


def test_optimized_rotation_moves_impressions_to_the_best_ad():
    shown = simulate("optimized", {1: 100, 2: 100, 3: 100})
    last = Tally(shown[-5_000:])
    assert last[3] / 5_000 > 0.8  # the best ad has most of the traffic by then
    total = Tally(shown)
    assert total[3] > total[2] > total[1]
    # Every ad was tried: the sampling explores before it exploits.
    assert min(Tally(shown[:REFRESH_EVERY]).values()) > 50


def test_weighted_rotation_keeps_the_weights_whatever_the_clicks():
    shown = simulate("weighted", {1: 100, 2: 300, 3: 100})
    share = {ad_id: count / len(shown) for ad_id, count in Tally(shown).items()}
    assert abs(share[2] - 0.6) < 0.02
    assert abs(share[1] - 0.2) < 0.02
    assert abs(share[3] - 0.2) < 0.02


def test_an_optimized_campaign_with_one_ad_shows_it():
    rule = campaign("optimized")
    compiled = zone(rule, {5: 1}, {5: (0, 0)})
    decision = decide(compiled, RequestContext(now=NOW, user_key="u"), NoCounters())
    assert decision.candidate.ad_id == 5
