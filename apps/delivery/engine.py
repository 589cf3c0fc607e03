"""The ad decision: a pure function of a compiled zone, the request context and counters.

Nothing here touches the ORM or the network except through the ``CounterReader`` passed in,
so every rule is unit-tested without a database. The compiled structures come from
``index.py``; the counters (spend today/total, impressions per user) are written by tracking.

How a decision stays cheap as inventory grows: each zone's candidates are compiled into tie
groups ordered by priority tier and effective CPM (eCPM), with request-independent rules
(type, size, review, status, website/zone lists, categories, floor) already applied. A request
walks the groups best-first and stops at the first group with an eligible ad. Inside a large
group the winner is drawn by weighted rejection sampling: draw by weight, keep the first draw
that passes the request's rules; that is exactly a weighted-random choice among the eligible
members, and it looks at a handful of members instead of all of them.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from apps.audiences.consent.policy import CmpSettings

MICROS = 1_000_000
PRIORITY_RANK = {"sponsorship": 0, "standard": 1, "house": 2}
# Even pacing lets spend run this far ahead of the elapsed fraction of the day, so a campaign
# can start serving at midnight and small budgets are not starved.
PACING_LOOKAHEAD_SECONDS = 3600
SAMPLE_BATCH = 8
SAMPLE_ROUNDS = 3
SMALL_GROUP = 8
_RNG = random.Random()  # noqa: S311 - choosing ads, not secrets; one per process


class NoFill:
    """Why a decision filled nothing (stable strings; metrics count them)."""

    ZONE_PAUSED = "zone_paused"
    BOT = "bot_traffic"
    NO_CONSENT = "no_consent"
    NO_CANDIDATES = "no_candidates"
    NONE_ELIGIBLE = "none_eligible"


class Reason:
    """Why a candidate was not chosen (stable strings; the debug view lists them)."""

    NOT_STARTED = "campaign_not_started"
    ENDED = "campaign_ended"
    DAY = "outside_days"
    HOUR = "outside_hours"
    COUNTRY = "country_not_targeted"
    REGION = "region_not_targeted"
    DEVICE = "device_not_targeted"
    BROWSER = "browser_not_targeted"
    OS = "os_not_targeted"
    DAILY_BUDGET = "daily_budget_exhausted"
    TOTAL_BUDGET = "total_budget_exhausted"
    FUNDS = "advertiser_funds_exhausted"
    PACING = "pacing_ahead_of_schedule"
    FREQUENCY = "frequency_cap_reached"
    OUTBID = "outbid"
    TIE_BREAK = "lost_tie_break"
    BOT = "bot_traffic"
    ZONE_PAUSED = "zone_paused"
    COUNTERS_UNAVAILABLE = "spend_counters_unreachable"
    # Audiences and consent (apps/audiences).
    SEGMENT_NOT_MATCHED = "segment_not_matched"
    SEGMENT_EXCLUDED = "segment_excluded"
    SEGMENTS_NO_CONSENT = "segments_need_consent"
    SEGMENTS_UNAVAILABLE = "segments_unreachable"
    NO_CONSENT = "consent_required_by_website"


@dataclass(frozen=True, slots=True)
class Targeting:
    countries: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    devices: frozenset[str] = frozenset()
    browsers: frozenset[str] = frozenset()
    os: frozenset[str] = frozenset()
    days: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    # Segment ids (apps/audiences): the user must be in one of ``segments_include`` and in
    # none of ``segments_exclude``.
    segments_include: frozenset[int] = frozenset()
    segments_exclude: frozenset[int] = frozenset()

    @property
    def uses_segments(self) -> bool:
        return bool(self.segments_include or self.segments_exclude)


@dataclass(frozen=True, slots=True, eq=False)
class CampaignRule:
    """What serving needs of a campaign, compiled from the database."""

    id: int
    advertiser_id: int
    pricing_model: str  # cpm | cpc | cpa
    bid_micros: int  # the bid in millionths of the currency (CPM: per thousand impressions)
    start_date: date
    end_date: date | None
    tz: ZoneInfo
    pacing: str = "even"
    priority: str = "standard"
    daily_budget_micros: int | None = None
    total_budget_micros: int | None = None
    frequency_cap: int | None = None
    frequency_window_hours: int | None = None
    targeting: Targeting = field(default_factory=Targeting)
    # What the advertiser's wallet can pay in all (deposits and credit); None = no limit.
    advertiser_funds_micros: int | None = None
    # How the campaign's ads share its impressions: by weight, or "optimized" (Thompson
    # sampling on each ad's click-through rate).
    rotation: str = "weighted"
    # Where the campaign buys ("own" zones, "rtb" open-exchange inventory) and the currency
    # of its bid and budgets (the advertiser's; "" = the platform's).
    channels: frozenset[str] = frozenset({"own"})
    currency: str = ""

    @property
    def impression_cost_micros(self) -> int:
        """What one impression costs: CPM bid / 1000; CPC and CPA pay on later events."""
        return self.bid_micros // 1000 if self.pricing_model == "cpm" else 0


@dataclass(frozen=True, slots=True, eq=False)
class Candidate:
    """An ad that can fill a zone, with its campaign and its eCPM for that zone."""

    ad_id: int
    ad_uuid: str
    campaign: CampaignRule
    weight: int
    ecpm_micros: int
    creative: dict
    # Observed delivery (from the rollups) for learning rotation.
    impressions: int = 0
    clicks: int = 0


@dataclass(frozen=True, slots=True)
class TieGroup:
    rank: int
    ecpm_micros: int
    members: tuple[Candidate, ...]
    cumulative_weights: tuple[int, ...]

    @classmethod
    def of(cls, members: Sequence[Candidate]) -> TieGroup:
        total, cumulative = 0, []
        for member in members:
            total += max(1, member.weight)
            cumulative.append(total)
        first = members[0]
        return cls(
            rank=PRIORITY_RANK[first.campaign.priority],
            ecpm_micros=first.ecpm_micros,
            members=tuple(members),
            cumulative_weights=tuple(cumulative),
        )

    @property
    def key(self) -> tuple[int, int]:
        """Where the group sorts in its zone: priority tier, then eCPM, best first."""
        return (self.rank, -self.ecpm_micros)

    def draw(self, rng: random.Random) -> Candidate:
        point = rng.random() * self.cumulative_weights[-1]
        return self.members[bisect.bisect_right(self.cumulative_weights, point)]


@dataclass(slots=True)
class CompiledZone:
    id: int
    uuid: str
    website_id: int
    publisher_id: int
    owner_user_id: int | None
    type: str
    width: int | None
    height: int | None
    floor_micros: int
    active: bool
    groups: tuple[TieGroup, ...] = ()
    # Candidates the compiler refused for this zone, with the reason (for debug=1).
    static_rejections: tuple[tuple[int, str, int, str], ...] = ()  # ad id, uuid, campaign, why
    # The candidates of each campaign with optimized rotation, across groups (computed from
    # the groups when not given).
    rotations: dict[int, tuple[Candidate, ...]] | None = None
    # The website's consent settings (None: the defaults).
    cmp: CmpSettings | None = None

    def __post_init__(self) -> None:
        if self.rotations is not None:
            return
        optimized: dict[int, list[Candidate]] = {}
        for group in self.groups:
            for member in group.members:
                if member.campaign.rotation == "optimized":
                    optimized.setdefault(member.campaign.id, []).append(member)
        self.rotations = {cid: tuple(members) for cid, members in optimized.items()}


@dataclass(frozen=True, slots=True)
class RequestContext:
    now: datetime  # aware, UTC
    user_key: str
    country: str | None = None
    region: str | None = None
    device: str | None = None
    browser: str | None = None
    os: str | None = None
    is_bot: bool = False
    # Consent (apps/audiences/consent): without it ``user_key`` is "" (no frequency caps),
    # ``personalised`` is False (segment-targeted campaigns sit out), and where the website
    # serves nothing without consent ``consent_blocked`` is True.
    personalised: bool = True
    consent_blocked: bool = False


@dataclass(frozen=True, slots=True)
class Counters:
    spend_today_micros: int = 0
    spend_total_micros: int = 0
    user_impressions: int = 0
    advertiser_spend_micros: int = 0  # all-time, read only when the wallet is limited
    # False when the counter store could not be reached: money limits are then unknown.
    available: bool = True
    # The user's segments, read with the counters when a campaign targets segments; None
    # when they were not (or could not be) read.
    segments: frozenset[int] | None = None


UNAVAILABLE = Counters(available=False)


class CounterReader(Protocol):
    def read(
        self, campaigns: Iterable[CampaignRule], *, user_key: str, now: datetime
    ) -> dict[int, Counters]: ...


@dataclass(slots=True)
class Decision:
    candidate: Candidate | None
    # Filled only when explaining: (ad_id, ad_uuid, campaign_id, reason or None if eligible).
    explanation: list[tuple[int, str, int, str | None]] | None = None
    # Why nothing filled: the zone is paused, the visitor is a bot, the zone has no
    # candidates at all, or none of them was eligible for this request.
    no_fill: str | None = None

    @property
    def filled(self) -> bool:
        return self.candidate is not None


# --- Rules ------------------------------------------------------------------------------


def context_reason(campaign: CampaignRule, ctx: RequestContext) -> str | None:
    """Rules that depend on the request but not on counters; ``None`` when all pass."""
    local = ctx.now.astimezone(campaign.tz)
    today = local.date()
    if today < campaign.start_date:
        return Reason.NOT_STARTED
    if campaign.end_date is not None and today > campaign.end_date:
        return Reason.ENDED
    t = campaign.targeting
    if t.days and local.weekday() not in t.days:
        return Reason.DAY
    if t.hours and local.hour not in t.hours:
        return Reason.HOUR
    if t.countries and ctx.country not in t.countries:
        return Reason.COUNTRY
    if t.regions and ctx.region not in t.regions:
        return Reason.REGION
    if t.devices and ctx.device not in t.devices:
        return Reason.DEVICE
    if t.browsers and ctx.browser not in t.browsers:
        return Reason.BROWSER
    if t.os and ctx.os not in t.os:
        return Reason.OS
    if not ctx.personalised and t.uses_segments:
        return Reason.SEGMENTS_NO_CONSENT
    return None


def segment_reason(targeting: Targeting, segments: frozenset[int] | None) -> str | None:
    """Segment include/exclude rules against the user's segments (``None``: unknown, so a
    segment-targeted campaign sits out)."""
    if not targeting.uses_segments:
        return None
    if segments is None:
        return Reason.SEGMENTS_UNAVAILABLE
    if targeting.segments_include and targeting.segments_include.isdisjoint(segments):
        return Reason.SEGMENT_NOT_MATCHED
    if not targeting.segments_exclude.isdisjoint(segments):
        return Reason.SEGMENT_EXCLUDED
    return None


def counter_reason(campaign: CampaignRule, counters: Counters, ctx: RequestContext) -> str | None:
    """Segment, budget, pacing and frequency rules (what the store knows); ``None`` when all
    pass.

    Without counters (the store is unreachable) a campaign whose spending is limited (a
    daily or total budget, or a limited wallet) does not serve, so no budget is overspent;
    unlimited campaigns serve, and frequency caps cannot be checked until counters return.
    Segment-targeted campaigns sit out too: membership is unknown.
    """
    segments = segment_reason(campaign.targeting, counters.segments)
    if segments is not None:
        return segments
    if not counters.available:
        limited = (
            campaign.daily_budget_micros is not None
            or campaign.total_budget_micros is not None
            or campaign.advertiser_funds_micros is not None
        )
        return Reason.COUNTERS_UNAVAILABLE if limited else None
    cost = campaign.impression_cost_micros
    total = campaign.total_budget_micros
    if total is not None and counters.spend_total_micros + cost > total:
        return Reason.TOTAL_BUDGET
    if total is not None and counters.spend_total_micros >= total:
        return Reason.TOTAL_BUDGET
    funds = campaign.advertiser_funds_micros
    if funds is not None and (
        counters.advertiser_spend_micros >= funds or counters.advertiser_spend_micros + cost > funds
    ):
        return Reason.FUNDS
    daily = campaign.daily_budget_micros
    if daily is not None:
        if counters.spend_today_micros + cost > daily or counters.spend_today_micros >= daily:
            return Reason.DAILY_BUDGET
        if campaign.pacing == "even":
            local = ctx.now.astimezone(campaign.tz)
            elapsed = local.hour * 3600 + local.minute * 60 + local.second
            fraction = min(1.0, (elapsed + PACING_LOOKAHEAD_SECONDS) / 86400)
            if counters.spend_today_micros >= daily * fraction:
                return Reason.PACING
    if campaign.frequency_cap is not None and counters.user_impressions >= campaign.frequency_cap:
        return Reason.FREQUENCY
    return None


# --- The decision -----------------------------------------------------------------------


def decide(
    zone: CompiledZone,
    ctx: RequestContext,
    counters: CounterReader,
    *,
    rng: random.Random | None = None,
    explain: bool = False,
) -> Decision:
    """Choose the ad for ``zone``, or none. ``explain`` evaluates every candidate."""
    rng = rng or _RNG
    if explain:
        return _explain(zone, ctx, counters, rng)
    if not zone.active:
        return Decision(None, no_fill=NoFill.ZONE_PAUSED)
    if ctx.is_bot:
        return Decision(None, no_fill=NoFill.BOT)
    if ctx.consent_blocked:
        return Decision(None, no_fill=NoFill.NO_CONSENT)
    for group in zone.groups:
        winner = (
            _pick_small(group, ctx, counters, rng)
            if len(group.members) <= SMALL_GROUP
            else _pick_sampled(group, ctx, counters, rng)
        )
        if winner is not None:
            return Decision(_rotated(zone, winner, rng))
    return Decision(None, no_fill=NoFill.NONE_ELIGIBLE if zone.groups else NoFill.NO_CANDIDATES)


def _rotated(zone: CompiledZone, winner: Candidate, rng: random.Random) -> Candidate:
    """The campaign won; with optimized rotation its ad is chosen by Thompson sampling.

    Each ad's click-through rate has a Beta posterior (a uniform prior updated by its
    observed clicks and impressions); one draw per ad, the highest wins. New ads get their
    chance through the wide posterior, and impressions move to the best ad as evidence
    accumulates. Eligibility is per campaign, so every ad of the campaign is eligible here.
    """
    siblings = zone.rotations.get(winner.campaign.id)
    if not siblings or len(siblings) == 1:
        return winner
    return max(
        siblings,
        key=lambda c: rng.betavariate(1 + c.clicks, 1 + max(0, c.impressions - c.clicks)),
    )


def _eligible(members: Sequence[Candidate], ctx: RequestContext, counters: CounterReader):
    passing = [m for m in members if context_reason(m.campaign, ctx) is None]
    if not passing:
        return []
    values = counters.read({m.campaign for m in passing}, user_key=ctx.user_key, now=ctx.now)
    return [
        m
        for m in passing
        if counter_reason(m.campaign, values.get(m.campaign.id, Counters()), ctx) is None
    ]


def _weighted_choice(members: Sequence[Candidate], rng: random.Random) -> Candidate:
    if len(members) == 1:
        return members[0]
    return rng.choices(members, weights=[max(1, m.weight) for m in members])[0]


def _pick_small(group, ctx, counters, rng) -> Candidate | None:
    eligible = _eligible(group.members, ctx, counters)
    return _weighted_choice(eligible, rng) if eligible else None


def _pick_sampled(group: TieGroup, ctx, counters, rng) -> Candidate | None:
    for _ in range(SAMPLE_ROUNDS):
        draws = [group.draw(rng) for _ in range(SAMPLE_BATCH)]
        eligible = set(_eligible(list(dict.fromkeys(draws)), ctx, counters))
        for draw in draws:  # the first eligible draw, in draw order: rejection sampling
            if draw in eligible:
                return draw
    # Most of the group is ineligible: settle it exactly with one full pass.
    return _pick_small(group, ctx, counters, rng)


def _explain(zone: CompiledZone, ctx: RequestContext, counters: CounterReader, rng) -> Decision:
    rows: list[tuple[int, str, int, str | None]] = list(zone.static_rejections)
    members = [m for g in zone.groups for m in g.members]
    values = counters.read({m.campaign for m in members}, user_key=ctx.user_key, now=ctx.now)
    best_key = None
    eligible_by_group: list[Candidate] = []
    verdicts: dict[int, str | None] = {}
    for group in zone.groups:
        for m in group.members:
            if not zone.active:
                reason = Reason.ZONE_PAUSED
            elif ctx.is_bot:
                reason = Reason.BOT
            elif ctx.consent_blocked:
                reason = Reason.NO_CONSENT
            else:
                reason = context_reason(m.campaign, ctx)
            if reason is None:
                reason = counter_reason(m.campaign, values.get(m.campaign.id, Counters()), ctx)
            if reason is None and best_key not in (None, (group.rank, group.ecpm_micros)):
                reason = Reason.OUTBID
            if reason is None:
                best_key = (group.rank, group.ecpm_micros)
                eligible_by_group.append(m)
            verdicts[id(m)] = reason
    winner = _weighted_choice(eligible_by_group, rng) if eligible_by_group else None
    if winner is not None:
        winner = _rotated(zone, winner, rng)
        verdicts[id(winner)] = None
    for m in members:
        reason = verdicts[id(m)]
        if reason is None and m is not winner:
            reason = Reason.TIE_BREAK
        rows.append((m.ad_id, m.ad_uuid, m.campaign.id, reason))
    return Decision(winner, explanation=rows)


# --- Effective CPM ----------------------------------------------------------------------

# Smoothing priors: an ad with no history is assumed to click at 0.5 % and convert 2 % of
# clicks; observed counts pull the estimate toward the truth as they accumulate.
CTR_PRIOR = (1, 200)  # (clicks, impressions)
CR_PRIOR = (1, 50)  # (conversions, clicks)


def smoothed_ctr(impressions: int, clicks: int) -> float:
    return (clicks + CTR_PRIOR[0]) / (impressions + CTR_PRIOR[1])


def smoothed_cr(clicks: int, conversions: int) -> float:
    return (conversions + CR_PRIOR[0]) / (clicks + CR_PRIOR[1])


def effective_cpm_micros(
    pricing_model: str,
    bid_micros: int,
    *,
    impressions: int = 0,
    clicks: int = 0,
    conversions: int = 0,
) -> int:
    """The bid as value per thousand impressions, so CPM, CPC and CPA compete on one scale."""
    if pricing_model == "cpm":
        return bid_micros
    ctr = smoothed_ctr(impressions, clicks)
    if pricing_model == "cpc":
        return int(bid_micros * ctr * 1000)
    return int(bid_micros * ctr * smoothed_cr(clicks, conversions) * 1000)
