"""The ad tags in a real browser: Debian's Chromium, driven by Playwright, loads the demo
publisher page from a live server and we check what a reader would get.

Run just these with ``.venv/bin/pytest -m browser``. They need ``/usr/bin/chromium``
(``apt-get install chromium``); without it they are skipped, except in CI (``CI`` set), where
a missing browser is a failure. Playwright's own browser download is never used.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.support import BROWSER_MARKS, hermetic_context, screenshot, watched_page

IMPRESSION_PATH = "/api/v1/track/impression"
XSS_HEADLINE = "<img src=x onerror=window.__pwned=1>"
XSS_BODY = "<script>window.__pwned=2</script><b>bold?</b>"
SLOT_TIMEOUT_MS = 15_000

pytestmark = BROWSER_MARKS


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def page(browser, live_server):
    context = hermetic_context(browser, live_server.url, timeout_ms=SLOT_TIMEOUT_MS)
    yield watched_page(context, accept_dialogs=False)
    context.close()


@pytest.fixture
def site(transactional_db, live_server, settings):
    """The demo data, with every absolute URL (tags, creatives) pointing at the live server."""
    settings.SITE_URL = live_server.url
    call_command("demo_data", stdout=io.StringIO())
    return live_server.url


def _demo_website():
    from apps.inventory.demo import DEMO_PUBLISHER_EMAIL
    from apps.inventory.models import Website

    return Website.objects.get(publisher__user__email=DEMO_PUBLISHER_EMAIL)


def _demo_advertiser_and_admin():
    from apps.accounts.demo import DEMO_USERS
    from apps.accounts.models import Role, User
    from apps.campaigns.models import Advertiser

    emails = {role: email for role, email, _ in DEMO_USERS}
    advertiser = Advertiser.objects.get(user__email=emails[Role.ADVERTISER])
    return advertiser, User.objects.get(email=emails[Role.ADMIN])


def _sponsorship_campaign(name: str):
    """A live campaign above the demo ones (sponsorship tier), so its ads win their zones."""
    from apps.campaigns import services

    advertiser, _ = _demo_advertiser_and_admin()
    campaign, _ = services.campaign_create(
        advertiser=advertiser,
        name=name,
        status="active",
        priority="sponsorship",
        bid_amount=Decimal("20.00"),
        daily_budget=Decimal("100.00"),
        start_date=date.today(),
    )
    return campaign


def _ad(campaign, **fields):
    from apps.campaigns import services

    _, admin = _demo_advertiser_and_admin()
    return services.ad_create(
        campaign=campaign,
        actor=admin,
        review_status="approved",
        destination_url="https://outdoor.demo.local/probe",
        **fields,
    )


# --- Helpers ----------------------------------------------------------------------------------


def _is_impression(url: str) -> bool:
    return urlsplit(url).path.startswith(IMPRESSION_PATH)


def _open_demo(page, site: str) -> tuple[list, list]:
    """Open /demo/ and wait until every async slot has settled.

    Returns the requests the browser made and the serve responses it received.
    """
    requests, served = [], []
    page.on("request", lambda r: requests.append(r))
    page.on("response", lambda r: served.append(r) if "/api/v1/serve/" in r.url else None)
    response = page.goto(f"{site}/demo/", wait_until="load")
    assert response is not None and response.ok, response and response.status
    page.wait_for_function(
        """() => {
            const slots = [...document.querySelectorAll("ins[data-zone]")];
            return slots.length > 0 && slots.every(
                (s) => ["filled", "empty", "error"].includes(s.getAttribute("data-adp-status")));
        }""",
        timeout=SLOT_TIMEOUT_MS,
    )
    return requests, served


def _slot(page, name: str):
    return page.locator(f'[data-demo-slot="{name}"] ins.adp-zone')


def _loaded_image(page, locator) -> dict:
    """Wait for ``locator`` (an <img>) to finish loading; its attributes and sizes."""
    locator.wait_for(state="attached")
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0",
        arg=locator.element_handle(),
        timeout=SLOT_TIMEOUT_MS,
    )
    return locator.evaluate(
        """(img) => ({naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
                       width: img.getAttribute("width"), height: img.getAttribute("height"),
                       renderedWidth: img.getBoundingClientRect().width,
                       renderedHeight: img.getBoundingClientRect().height})"""
    )


def _wait_for_requests(page, requests: list, urls: set[str]) -> set[str]:
    """The subset of ``urls`` the browser has not requested after a few seconds."""
    for _ in range(50):
        missing = urls - {r.url for r in requests}
        if not missing:
            break
        page.wait_for_timeout(100)
    return missing


# --- Tests ------------------------------------------------------------------------------------


def test_demo_page_fills_every_zone_and_fires_impressions(site, page):
    with page.expect_request(lambda r: _is_impression(r.url)) as first_impression:
        requests, served = _open_demo(page, site)

    statuses = page.eval_on_selector_all(
        "ins[data-zone]", "(slots) => slots.map((s) => s.getAttribute('data-adp-status'))"
    )
    assert statuses == ["filled"] * 5, statuses

    # Banners: an image of the zone's size, loaded, inside the tracked click link.
    for slot, (width, height) in {"leaderboard": (728, 90), "sidebar": (300, 250)}.items():
        ins = _slot(page, slot)
        assert "/api/v1/track/click" in ins.locator("a").get_attribute("href")
        state = _loaded_image(page, ins.locator("a > img"))
        assert (state["width"], state["height"]) == (str(width), str(height)), state
        assert (state["renderedWidth"], state["renderedHeight"]) == (width, height), state

    # Text and native: the demo advertiser's words, as text.
    text = _slot(page, "text")
    assert text.locator(".adp-text strong").inner_text() == "Winter Sale: 30% off outdoor gear"
    native = _slot(page, "native")
    assert native.locator(".adp-native strong").inner_text() == "Gear up for the cold for less"
    assert native.locator(".adp-cta").inner_text() == "Shop now"
    assert "Demo Outdoor Co" in native.locator(".adp-label").inner_text()

    # Video: a player for the pre-roll's file.
    video = _slot(page, "video").locator("video")
    assert video.get_attribute("src").endswith(".mp4")
    assert video.get_attribute("controls") is not None
    assert video.evaluate("(v) => v.muted") is True

    # Every impression_url that serve handed to the tag was requested by the browser.
    bodies = [r.json() for r in served if urlsplit(r.url).path.count("/") == 4]
    ads = [body["data"]["ad"] for body in bodies if body.get("data")]
    assert len(ads) == 5, bodies
    impression_urls = {ad["impression_url"] for ad in ads}
    assert len(impression_urls) == 5
    for url in impression_urls:
        assert _is_impression(url) and urlsplit(url).netloc == urlsplit(site).netloc, url
        assert "t=" in urlsplit(url).query, url
    assert _wait_for_requests(page, requests, impression_urls) == set()
    assert first_impression.value.url in {r.url for r in requests}

    # The iframe tag: a sandboxed document of ours holding a 300x250 banner.
    iframe = page.locator('[data-demo-slot="iframe"] iframe')
    sandbox = iframe.get_attribute("sandbox").split()
    assert "allow-same-origin" not in sandbox and "allow-scripts" in sandbox
    assert iframe.get_attribute("src").startswith(f"{site}/api/v1/serve/")
    framed = page.frame_locator('[data-demo-slot="iframe"] iframe').locator("a > img")
    framed.wait_for(state="visible")
    assert (framed.get_attribute("width"), framed.get_attribute("height")) == ("300", "250")

    # The no-script tag: the image endpoint redirects to a real 728x90 banner.
    image = page.locator('[data-demo-slot="image"] a > img')
    assert _loaded_image(page, image)["naturalWidth"] == 728
    assert "/click" in page.locator('[data-demo-slot="image"] a').get_attribute("href")

    assert page.errors == []
    screenshot(page, "demo-page")


def test_advertiser_text_is_rendered_as_text_never_as_html(site, page):
    campaign = _sponsorship_campaign("Injection probe")
    _ad(campaign, name="Probe text", type="text", headline=XSS_HEADLINE, body=XSS_BODY)
    _ad(
        campaign,
        name="Probe native",
        type="native",
        headline=XSS_HEADLINE,
        body=XSS_BODY,
        image_url=f"{site}/static/demo/banner-300x250.svg",
        call_to_action="<i>go</i>",
        sponsor="<u>Evil</u> Corp",
    )

    _open_demo(page, site)

    for slot, box in (("text", ".adp-text"), ("native", ".adp-native")):
        ins = _slot(page, slot)
        assert ins.get_attribute("data-adp-status") == "filled"
        assert ins.locator(f"{box} strong").text_content() == XSS_HEADLINE
        assert ins.locator(f"{box} > p").text_content() == XSS_BODY
        # Nothing the advertiser wrote became an element.
        expect(ins.locator("img[src='x'], script, b, i, u")).to_have_count(0)
    assert _slot(page, "native").locator(".adp-cta").text_content() == "<i>go</i>"
    assert _slot(page, "native").locator(".adp-label").text_content() == (
        "Sponsored by <u>Evil</u> Corp"
    )

    page.wait_for_timeout(300)  # a broken image's onerror would have run by now
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert page.errors == []


def test_html_ad_runs_in_a_sandboxed_iframe_without_the_page_origin(site, page):
    from apps.inventory import services as inventory

    inventory.zone_create(
        website=_demo_website(), name="Sponsor box", type="html", width=300, height=250
    )
    campaign = _sponsorship_campaign("HTML creative")
    creative = (
        "<!doctype html><body style='margin:0'><p id='creative'>Rich media ad</p><script>"
        "let reached = 'blocked';"
        "try { reached = parent.document.title; parent.document.title = 'owned'; } catch (e) {}"
        "try { document.cookie = 'x=1'; } catch (e) { reached += ' no-cookie'; }"
        "document.getElementById('creative').dataset.reached = reached;"
        "</script></body>"
    )
    _ad(campaign, name="Rich media 300x250", type="html", html=creative, width=300, height=250)

    _open_demo(page, site)
    title = page.title()

    ins = page.locator('[data-demo-slot="extra"] ins.adp-zone')
    assert ins.get_attribute("data-adp-status") == "filled"
    frame = ins.locator("iframe")
    sandbox = frame.get_attribute("sandbox")
    assert sandbox is not None
    assert "allow-same-origin" not in sandbox.split()
    assert "allow-scripts" in sandbox.split()
    assert (frame.get_attribute("width"), frame.get_attribute("height")) == ("300", "250")

    inner = ins.frame_locator("iframe").locator("#creative")
    assert inner.inner_text() == "Rich media ad"
    # The creative's script ran but could not reach the publisher's page.
    inner_state = inner.get_attribute("data-reached")
    assert inner_state is not None and inner_state.startswith("blocked"), inner_state
    assert page.title() == title != "owned"
