"""Ready-to-paste ad tags for a zone, all pointing at the public serve endpoints.

Three ways to place a zone: the async JavaScript tag (the default), an iframe (for pages that
cannot run our script), and a plain image wrapped in a click link (e-mail, ``<noscript>``).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.html import escape

from .models import Zone

IFRAME_SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox"


def zone_embed_urls(*, zone: Zone) -> dict[str, str]:
    site = settings.SITE_URL.rstrip("/")
    serve = f"{site}/api/v1/serve/{zone.uuid}"
    return {
        "serve": serve,
        "iframe": f"{serve}/iframe",
        "image": f"{serve}/image",
        "click": f"{serve}/click",
        "script": f"{site}/static/adtag.js",
    }


def _size_attrs(zone: Zone, prefix: str = "") -> str:
    if zone.width is None or zone.height is None:
        return ""
    return f' {prefix}width="{zone.width}" {prefix}height="{zone.height}"'


def zone_embed(*, zone: Zone) -> dict:
    urls = zone_embed_urls(zone=zone)
    uuid = str(zone.uuid)
    async_js = (
        f'<ins class="adp-zone" data-zone="{uuid}"{_size_attrs(zone, "data-")}></ins>\n'
        f'<script async src="{escape(urls["script"])}"></script>'
    )
    iframe = (
        f'<iframe src="{escape(urls["iframe"])}"{_size_attrs(zone)} frameborder="0" '
        f'scrolling="no" sandbox="{IFRAME_SANDBOX}" title="{escape(zone.name)}"></iframe>'
    )
    image = (
        f'<a href="{escape(urls["click"])}" target="_blank" rel="noopener sponsored">'
        f'<img src="{escape(urls["image"])}"{_size_attrs(zone)} alt="Advertisement"></a>'
    )
    return {"zone_uuid": uuid, "async_js": async_js, "iframe": iframe, "image": image, "urls": urls}
