"""What every browser test shares: Debian's Chromium, a hermetic context, screenshots.

The tests drive ``/usr/bin/chromium`` (``apt-get install chromium``) with Playwright; its own
browser download is never used. Without the browser they are skipped, except in CI (``CI``
set), where a missing browser is a failure. ``browser`` is a fixture in ``conftest.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings

# Playwright's sync API runs an asyncio loop in this thread, and Django refuses ORM calls
# from a thread with a running loop unless told otherwise. The live server answers in its own
# thread; this only concerns the tests' own setup and teardown queries.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Headless Chrome says "HeadlessChrome", which the serve path rightly treats as a bot.
DESKTOP_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SCREENSHOTS = Path(django_settings.BASE_DIR) / "artifacts" / "screenshots"
TIMEOUT_MS = 15_000

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason=f"{CHROMIUM} is missing (apt-get install chromium); required when CI is set",
    ),
]


def hermetic_context(browser, base_url: str, *, timeout_ms: int = TIMEOUT_MS, **options):
    """A desktop browser context (or another ``viewport``) in which only the live server
    answers: nothing leaves the machine."""
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(user_agent=DESKTOP_UA, locale="en-US", **options)
    context.set_default_timeout(timeout_ms)
    local = urlsplit(base_url).netloc
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if urlsplit(route.request.url).netloc == local else route.abort()
        ),
    )
    return context


def watched_page(context, *, accept_dialogs: bool = True):
    """A page that collects its script errors in ``page.errors`` (and confirms dialogs)."""
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    if accept_dialogs:
        page.on("dialog", lambda dialog: dialog.accept())
    return page


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
