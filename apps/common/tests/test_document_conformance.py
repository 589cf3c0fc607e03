"""Answers the fuzzing pass found undocumented, each checked against the document."""

import pytest

from apps.campaigns.tests.factories import AdFactory, AdvertiserFactory, CampaignFactory
from apps.inventory.tests.factories import PublisherFactory
from apps.webhooks.tests.factories import WebhookFactory

from .document import assert_documented, call

pytestmark = pytest.mark.django_db


def test_ad_without_image_video_or_mime(admin_user):
    """Empty URLs are ``""`` (not a ``format: uri``) and ``video_mime`` may be ``""``."""
    ad = AdFactory(type="text", image_url="", width=None, height=None, headline="Hi", body="b")
    data = assert_documented(
        call("GET", f"/api/v1/ads/{ad.pk}", user=admin_user), "GET", "/api/v1/ads/{ad_id}"
    )
    assert (data["data"]["image_url"], data["data"]["video_url"], data["data"]["video_mime"]) == (
        "",
        "",
        "",
    )
    assert_documented(call("GET", "/api/v1/ads", user=admin_user), "GET", "/api/v1/ads")


def test_campaign_without_frequency_cap_or_source(admin_user):
    """``null`` where the document says "or null", as strict OpenAPI 3.0 readers see it."""
    campaign = CampaignFactory(frequency_cap_impressions=None, source=None)
    response = call("GET", f"/api/v1/campaigns/{campaign.pk}", user=admin_user)
    data = assert_documented(response, "GET", "/api/v1/campaigns/{campaign_id}")["data"]
    assert (data["frequency_cap"], data["source"]) == (None, None)
    assert_documented(call("GET", "/api/v1/campaigns", user=admin_user), "GET", "/api/v1/campaigns")


def test_publisher_without_website(admin_user):
    publisher = PublisherFactory(website_url="")
    response = call("GET", f"/api/v1/publishers/{publisher.pk}", user=admin_user)
    assert (
        assert_documented(response, "GET", "/api/v1/publishers/{publisher_id}")["data"][
            "website_url"
        ]
        == ""
    )


def test_webhook_test_and_deliveries(advertiser_user, django_capture_on_commit_callbacks):
    """A first delivery has ``redelivery_of: null``."""
    webhook = WebhookFactory(owner=advertiser_user, url="http://127.0.0.1:9/hook")
    with django_capture_on_commit_callbacks(execute=True):
        response = call("POST", f"/api/v1/webhooks/{webhook.uuid}/test", user=advertiser_user)
    assert_documented(response, "POST", "/api/v1/webhooks/{webhook_uuid}/test")
    response = call("GET", f"/api/v1/webhooks/{webhook.uuid}/deliveries", user=advertiser_user)
    data = assert_documented(response, "GET", "/api/v1/webhooks/{webhook_uuid}/deliveries")
    assert [d["redelivery_of"] for d in data["data"]] == [None]


@pytest.mark.parametrize(("bucket", "kind"), [("hour_of_day", int), ("hour", str)])
def test_hourly_report_buckets(admin_user, bucket, kind):
    response = call("GET", f"/api/v1/reports/hourly?period=today&bucket={bucket}", user=admin_user)
    hours = assert_documented(response, "GET", "/api/v1/reports/hourly")["data"]["hours"]
    assert hours and all(isinstance(row["hour"], kind) for row in hours)


def test_error_details_name_list_items_by_index(admin_user):
    advertiser = AdvertiserFactory()
    response = call(
        "PATCH",
        f"/api/v1/advertisers/{advertiser.pk}",
        user=admin_user,
        body={"manager_ids": [1, "x"]},
    )
    body = assert_documented(response, "PATCH", "/api/v1/advertisers/{advertiser_id}")
    assert ["body", "manager_ids", 1] in [d["path"] for d in body["details"]]
