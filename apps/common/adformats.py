"""Ad formats shared by zones (what a slot accepts) and ads (what a creative is).

A zone of a given type accepts ads of the same type. ``banner`` and ``html`` ads fill a fixed
slot, so their width and height must equal the zone's; ``text`` and ``native`` adapt to the
slot and carry no size; ``video`` carries an optional player size and is served through VAST.
"""

from django.db import models


class AdType(models.TextChoices):
    BANNER = "banner", "Banner"
    TEXT = "text", "Text"
    NATIVE = "native", "Native"
    HTML = "html", "HTML"
    VIDEO = "video", "Video"


SIZED_TYPES = frozenset({AdType.BANNER, AdType.HTML})
MAX_DIMENSION = 4000

# The IAB sizes dashboards offer first; any size up to MAX_DIMENSION is accepted.
STANDARD_SIZES = [
    (728, 90),
    (300, 250),
    (336, 280),
    (300, 600),
    (160, 600),
    (120, 600),
    (320, 50),
    (320, 100),
    (468, 60),
    (970, 90),
    (970, 250),
    (250, 250),
    (200, 200),
    (300, 50),
]

VIDEO_MIME_TYPES = ["video/mp4", "video/webm", "video/ogg", "application/x-mpegURL"]


def size_required(ad_type: str) -> bool:
    return ad_type in SIZED_TYPES


def ad_fits_zone(
    *, ad_type: str, ad_width, ad_height, zone_type: str, zone_width, zone_height
) -> bool:
    """Whether an ad of this type and size can fill a zone of that type and size."""
    if ad_type != zone_type:
        return False
    if ad_type in SIZED_TYPES:
        return ad_width == zone_width and ad_height == zone_height
    return True
