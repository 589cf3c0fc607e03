"""A partner creates a campaign over real HTTP (seed 002), and the advertiser follows the
``ad_creation_link`` in a real browser, confirms the draft creatives and submits it.

Run with ``.venv/bin/pytest tests/browser/test_partner_intake.py``; screenshots go to
``artifacts/screenshots/partner-*.png``.
"""

from __future__ import annotations

import json
import re
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.support import BROWSER_MARKS, hermetic_context, screenshot, watched_page

pytestmark = BROWSER_MARKS


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = hermetic_context(browser, live_server.url)
    yield watched_page(context)
    context.close()


def post_json(url: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_advertiser_follows_ad_creation_link_and_submits(page, live_server):
    from apps.accounts.models import Role
    from apps.accounts.partner_credentials import partner_credential_issue
    from apps.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
    from apps.campaigns.models import Ad, Campaign
    from apps.campaigns.tests.factories import AdvertiserFactory

    base = live_server.url
    partner = UserFactory(role=Role.PARTNER, name="Agency X")
    advertiser = AdvertiserFactory(company="Storhaug")
    advertiser.managers.add(partner)
    credential, secret = partner_credential_issue(user_id=partner.pk, actor=None)

    status, token = post_json(
        f"{base}/api/auth/token", {"api_key": credential.api_key, "api_secret": secret}
    )
    assert status == 200 and token["expires_in"] == 3600
    body = {
        "source": {
            "material": [
                f"{base}/static/demo/banner-300x250.svg",
                f"{base}/static/demo/clip.mp4",
            ],
            "name": "Storhaug spring",
            "reference_id": "crm-4411",
            "target_url": "https://storhaug.example.com/spring",
        }
    }
    status, answer = post_json(
        f"{base}/api/clients/{advertiser.client_slug}/campaign", body, token["access_token"]
    )
    assert status == 201
    link = answer["ad_creation_link"]
    assert link.startswith(base) and answer["campaign_id"]

    # The advertiser opens the link, signs in, and lands on the finishing page.
    page.goto(link)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(advertiser.user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(link)
    expect(page.get_by_text("reference id").first).to_be_visible()
    expect(page.get_by_text("crm-4411").first).to_be_visible()
    banner = page.locator("fieldset[data-ad] img")
    banner.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('fieldset[data-ad] img'); "
        "return i && i.complete && i.naturalWidth > 0; }"
    )
    assert page.get_by_label("Width").first.input_value() == "300"
    page.get_by_label("Bid (CPM)").fill("2.40")
    page.get_by_label("Daily budget (optional)").fill("30")
    page.get_by_label("Length (seconds)").fill("20")
    screenshot(page, "partner-finish")
    page.get_by_role("button", name="Submit campaign").click()
    campaign = Campaign.objects.get(source_reference_id="crm-4411")
    page.wait_for_url(f"{base}/advertiser/campaigns/{campaign.pk}/")
    expect(page.get_by_text("Campaign “Storhaug spring” submitted")).to_be_visible()
    screenshot(page, "partner-submitted")
    assert not page.errors

    campaign.refresh_from_db()
    assert campaign.status == "active" and str(campaign.bid_amount) == "2.40"
    ads = {ad.type: ad for ad in Ad.objects.filter(campaign=campaign)}
    assert ads["banner"].status == "active" and (ads["banner"].width, ads["banner"].height) == (
        300,
        250,
    )
    assert ads["video"].duration_seconds == 20

    # The same reference again resolves to the campaign's page.
    status, again = post_json(
        f"{base}/api/clients/{advertiser.client_slug}/campaign", body, token["access_token"]
    )
    assert status == 200
    assert urlsplit(again["campaign_link"]).path == f"/advertiser/campaigns/{campaign.pk}/"
