"""VAST 4.2 documents for video zones: an InLine ad, or an ``<Error>`` when nothing fills."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree as ET

VAST_NS = "http://www.iab.com/VAST"
VAST_VERSION = "4.2"
NO_AD_ERROR_CODE = 303  # VAST error 303: no ads returned after wrappers / nothing to serve
QUARTILE_EVENTS = ("start", "firstQuartile", "midpoint", "thirdQuartile", "complete")


@dataclass(frozen=True, slots=True)
class VastCreative:
    ad_uuid: str
    impression_uuid: str
    title: str
    advertiser: str
    duration_seconds: int
    media_url: str
    media_type: str
    width: int
    height: int
    click_through: str
    impression_url: str
    error_url: str
    tracking_urls: dict[str, str]  # event name → URL


def _duration(seconds: int) -> str:
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.000"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        node.text = text
    return node


def _document(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def vast_inline(creative: VastCreative, *, ad_system: str) -> bytes:
    root = ET.Element("VAST", {"version": VAST_VERSION, "xmlns": VAST_NS})
    ad = _sub(root, "Ad", id=creative.ad_uuid)
    inline = _sub(ad, "InLine")
    _sub(inline, "AdSystem", ad_system, version="1.0")
    _sub(inline, "Error", creative.error_url)
    _sub(inline, "Impression", creative.impression_url, id=creative.impression_uuid)
    _sub(inline, "AdServingId", creative.impression_uuid)
    _sub(inline, "AdTitle", creative.title)
    if creative.advertiser:
        _sub(inline, "Advertiser", creative.advertiser)
    creatives = _sub(inline, "Creatives")
    creative_node = _sub(creatives, "Creative", id=creative.ad_uuid, adId=creative.ad_uuid)
    linear = _sub(creative_node, "Linear")
    # The schema's order: TrackingEvents (from the base type), then Duration, MediaFiles, clicks.
    events = _sub(linear, "TrackingEvents")
    for event in QUARTILE_EVENTS:
        if event in creative.tracking_urls:
            _sub(events, "Tracking", creative.tracking_urls[event], event=event)
    _sub(linear, "Duration", _duration(creative.duration_seconds))
    media_files = _sub(linear, "MediaFiles")
    _sub(
        media_files,
        "MediaFile",
        creative.media_url,
        delivery="progressive",
        type=creative.media_type,
        width=creative.width,
        height=creative.height,
    )
    clicks = _sub(linear, "VideoClicks")
    _sub(clicks, "ClickThrough", creative.click_through, id=creative.ad_uuid)
    _sub(creative_node, "UniversalAdId", creative.ad_uuid, idRegistry="adplatform")
    return _document(root)


def vast_error(message: str = "No ad available", code: int = NO_AD_ERROR_CODE) -> bytes:
    """An empty response: a VAST document whose only child is ``<Error>``."""
    root = ET.Element("VAST", {"version": VAST_VERSION, "xmlns": VAST_NS})
    _sub(root, "Error", f"{message} (VAST error {code})")
    return _document(root)
