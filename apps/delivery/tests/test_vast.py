"""VAST 4.2 from the serve path, validated against the IAB schema, and the document builder."""

from decimal import Decimal
from pathlib import Path

import pytest

from apps.campaigns.tests.factories import live_ad
from apps.delivery.vast import VastCreative, vast_error, vast_inline
from apps.inventory.tests.factories import ZoneFactory

pytestmark = pytest.mark.django_db
VAST_XSD = Path(__file__).resolve().parents[4] / "shared" / "data" / "vast" / "vast_4.2.xsd"


def serve(client, zone, **params):
    return client.get(f"/api/v1/serve/{zone.uuid}", params)


@pytest.fixture
def vast_schema():
    if not VAST_XSD.exists():
        pytest.skip(f"VAST schema not found at {VAST_XSD} (shared/ is absent)")
    import xmlschema

    return xmlschema.XMLSchema(str(VAST_XSD))


def test_vast_inline_validates(browser, vast_schema):
    zone = ZoneFactory(type="video", width=640, height=360, floor_price=Decimal("0"))
    live_ad(
        type="video",
        width=None,
        height=None,
        image_url="",
        video_url="https://cdn.example.com/v.mp4",
        video_mime="video/mp4",
        duration_seconds=15,
    )
    response = browser.get(f"/api/v1/serve/{zone.uuid}/vast")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    xml = response.content.decode()
    vast_schema.validate(xml)
    for event in ("start", "firstQuartile", "midpoint", "thirdQuartile", "complete"):
        assert f"event={event}" in xml
    served = serve(browser, zone).json()["data"]["ad"]
    assert served["vast_url"]
    again = browser.get(served["vast_url"].replace("http://testserver", ""))
    vast_schema.validate(again.content.decode())


def test_vast_error_document_when_nothing_fills(browser, vast_schema):
    zone = ZoneFactory(type="video", width=640, height=360)
    response = browser.get(f"/api/v1/serve/{zone.uuid}/vast")
    assert response.status_code == 200
    vast_schema.validate(response.content.decode())
    assert "<Error>" in response.content.decode()
    unknown = browser.get("/api/v1/serve/00000000-0000-0000-0000-000000000000/vast")
    assert unknown.status_code == 404
    vast_schema.validate(unknown.content.decode())


def creative(**kw) -> VastCreative:
    fields = dict(
        ad_uuid="ad-1",
        impression_uuid="imp-1",
        title="Spring & <Sale>",
        advertiser="Acme",
        duration_seconds=3725,
        media_url="https://cdn.example.com/v.mp4",
        media_type="video/mp4",
        width=640,
        height=360,
        click_through="https://track.example.com/click?t=1&x=2",
        impression_url="https://track.example.com/imp?t=1",
        error_url="https://track.example.com/err?code=[ERRORCODE]",
        tracking_urls={"start": "https://t/s", "complete": "https://t/c"},
    )
    fields.update(kw)
    return VastCreative(**fields)


def test_inline_document_escapes_text_and_orders_the_linear_parts(vast_schema):
    xml = vast_inline(creative(), ad_system="Ad Platform").decode()
    vast_schema.validate(xml)
    assert "Spring &amp; &lt;Sale&gt;" in xml
    assert "<Duration>01:02:05.000</Duration>" in xml
    assert xml.index("<TrackingEvents>") < xml.index("<Duration>") < xml.index("<MediaFiles>")
    assert 'event="start"' in xml and 'event="midpoint"' not in xml  # only the given events
    assert "t=1&amp;x=2" in xml


def test_error_document_carries_the_vast_code(vast_schema):
    xml = vast_error("Not a video zone", code=200).decode()
    vast_schema.validate(xml)
    assert "Not a video zone (VAST error 200)" in xml
