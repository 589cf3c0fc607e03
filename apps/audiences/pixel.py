"""The retargeting pixel: ``GET /api/v1/track/segment/{segment_uuid}/pixel`` (hot-path lane).

It adds the visitor to the segment for the segment's TTL, where consent allows profiling
(purposes 1, 3 and 4 where GDPR applies, no US Privacy opt-out, no GPC): by ``uid`` when the
advertiser's page passes one, else by our visitor cookie, which it sets when missing. It
always answers the 1x1 GIF. A segment's id and TTL are looked up once and remembered by the
process for ``SEGMENT_MEMORY_SECONDS``, so a warm pixel makes no SQL query: one store call
counts the public rate limit and adds the membership.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from apps.common.net import client_ip
from apps.common.ratelimit import rate_record, rate_window

from .consent.serving import after_serve, request_consent, visitor_cookie_set

logger = logging.getLogger(__name__)
SEGMENT_MEMORY_SECONDS = 30.0
SEGMENT_MEMORY_SIZE = 10_000
_segments: OrderedDict[str, tuple[float, tuple[int, int] | None]] = OrderedDict()
_lock = threading.Lock()


def _segment(segment_uuid: str) -> tuple[int, int] | None:
    """(id, ttl seconds) of a segment, or None; remembered for a short while."""
    now = time.monotonic()
    found = _segments.get(segment_uuid)
    if found is not None and now - found[0] < SEGMENT_MEMORY_SECONDS:
        return found[1]
    from .models import Segment

    row = Segment.objects.filter(uuid=segment_uuid).values_list("id", "ttl_days").first()
    value = (row[0], row[1] * 86400) if row else None
    with _lock:
        _segments[segment_uuid] = (now, value)
        _segments.move_to_end(segment_uuid)
        while len(_segments) > SEGMENT_MEMORY_SIZE:
            _segments.popitem(last=False)
    return value


def segment_memory_forget() -> None:
    with _lock:
        _segments.clear()


@csrf_exempt
def segment_pixel(request: HttpRequest, segment_uuid: str) -> HttpResponse:
    from apps.delivery.context import geolocate, parse_user_agent, user_key_of, visitor_id
    from apps.delivery.http import gif
    from apps.delivery.store import StoreUnavailableError, hot_store

    response = gif()
    try:
        key = str(uuid.UUID(segment_uuid))
    except ValueError:
        return response
    if parse_user_agent(request.META.get("HTTP_USER_AGENT", "")[:512]).is_bot:
        return response
    try:
        segment = _segment(key)
    except DatabaseError as exc:
        logger.warning("Segment pixel without a database: %s", exc)
        return response
    if segment is None:
        return response
    country = request.GET.get("country", "").upper()[:2] or geolocate(client_ip(request))[0]
    signals, decision = request_consent(request, None, country)
    raw_id, source = visitor_id(request)
    if not (decision.user_key and decision.personalised):
        after_serve(
            request,
            response,
            source="pixel",
            signals=signals,
            decision=decision,
            user_key="",
            website_id=None,
            country=country,
        )
        return response
    if source != "uid":
        raw_id = visitor_cookie_set(request, response, raw_id, mint=True)
    user_key = user_key_of(raw_id)
    window = rate_window(group="track", key=client_ip(request), rate=settings.RATELIMIT_PUBLIC)
    try:
        count = hot_store().segments_add([(user_key, segment[0], segment[1])], rate=window)
    except StoreUnavailableError as exc:
        logger.warning("Segment pixel not counted: %s", exc)
        return response
    if window is not None and count is not None:
        rate_record(request, window, count)
    after_serve(
        request,
        response,
        source="pixel",
        signals=signals,
        decision=decision,
        user_key=user_key,
        website_id=None,
        country=country,
    )
    return response
