"""Lookalike audiences: visitors who behave like a seed segment's members.

The model, honestly stated: each user key with impressions in the last
``LOOKALIKE_LOOKBACK_DAYS`` days (only visitors who allowed per-user measurement keep their
key on raw impressions) gets a sparse vector of where it was seen, one dimension per
website (``w:<id>``) and per website category (``c:<name>``), each count damped as
``log(1 + n)``, the vector scaled to length 1. The seed profile is the mean of the vectors
of the seed's members that have any behaviour. A candidate's score is the cosine between
its vector and the seed profile (0 to 1: all counts are positive); candidates scoring at or
above the audience's ``similarity_threshold`` who are not in the seed join the segment.

It knows nothing but where people were served ads: no demographics, no conversions, no
time of day. A seed without behaviour (e.g. a list nobody was seen from yet) finds no one.
At most ``LOOKALIKE_MAX_CANDIDATES`` user keys are scored (taken in user-key order, i.e. a
pseudo-random sample, since keys are hashes). The estimate scores a sample of
``ESTIMATE_SAMPLE`` candidates and scales the share that passes to all candidates.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from .models import Audience, AudienceStatus, Segment

logger = logging.getLogger(__name__)
ESTIMATE_SAMPLE = 5000
MAX_SEED_MEMBERS = 100_000
Vector = dict[str, float]


def _zones() -> dict[int, tuple[int, str]]:
    from apps.inventory.models import Zone

    return {
        zone_id: (website_id, category or "")
        for zone_id, website_id, category in Zone.objects.values_list(
            "id", "website_id", "website__category"
        )
    }


def _impressions():
    from apps.delivery.models import ImpressionEvent

    since = timezone.now() - timedelta(days=settings.LOOKALIKE_LOOKBACK_DAYS)
    return ImpressionEvent.objects.filter(occurred_at__gte=since).exclude(user_key="")


def _normalised(counts: dict[str, int]) -> Vector:
    damped = {k: math.log1p(n) for k, n in counts.items()}
    length = math.sqrt(sum(v * v for v in damped.values()))
    return {k: v / length for k, v in damped.items()} if length else {}


def behaviour_vectors(
    user_keys: Iterable[str] | None = None, *, limit: int | None = None
) -> dict[str, Vector]:
    """Vectors of the given user keys (or of the first ``limit`` keys seen)."""
    zones = _zones()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(rows):
        for user_key, zone_id, n in rows:
            website, category = zones.get(zone_id, (None, ""))
            if website is None:
                continue
            counts[user_key][f"w:{website}"] += n
            if category:
                counts[user_key][f"c:{category}"] += n

    grouped = _impressions().values("user_key", "zone_id").annotate(n=Count("id"))
    if user_keys is not None:
        keys = list(dict.fromkeys(user_keys))
        for start in range(0, len(keys), 1000):
            add(
                grouped.filter(user_key__in=keys[start : start + 1000]).values_list(
                    "user_key", "zone_id", "n"
                )
            )
    else:
        for row in (
            grouped.order_by("user_key")
            .values_list("user_key", "zone_id", "n")
            .iterator(chunk_size=5000)
        ):
            if limit is not None and row[0] not in counts and len(counts) >= limit:
                break
            add([row])
    return {key: _normalised(c) for key, c in counts.items()}


def seed_members(segment: Segment) -> list[str]:
    from apps.delivery.store import hot_store

    store, members, cursor = hot_store(), set(), ""
    while len(members) < MAX_SEED_MEMBERS:
        cursor, page = store.segment_members(segment.pk, cursor=cursor, count=1000)
        members.update(page)
        if not cursor:
            break
    return sorted(members)


def seed_profile(vectors: Iterable[Vector]) -> Vector:
    total: dict[str, float] = defaultdict(float)
    count = 0
    for vector in vectors:
        if vector:
            count += 1
            for k, v in vector.items():
                total[k] += v
    return {k: v / count for k, v in total.items()} if count else {}


def cosine(vector: Vector, profile: Vector, profile_length: float) -> float:
    if not vector or not profile_length:
        return 0.0
    dot = sum(v * profile.get(k, 0.0) for k, v in vector.items())
    return dot / profile_length  # vectors are unit length


def _score(seed: Segment, threshold: float, limit: int):
    members = seed_members(seed)
    seed_vectors = behaviour_vectors(members)
    profile = seed_profile(seed_vectors.values())
    length = math.sqrt(sum(v * v for v in profile.values()))
    candidates = behaviour_vectors(limit=limit)
    seeded = set(members)
    matches = [
        key
        for key, vector in candidates.items()
        if key not in seeded and cosine(vector, profile, length) >= threshold
    ]
    return members, seed_vectors, candidates, matches


def lookalike_estimate(*, seed: Segment, threshold: float) -> dict:
    members, seed_vectors, sample, matches = _score(seed, threshold, ESTIMATE_SAMPLE)
    total = _impressions().values("user_key").distinct().count()
    scored = len(sample)
    estimated = (
        round(len(matches) / scored * min(total, settings.LOOKALIKE_MAX_CANDIDATES))
        if scored
        else 0
    )
    return {
        "seed_size": len(members),
        "seed_with_behaviour": sum(1 for v in seed_vectors.values() if v),
        "candidates": total,
        "sampled": scored,
        "sample_matches": len(matches),
        "estimated_size": estimated,
        "similarity_threshold": threshold,
        "model": "cosine similarity of website/category visit vectors",
    }


def lookalike_build(audience_id: int) -> Audience:
    from apps.delivery.store import hot_store

    from .services import segment_members_changed

    audience = Audience.objects.select_related("segment", "seed_segment").get(pk=audience_id)
    segment = audience.segment
    try:
        if audience.seed_segment is None:
            raise ValueError("the seed segment was deleted")
        started = time.time()
        threshold = float(audience.similarity_threshold or 0)
        _, _, _, matches = _score(
            audience.seed_segment, threshold, settings.LOOKALIKE_MAX_CANDIDATES
        )
        store, ttl = hot_store(), segment.ttl_seconds
        for start in range(0, len(matches), 1000):
            store.segments_add([(key, segment.pk, ttl) for key in matches[start : start + 1000]])
        store.segment_trim(segment.pk, expiring_before=started + ttl)
    except Exception as exc:
        logger.exception("Lookalike %s failed", audience.pk)
        Audience.objects.filter(pk=audience.pk).update(
            status=AudienceStatus.FAILED, last_error=str(exc)[:500]
        )
    else:
        Audience.objects.filter(pk=audience.pk).update(
            status=AudienceStatus.READY,
            estimated_size=len(matches),
            built_at=timezone.now(),
            last_error="",
        )
        segment_members_changed(segment)
    audience.refresh_from_db()
    return audience
