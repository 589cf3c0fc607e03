"""The ``adm`` of our bids: HTML for banners, VAST 4.2 for video, a native response.

Every markup carries the bid's billing URL as its impression beacon (a pixel, VAST's
``<Impression>``, a native ``imptracker``): an exchange that never calls ``burl`` still bills
when the ad renders, and one that does bills once, since both are the same idempotent notice.
Clicks go through our click tracking (``/api/v1/track/click``), which redirects to the ad's
own destination only.
"""

from __future__ import annotations

import html
from typing import Any

import msgspec
from django.conf import settings

from apps.delivery.index import AdRecord
from apps.delivery.vast import QUARTILE_EVENTS, VastCreative, vast_inline

_SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox"


def _pixel(url: str) -> str:
    src = html.escape(url, quote=True)
    return f'<img src="{src}" width="1" height="1" style="display:none" alt="">'


def banner_markup(record: AdRecord, *, click_url: str, billing_url: str, w: int, h: int) -> str:
    creative = record.creative
    if record.type == "html":
        frame = (
            f'<iframe sandbox="{_SANDBOX}" srcdoc="{html.escape(creative.get("html") or "")}" '
            f'width="{w}" height="{h}" frameborder="0" scrolling="no" '
            'style="border:0;overflow:hidden"></iframe>'
        )
        return frame + _pixel(billing_url)
    alt = html.escape(creative.get("headline") or "", quote=True)
    image = html.escape(creative.get("image_url") or "", quote=True)
    return (
        f'<a href="{html.escape(click_url, quote=True)}" target="_blank" rel="noopener">'
        f'<img src="{image}" width="{w}" height="{h}" alt="{alt}" style="border:0"></a>'
        + _pixel(billing_url)
    )


def video_markup(
    record: AdRecord,
    *,
    impression_uuid: str,
    click_url: str,
    billing_url: str,
    tracking_base: str,
    w: int | None,
    h: int | None,
) -> str | None:
    video = record.video
    if not video:
        return None
    creative = VastCreative(
        ad_uuid=record.ad_uuid,
        impression_uuid=impression_uuid,
        title=video["title"],
        advertiser=video["advertiser"],
        duration_seconds=video["duration"],
        media_url=video["url"],
        media_type=video["mime"],
        width=record.width or w or 640,
        height=record.height or h or 360,
        click_through=click_url,
        impression_url=billing_url,
        error_url=f"{tracking_base}&event=error&code=[ERRORCODE]",
        tracking_urls={event: f"{tracking_base}&event={event}" for event in QUARTILE_EVENTS},
    )
    return vast_inline(creative, ad_system=settings.VAST_AD_SYSTEM).decode()


# Native 1.2 data asset types we can fill (list 7.4): sponsored, description, CTA text.
_DATA_FIELDS = {1: "sponsor", 2: "body", 12: "call_to_action"}


def native_markup(
    record: AdRecord, *, request_text: str, click_url: str, billing_url: str
) -> str | None:
    """A native response filling the request's assets, or None when a required one cannot
    be filled (or the request is not a native markup request)."""
    try:
        parsed = msgspec.json.decode(request_text)
    except msgspec.DecodeError:
        return None
    wrapped = isinstance(parsed, dict) and isinstance(parsed.get("native"), dict)
    spec = parsed["native"] if wrapped else parsed
    if not isinstance(spec, dict) or not isinstance(spec.get("assets"), list):
        return None
    creative = record.creative
    assets: list[dict[str, Any]] = []
    for asset in spec["assets"]:
        if not isinstance(asset, dict) or not isinstance(asset.get("id"), int):
            return None
        filled = _asset(asset, creative)
        if filled is None:
            if asset.get("required") == 1:
                return None
            continue
        assets.append({"id": asset["id"], **filled})
    body = {
        "ver": "1.2",
        "assets": assets,
        "link": {"url": click_url},
        "imptrackers": [billing_url],
    }
    return msgspec.json.encode({"native": body} if wrapped else body).decode()


def _asset(asset: dict, creative: dict) -> dict | None:
    if isinstance(asset.get("title"), dict):
        text = creative.get("headline") or ""
        limit = asset["title"].get("len")
        if isinstance(limit, int) and limit > 0:
            text = text[:limit]
        return {"title": {"text": text}} if text else None
    if isinstance(asset.get("img"), dict):
        url = creative.get("image_url")
        return {"img": {"url": url}} if url else None
    if isinstance(asset.get("data"), dict):
        name = _DATA_FIELDS.get(asset["data"].get("type"))
        value = creative.get(name) if name else None
        if not value:
            return None
        limit = asset["data"].get("len")
        if isinstance(limit, int) and limit > 0:
            value = value[:limit]
        return {"data": {"value": value}}
    return None
