"""Template context every dashboard page needs: the site name and the navigation.

Registered in ``TEMPLATES`` so the base layout can render the header on any page without
each view passing it along.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from apps.accounts.platform_settings import setting_get

from .nav import ACCOUNT_NAV, NAV


def _links(request: HttpRequest, entries: list[tuple[str, str]]) -> list[dict]:
    """Reverse each (label, url name); the entry whose URL is the longest prefix of the
    current path is the active one. Entries whose page does not exist yet are left out so
    the navigation never shows a dead link."""
    links = []
    for label, url_name in entries:
        try:
            links.append({"label": label, "url": reverse(url_name), "active": False})
        except NoReverseMatch:
            continue
    matches = [link for link in links if request.path.startswith(link["url"])]
    if matches:
        max(matches, key=lambda link: len(link["url"]))["active"] = True
    return links


def dashboard(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "site_name": setting_get("site_name"),
        "nav_links": _links(request, NAV.get(user.role, [])) if signed_in else [],
        "account_links": _links(request, ACCOUNT_NAV) if signed_in else [],
    }
