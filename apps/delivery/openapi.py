"""OpenAPI entries for the public serve and tracking endpoints.

They are plain Django views (the hot path does not go through DRF), so drf-spectacular cannot
see them; this post-processing hook adds them to the schema by hand.
"""

from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/ErrorOutput"}
GIF = {"image/gif": {"schema": {"type": "string", "format": "binary"}}}
ZONE = {
    "name": "zone_uuid",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}
TOKEN = {
    "name": "t",
    "in": "query",
    "required": False,
    "description": "The signed token from the served ad's URLs.",
    "schema": {"type": "string"},
}
OVERRIDES = [
    {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": d}
    for name, d in (
        ("device", "desktop, mobile or tablet (else from the User-Agent)"),
        ("browser", "e.g. chrome (else from the User-Agent)"),
        ("os", "e.g. android (else from the User-Agent)"),
        ("country", "ISO 3166 alpha-2 (else from the client address)"),
        ("region", "ISO 3166-2, e.g. US-CA"),
        ("uid", "a stable user id for frequency caps and segments (used as consent allows)"),
        ("fpid", "the ad tag's first-party id (after uid and the adp_uid cookie)"),
        ("gdpr", "1: GDPR applies to this request (0 cannot switch it off)"),
        ("gdpr_consent", "IAB TCF v2.2/2.3 TC string"),
        ("us_privacy", "IAB US Privacy string, e.g. 1YNN (1-Y-: opted out)"),
        ("gpp", "IAB GPP string (its TCF EU and US Privacy sections are applied)"),
        ("gpp_sid", "GPP section ids that apply, comma-separated"),
        ("debug", "1: list every candidate and why it lost (zone owner or admin only)"),
    )
]
AD = {
    "type": "object",
    "properties": {
        key: {"type": "string", "nullable": True}
        for key in (
            "uuid",
            "type",
            "headline",
            "body",
            "image_url",
            "html",
            "video_url",
            "vast_url",
            "click_url",
            "impression_url",
            "viewable_url",
            "call_to_action",
            "sponsor",
        )
    }
    | {
        "width": {"type": "integer", "nullable": True},
        "height": {"type": "integer", "nullable": True},
    },
}
SERVE_OK = {
    "type": "object",
    "properties": {
        "success": {"type": "boolean"},
        "data": {
            "type": "object",
            "nullable": True,
            "properties": {
                "impression_uuid": {"type": "string", "format": "uuid"},
                "zone_uuid": {"type": "string", "format": "uuid"},
                "token": {
                    "type": "string",
                    "nullable": True,
                    "description": "null when a demand partner filled the zone",
                },
                "expires_at": {"type": "string", "format": "date-time", "nullable": True},
                "source": {
                    "type": "string",
                    "enum": ["partner"],
                    "description": "Present when a demand partner's bid filled the zone "
                    "(its creative is `ad.html`, its impression counted by `impression_url`).",
                },
                "ad": AD,
            },
        },
    },
}

# What each operation does and who calls it (all are public: no credentials).
DESCRIPTIONS = {
    "serve_zone_iframe": (
        "Public, for pages that cannot run the ad tag's script: an HTML document meant for a "
        "sandboxed iframe (it is sent with a sandbox CSP), holding the chosen ad with its "
        "tracking URLs, or no ad when nothing fills. The same decision and query overrides as "
        "the JSON serve."
    ),
    "serve_zone_image": (
        "Public, for `<noscript>` and e-mail: redirects to the chosen ad's image (or to a "
        "blank GIF when nothing fills); pair it with `/click` on the same zone so the click "
        "goes to the ad that was shown."
    ),
    "serve_zone_click": (
        "Public, the link beside `/image`: sends the visitor through click tracking to the "
        "destination of the ad they were shown in the zone (or of a fresh choice when none is "
        "remembered); 404 when nothing fills."
    ),
    "serve_zone": (
        "Public, no authentication: the ad tag calls it. Picks the best eligible ad for the "
        "zone under the campaigns' targeting, budgets, pacing and frequency caps and the "
        "visitor's consent, and answers it with a signed token and its tracking URLs, or "
        "`data: null` when nothing fills; demand partners set up for the zone may outbid it "
        "within a deadline. Rate limited per client address; `debug=1` from the zone's owner "
        "or an admin adds why each candidate lost."
    ),
    "serve_zone_vast": (
        "Public, for video players. Answers VAST 4.2 InLine for the ad of a served token "
        "(`t`), or of a fresh decision without one, with its impression, click and quartile "
        "tracking URLs. An unknown or non-video zone, an invalid or expired token, or no fill "
        "answers a VAST Error document; rate limited per client address."
    ),
    "track_impression": (
        "Public, called by the ad tag with the served `token` (or the `impression_uuid`, or "
        "`zone_uuid` and `ad_uuid` for the same visitor, shortly after the serve). Counts the "
        "impression once and charges CPM spend: 201 when counted, 200 with `counted: false` "
        "and a `reason` when not (duplicate, bot, rate limited, mismatch). A missing, invalid "
        "or expired token is 400; refused events are kept as invalid traffic and never "
        "billed."
    ),
    "track_impression_pixel": (
        "Public image beacon behind the served ad's `impression_url`. Counts the impression "
        "once and charges CPM spend when the token is valid, the client is not a bot and its "
        "User-Agent is the one the ad was served to; refused hits are kept as invalid "
        "traffic. Always answers the GIF."
    ),
    "track_click_redirect": (
        "Public: the served ad's `click_url`. Counts the click once (charging CPC spend) and "
        "redirects to the ad's own destination with an `adx_click` id for conversions; a "
        "repeated or bot click still redirects but is not counted. An invalid or expired "
        "token is 400."
    ),
    "track_click": (
        "Public, for tags that handle clicks themselves, with the served `token` (or the "
        "impression's names). Counts the click once (charging CPC spend) and answers its "
        "`click_uuid` and the `redirect_url` to follow, always the ad's own destination "
        "(another `destination_url` is 400). 201 when counted, 200 with `counted: false` and "
        "a `reason` otherwise."
    ),
    "track_conversion": (
        "Public, for advertisers' servers: a conversion of a `click_uuid` (the `adx_click` "
        "parameter), matched to the advertiser's active `goal` or the first of its `type`, "
        "counted once per click and goal and charging CPA spend. An unknown click or goal is "
        "404, a bad `value` or `type` 422, a click older than the goal's attribution window "
        "400; a repeat answers 200 with `counted: false`."
    ),
    "track_conversion_pixel": (
        "Public image version of `POST /track/conversion` for advertisers' pages: the same "
        "fields as query parameters (`click_uuid` or `click`, `type`, `value`, `goal`), "
        "counted the same way. Always answers the GIF, whatever the outcome."
    ),
    "track_viewable": (
        "Public beacon the ad tag fires when the ad meets MRC viewability (50% in view for 1 "
        "s, 2 s for video). Counted once per impression when the token is valid, the client "
        "is not a bot and its User-Agent is the one the ad was served to. Always answers the "
        "GIF."
    ),
    "track_video": (
        "Public VAST tracking beacon. `event` start, firstQuartile, midpoint, thirdQuartile "
        "or complete is counted once per impression when the token is valid and the "
        "User-Agent is the one the ad was served to; error reports and other events are "
        "acknowledged, not counted. Always answers the GIF."
    ),
    "track_segment_pixel": (
        "Public retargeting pixel for advertisers' pages. Where consent allows profiling, "
        "adds the visitor (by `uid`, else by the visitor cookie, set when missing) to the "
        "segment for the segment's TTL; bots, unknown segments and visitors without that "
        "consent are not added. Always answers the GIF."
    ),
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _op(op_id: str, summary: str, responses: dict, parameters=(), body=None) -> dict:
    op = {
        "operationId": op_id,
        "summary": summary,
        "description": DESCRIPTIONS[op_id],
        "tags": ["Delivery"],
        "security": [],
        "parameters": list(parameters),
        "responses": responses,
    }
    if body:
        op["requestBody"] = {"required": True, "content": _json(body)}
    return op


def _obj(*names: str) -> dict:
    return {"type": "object", "properties": {n: {"type": "string"} for n in names}}


def add_public_paths(result, generator, request, public):
    err = {"description": "Error", "content": _json(ERROR)}
    too_large = {"description": "Body too large", "content": _json(ERROR)}
    text = {"description": "Not found", "content": {"text/plain": {"schema": {"type": "string"}}}}
    gif = {"200": {"description": "A 1x1 transparent GIF, always", "content": GIF}}
    redirect = {"description": "To the image or destination (a blank GIF when none)"}
    paths = {
        "/api/v1/serve/{zone_uuid}/iframe": {
            "get": _op(
                "serve_zone_iframe",
                "An ad as an HTML document for an iframe",
                {
                    "200": {
                        "description": "The ad's HTML (empty body when nothing fills)",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    "404": text,
                    "429": err,
                },
                [ZONE, *OVERRIDES],
            )
        },
        "/api/v1/serve/{zone_uuid}/image": {
            "get": _op(
                "serve_zone_image",
                "Redirect to the chosen ad's image",
                {"302": redirect, "404": text, "429": err},
                [ZONE, *OVERRIDES],
            )
        },
        "/api/v1/serve/{zone_uuid}/click": {
            "get": _op(
                "serve_zone_click",
                "Click of the image ad last shown in the zone",
                {"302": redirect, "404": text, "429": err},
                [ZONE],
            )
        },
        "/api/v1/serve/{zone_uuid}": {
            "get": _op(
                "serve_zone",
                "Choose an ad for a zone",
                {
                    "200": {"description": "The ad, or data null", "content": _json(SERVE_OK)},
                    "404": err,
                    "429": err,
                },
                [ZONE, *OVERRIDES],
            )
        },
        "/api/v1/serve/{zone_uuid}/vast": {
            "get": _op(
                "serve_zone_vast",
                "VAST 4.2 for a video zone",
                {
                    "200": {
                        "description": "VAST InLine or Error document",
                        "content": {"application/xml": {"schema": {"type": "string"}}},
                    },
                    "404": {
                        "description": "A VAST Error document: the zone does not exist",
                        "content": {"application/xml": {"schema": {"type": "string"}}},
                    },
                    "429": err,
                },
                [ZONE, TOKEN],
            )
        },
        "/api/v1/track/impression": {
            "post": _op(
                "track_impression",
                "Count an impression",
                {
                    "201": {"description": "Counted", "content": _json(_obj("impression_uuid"))},
                    "200": {"description": "Not counted (duplicate, bot, …)"},
                    "400": err,
                    "413": too_large,
                },
                body=_obj("token", "impression_uuid", "zone_uuid", "ad_uuid"),
            )
        },
        "/api/v1/track/impression/pixel": {
            "get": _op("track_impression_pixel", "Impression pixel", gif, [TOKEN])
        },
        "/api/v1/track/click": {
            "get": _op(
                "track_click_redirect",
                "Count a click and redirect to the ad's destination",
                {"302": {"description": "To the ad's own destination"}, "400": err},
                [TOKEN],
            ),
            "post": _op(
                "track_click",
                "Count a click",
                {
                    "201": {
                        "description": "Counted",
                        "content": _json(_obj("click_uuid", "redirect_url")),
                    },
                    "400": err,
                    "413": too_large,
                },
                body=_obj("token", "impression_uuid", "ad_uuid", "destination_url"),
            ),
        },
        "/api/v1/track/conversion": {
            "post": _op(
                "track_conversion",
                "Count a conversion by click",
                {
                    "201": {"description": "Counted", "content": _json(_obj("conversion_uuid"))},
                    "200": {
                        "description": "Not counted: this click's conversion of this goal "
                        "was counted already (`counted: false`, `reason: duplicate`)",
                        "content": _json(_obj("conversion_uuid")),
                    },
                    "400": err,
                    "404": err,
                    "413": too_large,
                    "422": err,
                },
                body=_obj("click_uuid", "type", "value", "goal"),
            )
        },
        "/api/v1/track/conversion/pixel": {
            "get": _op("track_conversion_pixel", "Conversion pixel for advertiser pages", gif)
        },
        "/api/v1/track/viewable": {
            "get": _op("track_viewable", "Viewability beacon (MRC)", gif, [TOKEN])
        },
        "/api/v1/track/video": {"get": _op("track_video", "VAST quartile beacon", gif, [TOKEN])},
        "/api/v1/track/segment/{segment_uuid}/pixel": {
            "get": _op(
                "track_segment_pixel",
                "Retargeting pixel for a segment",
                gif,
                [
                    {
                        "name": "segment_uuid",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "format": "uuid"},
                    },
                    *OVERRIDES[5:],
                ],
            )
        },
    }
    result.setdefault("paths", {}).update(paths)
    return result
