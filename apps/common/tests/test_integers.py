"""Integers from URLs: ids beyond any column are not found, pages past the end are empty,
nonsense is 422 with the parameter's path. PostgreSQL is where these used to be 500s
(``bigint out of range``); CI runs this file there."""

import pytest
from django.urls import resolve
from rest_framework import serializers

from apps.campaigns.tests.factories import (
    AdvertiserFactory,
    CampaignFactory,
    ConversionGoalFactory,
)
from apps.common.integers import (
    BIGINT_MAX,
    UNMATCHED_ID,
    IdConverter,
    IdFilterField,
    PageNumberField,
    whole_number,
)
from apps.inventory.tests.factories import ZoneFactory
from apps.webhooks.tests.factories import WebhookFactory

BEYOND_BIGINT = str(BIGINT_MAX + 1)
HUGE = "35468759175420333174112124928"


def assert_error(response, status: int, code: str, path: list | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False and body["statusCode"] == status
    assert body["code"] == code, body
    if path is not None:
        assert path in [d["path"] for d in body.get("details", [])], body
    return body


def assert_empty_page(response, *, page: int, per_page: int, total: int) -> None:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["data"] == []
    pages = -(-total // per_page)
    assert body["pagination"] == {
        "page": page,
        "per_page": per_page,
        "count": 0,
        "total": total,
        "pages": pages,
    }


# --- The parser, the path converter and the fields ----------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        ("007", 7),
        ("-3", -3),
        ("0", 0),
        (str(BIGINT_MAX), BIGINT_MAX),
        (BEYOND_BIGINT, BIGINT_MAX + 1),
        (HUGE, BIGINT_MAX + 1),
        ("9" * 5000, BIGINT_MAX + 1),
        ("-" + HUGE, -(BIGINT_MAX + 1)),
    ],
)
def test_whole_number_reads_ascii_digits(text, expected):
    assert whole_number(text) == expected


@pytest.mark.parametrize(
    "text", ["", " 7", "7 ", "7\n", "1.5", "1.0", "1e3", "1_000", "+7", "٣", "abc"]
)
def test_whole_number_refuses_anything_else(text):
    assert whole_number(text) is None


def test_id_converter_resolves_only_ids_a_row_can_have():
    converter = IdConverter()
    assert converter.to_python("42") == 42
    assert converter.to_python(str(BIGINT_MAX)) == BIGINT_MAX
    for text in ("0", BEYOND_BIGINT, HUGE):
        with pytest.raises(ValueError):
            converter.to_python(text)
    assert converter.to_url(42) == "42"


def test_api_paths_use_the_id_converter():
    match = resolve("/api/v1/campaigns/12")
    assert match.kwargs == {"campaign_id": 12}
    assert resolve(f"/api/v1/campaigns/{BEYOND_BIGINT}").url_name != "campaign-detail"


class _Query(serializers.Serializer):
    page = PageNumberField(required=False, default=1)
    campaign_id = IdFilterField()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"page": 1}),
        ({"page": "3", "campaign_id": "9"}, {"page": 3, "campaign_id": 9}),
        ({"page": str(BIGINT_MAX)}, {"page": BIGINT_MAX}),
        ({"campaign_id": BEYOND_BIGINT}, {"page": 1, "campaign_id": UNMATCHED_ID}),
        ({"campaign_id": HUGE}, {"page": 1, "campaign_id": UNMATCHED_ID}),
    ],
)
def test_fields_accept(params, expected):
    query = _Query(data=params)
    assert query.is_valid(), query.errors
    assert dict(query.validated_data) == expected


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"page": "0"}, "page", "min_value"),
        ({"page": "-1"}, "page", "min_value"),
        ({"page": BEYOND_BIGINT}, "page", "max_value"),
        ({"page": "1.5"}, "page", "invalid"),
        ({"page": "x"}, "page", "invalid"),
        ({"campaign_id": "0"}, "campaign_id", "min_value"),
        # The sentinel an out-of-range id becomes is not a value a client may send.
        ({"campaign_id": str(UNMATCHED_ID)}, "campaign_id", "min_value"),
        ({"campaign_id": "-" + HUGE}, "campaign_id", "min_value"),
        ({"campaign_id": "1e3"}, "campaign_id", "invalid"),
    ],
)
def test_fields_refuse(params, field, code):
    query = _Query(data=params)
    assert not query.is_valid()
    assert query.errors[field][0].code == code


# --- Through the API ----------------------------------------------------------------------


@pytest.mark.django_db
def test_issue_requests_answer_4xx_or_an_empty_page(admin_client, admin_user):
    """The four requests of issue #21, which were 500s on PostgreSQL."""
    ZoneFactory()
    WebhookFactory(owner=admin_user)
    advertiser = AdvertiserFactory()
    campaign = CampaignFactory(advertiser=advertiser)
    ConversionGoalFactory(advertiser=advertiser, campaign=campaign)

    response = admin_client.get("/api/v1/zones?page=730177288453452988416")
    body = assert_error(response, 422, "validation_failed", ["query", "page"])
    assert body["details"][0]["maximum"] == BIGINT_MAX

    response = admin_client.get("/api/v1/webhooks?per_page=723&page=824043521246784128")
    assert_empty_page(response, page=824043521246784128, per_page=100, total=1)

    response = admin_client.get(
        "/api/v1/campaigns?advertiser_id=2210958030&page=430470645235919488"
    )
    assert_empty_page(response, page=430470645235919488, per_page=25, total=0)

    response = admin_client.get(
        "/api/v1/conversion-goals?campaign_id=7577773419&page=35468759175420333174112124928"
    )
    assert_error(response, 422, "validation_failed", ["query", "page"])


@pytest.mark.django_db
def test_page_past_the_last_is_empty_with_true_pagination(admin_client):
    advertiser = AdvertiserFactory()
    CampaignFactory.create_batch(3, advertiser=advertiser)
    response = admin_client.get("/api/v1/campaigns?per_page=2&page=2")
    assert response.json()["pagination"] == {
        "page": 2,
        "per_page": 2,
        "count": 1,
        "total": 3,
        "pages": 2,
    }
    for page in (3, BIGINT_MAX):
        response = admin_client.get(f"/api/v1/campaigns?per_page=2&page={page}")
        assert_empty_page(response, page=page, per_page=2, total=3)
    response = admin_client.get(f"/api/v1/campaigns?per_page={BIGINT_MAX}&page={BIGINT_MAX}")
    assert_empty_page(response, page=BIGINT_MAX, per_page=100, total=3)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("page=0", "page"),
        ("page=-2", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("per_page=0", "per_page"),
        (f"per_page={BEYOND_BIGINT}", "per_page"),
        ("advertiser_id=0", "advertiser_id"),
        ("advertiser_id=-3", "advertiser_id"),
        ("advertiser_id=1e9", "advertiser_id"),
    ],
)
def test_nonsense_numbers_are_422_with_their_path(admin_client, query, param):
    response = admin_client.get(f"/api/v1/campaigns?{query}")
    assert_error(response, 422, "validation_failed", ["query", param])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/campaigns?advertiser_id={id}",
        "/api/v1/ads?campaign_id={id}",
        "/api/v1/ads?advertiser_id={id}",
        "/api/v1/conversion-goals?campaign_id={id}",
        "/api/v1/zones?website_id={id}",
        "/api/v1/zones?publisher_id={id}",
        "/api/v1/websites?publisher_id={id}",
        "/api/v1/billing/wallets?advertiser_id={id}",
        "/api/v1/invoices?advertiser_id={id}",
        "/api/v1/payouts?publisher_id={id}",
    ],
)
@pytest.mark.parametrize("beyond", [BEYOND_BIGINT, HUGE])
def test_filter_by_an_id_beyond_any_column_is_an_empty_list(admin_client, url, beyond):
    ZoneFactory()
    CampaignFactory()
    response = admin_client.get(url.format(id=beyond))
    assert_empty_page(response, page=1, per_page=25, total=0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "campaigns/{id}"),
        ("put", "campaigns/{id}"),
        ("delete", "campaigns/{id}"),
        ("post", "campaigns/{id}/pause"),
        ("get", "ads/{id}"),
        ("get", "advertisers/{id}"),
        ("get", "conversion-goals/{id}"),
        ("get", "publishers/{id}"),
        ("get", "websites/{id}"),
        ("get", "zones/{id}/embed"),
        ("get", "users/{id}"),
        ("delete", "api-keys/{id}"),
        ("get", "billing/wallets/{id}/transactions"),
        ("get", "analytics/campaigns/{id}"),
        ("get", "publishers/{id}/analytics"),
    ],
)
def test_detail_with_an_id_beyond_any_column_is_404(admin_client, method, path):
    for beyond in (BEYOND_BIGINT, HUGE):
        response = getattr(admin_client, method)(
            "/api/v1/" + path.format(id=beyond), {}, format="json"
        )
        assert_error(response, 404, "not_found")


@pytest.mark.django_db
def test_report_filtered_by_an_id_beyond_any_column_is_404(admin_client):
    # A report's filter must name something the caller may see (apps.reporting.scope).
    response = admin_client.get(f"/api/v1/reports/overview?campaign_id={HUGE}")
    assert_error(response, 404, "not_found")
