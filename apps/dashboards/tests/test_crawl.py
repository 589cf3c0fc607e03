"""Every page a demo user can reach by following links answers without an error.

Loads the demo data (with some traffic drained into reports, a posted day and documents),
logs in as each demo role and follows every same-site link breadth-first from the role's
dashboard, up to a page budget: each must answer 200 (or redirect/download), never a 404
from a link we printed, and never a 500. This is the "person clicking through every page"
check, run on every commit.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from apps.accounts.models import User

pytestmark = pytest.mark.django_db

DEMO_ROLES = [
    "admin@demo.local",
    "advertiser@demo.local",
    "publisher@demo.local",
    "finance@demo.local",
    "partner@demo.local",
]
# Links that leave the dashboards, change state on GET, or are documents checked elsewhere.
SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/accounts/logout", "/demo/")
PAGE_BUDGET = 120


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(page_url: str, html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        absolute = urljoin(f"http://testserver{page_url}", href)
        parts = urlsplit(absolute)
        if parts.netloc != "testserver" or parts.scheme not in ("http", "https"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith(SKIP_PREFIXES):
            found.append(path)
    return found


@pytest.fixture
def demo():
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize("email", DEMO_ROLES)
def test_every_linked_page_answers(demo, email):
    client = Client()
    client.force_login(User.objects.get(email=email))
    start = client.get("/dashboard/", follow=True)
    assert start.status_code == 200
    first = start.redirect_chain[-1][0] if start.redirect_chain else "/dashboard/"
    queue, seen, failures = [first], {first}, []
    visited = 0
    while queue and visited < PAGE_BUDGET:
        url = queue.pop(0)
        response = client.get(url)
        visited += 1
        if response.status_code >= 400:
            failures.append((url, response.status_code))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue  # a redirect or a download (CSV, PDF)
        for link in links_of(url, response.content.decode()):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    assert failures == []
    assert visited >= 5, f"only {visited} pages reachable for {email}"
