"""OpenAPI entries for the OpenRTB 2.6 endpoints (plain Django views on the hot-path lane,
invisible to drf-spectacular): added by this post-processing hook."""

from __future__ import annotations

ERROR = {
    "type": "object",
    "required": ["error", "details", "nbr"],
    "properties": {
        "error": {"type": "string", "description": "What is wrong, for people."},
        "details": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "path": {
                        "type": "array",
                        "items": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                        "example": ["imp", 0, "banner", "w"],
                    },
                    "message": {"type": "string"},
                },
            },
        },
        "nbr": {"type": "integer", "description": "OpenRTB no-bid reason: 2 = invalid request."},
    },
}
NOTICE_QUERY = [
    {
        "name": name,
        "in": "query",
        "required": name == "t",
        "schema": {"type": "string"},
        "description": text,
    }
    for name, text in (
        ("t", "The signed token of the bid."),
        ("auction", "${AUCTION_ID}"),
        ("bid", "${AUCTION_BID_ID}"),
        ("imp", "${AUCTION_IMP_ID}"),
        ("seat", "${AUCTION_SEAT_ID}"),
        ("ad", "${AUCTION_AD_ID}"),
        ("price", "${AUCTION_PRICE}: the clearing price (CPM)"),
        ("cur", "${AUCTION_CURRENCY}"),
        ("mtw", "${AUCTION_MIN_TO_WIN}"),
        ("loss", "${AUCTION_LOSS} (loss notices)"),
    )
]


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OpenRtbError"}}},
    }


def _notice(operation_id: str, summary: str, ok: str, description: str) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "tags": ["OpenRTB"],
            "security": [],
            "parameters": NOTICE_QUERY,
            "responses": {
                "200": {"description": ok},
                "400": _error("Bad or expired token"),
                "503": _error(
                    "Not recorded now (the hot store is down): retry after `Retry-After` "
                    "seconds; nothing was counted, so the retry counts once"
                ),
            },
        }
    }


def add_openrtb_paths(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["OpenRtbError"] = ERROR
    result.setdefault("paths", {}).update(
        {
            "/openrtb/2.6/bid": {
                "post": {
                    "operationId": "openrtb_bid",
                    "summary": "OpenRTB 2.6 bid request",
                    "description": "An IAB OpenRTB 2.6 bid request (JSON, gzip accepted). Our "
                    "campaigns bid through the serving engine; our publishers' mapped zones "
                    "are also offered to demand partners within `tmax`. The "
                    "`x-openrtb-version` header is echoed.",
                    "tags": ["OpenRTB"],
                    "security": [],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "An OpenRTB 2.6 bid response",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "204": {"description": "No bid (no body)"},
                        "400": _error("Invalid bid request"),
                        "405": _error("Not a POST"),
                        "413": _error("Body too large"),
                        "415": _error("Unsupported Content-Encoding"),
                    },
                }
            },
            "/openrtb/2.6/win": _notice(
                "openrtb_win",
                "Win notice (nurl)",
                "Counted once",
                "Public: the exchange calls the `nurl` of our winning bid, with our signed token. "
                "Counts the win once in the campaign's OpenRTB statistics, at the clearing "
                "price. Substituted auction, bid and imp ids must match the token; a bad or "
                "expired token is 400.",
            ),
            "/openrtb/2.6/billing": _notice(
                "openrtb_billing",
                "Billing notice (burl)",
                "A 1x1 GIF; billed once",
                "Public: the exchange calls the bid's `burl` (the markup's impression beacon "
                "loads it too). Records the impression and charges its spend once, at the "
                "substituted `${AUCTION_PRICE}` kept between the floor and our bid, else at "
                "the clearing price our auction computed; test auctions bill nothing. A bad "
                "or expired token is 400.",
            ),
            "/openrtb/2.6/loss": _notice(
                "openrtb_loss",
                "Loss notice (lurl)",
                "Counted once",
                "Public: the exchange calls the `lurl` of our losing bid, with our signed "
                "token. Counts the loss once in the campaign's OpenRTB statistics; substituted "
                "ids must match the token, and a bad or expired token is 400.",
            ),
            "/openrtb/2.6/partner-impression": {
                "get": {
                    "operationId": "openrtb_partner_impression",
                    "summary": "Impression of a demand partner's ad served by our tag",
                    "description": "Calls the partner's burl once.",
                    "tags": ["OpenRTB"],
                    "security": [],
                    "parameters": [NOTICE_QUERY[0]],
                    "responses": {
                        "200": {"description": "A 1x1 GIF"},
                        "400": _error("Bad or expired token"),
                    },
                }
            },
        }
    )
    return result
