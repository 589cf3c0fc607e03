"""What tests of the serving and tracking path share: a real browser's User-Agent."""

from django.test import Client

CHROME_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


def browser_client(ip: str = "8.8.8.8") -> Client:
    """A test client that looks like Chrome on a public address (so geo lookup works)."""
    return Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR=ip)


def served(browser: Client, zone, **params) -> dict | None:
    """The ``data`` of a serve of ``zone``."""
    return browser.get(f"/api/v1/serve/{zone.uuid}", params).json()["data"]


def path_of(url: str) -> str:
    """The path and query of an absolute URL, for the test client."""
    from urllib.parse import urlparse

    parts = urlparse(url)
    return f"{parts.path}?{parts.query}"
