"""Draft creatives from a partner's material (a list of asset URIs).

An image becomes a banner and a video a video ad. Nothing is downloaded: the kind comes from
the file extension, and a banner's size from a ``WIDTHxHEIGHT`` in the file name when there is
one (``summer_728x90.png``), otherwise a common default that the advertiser confirms on the
finishing page. Anything else (a web page, an unknown file type) is reported as unusable.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from apps.common.adformats import MAX_DIMENSION, AdType

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".avif"})
VIDEO_MIME_BY_EXTENSION = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".ogg": "video/ogg",
    ".m3u8": "application/x-mpegURL",
}
DEFAULT_BANNER_SIZE = (300, 250)
DEFAULT_VIDEO_SECONDS = 30
_SIZE_IN_NAME = re.compile(r"(?<!\d)(\d{2,4})[x×X](\d{2,4})(?!\d)")


@dataclass(frozen=True)
class DraftCreative:
    type: str
    url: str
    width: int | None = None
    height: int | None = None
    video_mime: str = ""
    duration_seconds: int | None = None
    size_from_name: bool = False


def _file_name(url: str) -> str:
    return unquote(posixpath.basename(urlsplit(url).path)).lower()


def draft_creative_for(url: str) -> DraftCreative | None:
    name = _file_name(url)
    extension = posixpath.splitext(name)[1]
    if extension in IMAGE_EXTENSIONS:
        match = _SIZE_IN_NAME.search(name)
        if match:
            width, height = int(match.group(1)), int(match.group(2))
            if 1 <= width <= MAX_DIMENSION and 1 <= height <= MAX_DIMENSION:
                return DraftCreative(
                    AdType.BANNER, url, width=width, height=height, size_from_name=True
                )
        width, height = DEFAULT_BANNER_SIZE
        return DraftCreative(AdType.BANNER, url, width=width, height=height)
    if extension in VIDEO_MIME_BY_EXTENSION:
        return DraftCreative(
            AdType.VIDEO,
            url,
            video_mime=VIDEO_MIME_BY_EXTENSION[extension],
            duration_seconds=DEFAULT_VIDEO_SECONDS,
        )
    return None


def draft_creatives(material: list[str]) -> tuple[list[DraftCreative], list[str]]:
    """(the creatives that can be made, the URIs that cannot), each in the order given."""
    creatives, unusable = [], []
    for url in material:
        creative = draft_creative_for(url)
        if creative is None:
            unusable.append(url)
        else:
            creatives.append(creative)
    return creatives, unusable
