"""The demo publisher page: a small news site that places the demo publisher's zones with the
exact embed codes a publisher copies from the dashboard (async tag, iframe, image + link).

It reads the zones of ``publisher@demo.local`` (``apps.inventory.demo``) and renders them in
the page's slots; without demo data it explains how to load it. It never decides or counts
anything itself: every ad on the page comes from the public serve endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from apps.inventory.demo import DEMO_PUBLISHER_EMAIL, DEMO_ZONES
from apps.inventory.embed import zone_embed
from apps.inventory.models import Zone, ZoneStatus

# Where each demo zone sits on the page (by its demo name); any other zone of the demo
# publisher is shown in the "More from our partners" block.
SLOT_BY_NAME = {
    "Leaderboard": "leaderboard",
    "Sidebar": "sidebar",
    "Text links": "text",
    "Native feed": "native",
    "Pre-roll": "video",
}
# The zones also placed with the two script-free tags.
IFRAME_ZONE = "Sidebar"
IMAGE_ZONE = "Leaderboard"


@dataclass(frozen=True)
class PlacedZone:
    zone: Zone
    async_tag: SafeString  # the <ins> element of the async tag (the script is loaded once)
    iframe_tag: SafeString
    image_tag: SafeString

    @property
    def label(self) -> str:
        size = f" {self.zone.width}×{self.zone.height}" if self.zone.size else ""
        return f"{self.zone.name} · {self.zone.get_type_display()}{size}"


def _place(zone: Zone) -> PlacedZone:
    # embed.py builds these from the zone's uuid and integers and escapes every URL and the
    # zone name, so they are safe to put in the page as they are.
    embed = zone_embed(zone=zone)
    ins = embed["async_js"].split("\n", 1)[0]
    return PlacedZone(
        zone=zone,
        async_tag=mark_safe(ins),  # noqa: S308
        iframe_tag=mark_safe(embed["iframe"]),  # noqa: S308
        image_tag=mark_safe(embed["image"]),  # noqa: S308
    )


def demo_zones() -> list[Zone]:
    return list(
        Zone.objects.filter(
            website__publisher__user__email=DEMO_PUBLISHER_EMAIL, status=ZoneStatus.ACTIVE
        )
        .select_related("website")
        .order_by("id")
    )


@require_GET
def demo_page(request: HttpRequest) -> HttpResponse:
    slots: dict[str, PlacedZone] = {}
    extra: list[PlacedZone] = []
    by_name: dict[str, PlacedZone] = {}
    for zone in demo_zones():
        placed = _place(zone)
        by_name.setdefault(zone.name, placed)
        slot = SLOT_BY_NAME.get(zone.name)
        if slot and slot not in slots:
            slots[slot] = placed
        else:
            extra.append(placed)
    context = {
        "has_demo": bool(slots or extra),
        "slots": slots,
        "extra": extra,
        "iframe_zone": by_name.get(IFRAME_ZONE),
        "image_zone": by_name.get(IMAGE_ZONE),
        "publisher_email": DEMO_PUBLISHER_EMAIL,
        "demo_zone_names": [name for name, *_ in DEMO_ZONES],
        "all_placed": list(slots.values()) + extra,
    }
    response = render(request, "delivery/demo.html", context)
    response["Cache-Control"] = "no-store"
    return response
