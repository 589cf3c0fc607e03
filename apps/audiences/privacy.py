"""End-user privacy (admins): everything held about one user key, and its erasure.

A user key is what serving stores (24 hex characters, ``user_key_of`` of the visitor id);
the API also accepts the visitor id itself (``?id_type=visitor_id``). The export lists
segment memberships, consent records, frequency counters and the raw events that carry the
key; the erasure removes the memberships, the consent records and the frequency counters,
and blanks the key on raw impressions. Each request is logged (``PrivacyRequest``), the
erasure included, with what it found or removed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from .models import ConsentRecord, PrivacyAction, PrivacyRequest

EXPORT_EVENT_LIMIT = 1000


def _frequency_names(user_key: str) -> list[str]:
    from apps.campaigns.models import Campaign
    from apps.delivery.store import frequency_key

    ids = Campaign.objects.filter(frequency_cap_impressions__isnull=False).values_list(
        "id", flat=True
    )
    return [frequency_key(campaign_id, user_key) for campaign_id in ids]


def privacy_export(*, user_key: str, actor) -> dict:
    from apps.delivery.models import ImpressionEvent
    from apps.delivery.store import hot_store

    from .models import Segment

    store = hot_store()
    memberships = store.user_memberships(user_key)
    segments = {s.pk: s for s in Segment.objects.filter(pk__in=list(memberships))}
    names = _frequency_names(user_key)
    counters = store.read(names)[0] if names else {}
    impressions = ImpressionEvent.objects.filter(user_key=user_key).order_by("-occurred_at")
    consent = ConsentRecord.objects.filter(user_key=user_key).order_by("-recorded_at")
    data = {
        "user_key": user_key,
        "generated_at": timezone.now().isoformat(),
        "segments": [
            {
                "segment_id": segment_id,
                "segment_uuid": str(segments[segment_id].uuid) if segment_id in segments else None,
                "name": segments[segment_id].name if segment_id in segments else None,
                "advertiser_id": segments[segment_id].advertiser_id
                if segment_id in segments
                else None,
                "expires_at": datetime.fromtimestamp(expiry, tz=UTC).isoformat(),
            }
            for segment_id, expiry in sorted(memberships.items())
        ],
        "consent_records": [
            {
                "uuid": str(r.uuid),
                "recorded_at": r.recorded_at.isoformat(),
                "source": r.source,
                "website_id": r.website_id,
                "gdpr_applies": r.gdpr_applies,
                "tcf_string": r.tcf_string,
                "tcf_valid": r.tcf_valid,
                "purposes_consent": r.purposes_consent,
                "us_privacy": r.us_privacy,
                "gpp": r.gpp,
                "gpc": r.gpc,
                "personalised": r.personalised,
            }
            for r in consent
        ],
        "frequency_counters": [
            {"campaign_id": int(name.split(":")[1]), "impressions": value}
            for name, value in sorted(counters.items())
        ],
        "impressions": {
            "count": impressions.count(),
            "latest": [
                {
                    "uuid": str(row.uuid),
                    "occurred_at": row.occurred_at.isoformat(),
                    "campaign_id": row.campaign_id,
                    "zone_id": row.zone_id,
                    "country": row.country,
                    "device": row.device,
                }
                for row in impressions[:EXPORT_EVENT_LIMIT]
            ],
        },
    }
    PrivacyRequest.objects.create(
        user_key=user_key,
        action=PrivacyAction.EXPORT,
        actor=actor,
        summary={
            "segments": len(data["segments"]),
            "consent_records": len(data["consent_records"]),
            "frequency_counters": len(data["frequency_counters"]),
            "impressions": data["impressions"]["count"],
        },
    )
    return data


@transaction.atomic
def privacy_erase(*, user_key: str, actor) -> dict:
    from apps.delivery.models import ImpressionEvent
    from apps.delivery.store import hot_store

    store = hot_store()
    left = store.segments_forget_user(user_key)
    names = _frequency_names(user_key)
    counters = store.read(names)[0] if names else {}
    if counters:
        store.add([(name, -value, None) for name, value in counters.items()])
    consent, _ = ConsentRecord.objects.filter(user_key=user_key).delete()
    impressions = ImpressionEvent.objects.filter(user_key=user_key).update(user_key="")
    summary = {
        "segments_left": left,
        "consent_records_deleted": consent,
        "frequency_counters_reset": len(counters),
        "impressions_unkeyed": impressions,
    }
    PrivacyRequest.objects.create(
        user_key=user_key, action=PrivacyAction.ERASE, actor=actor, summary=summary
    )
    return summary
