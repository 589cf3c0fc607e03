"""The publisher pages' gate: a signed-in publisher-role user with a publisher profile.

Objects are then found through the inventory selectors with the user, exactly as the API
finds them, so another publisher's website or zone is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.models import Role
from apps.accounts.platform_settings import setting_get
from apps.inventory import selectors
from apps.inventory.models import Website, Zone

from ..accounts.shared import role_required


def publisher_page(view: Callable) -> Callable:
    """Role check, then ``request.publisher`` (the user's own profile) for the view."""

    @role_required(Role.PUBLISHER)
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        publisher = selectors.publisher_for_user(user=request.user)
        if publisher is None:
            return render(
                request,
                "dashboards/publisher/no_profile.html",
                {"support_email": setting_get("support_email")},
                status=404,
            )
        request.publisher = publisher
        return view(request, *args, **kwargs)

    return wrapper


def website_or_404(request: HttpRequest, website_id: int) -> Website:
    website = selectors.website_get(user=request.user, website_id=website_id)
    if website is None:
        raise Http404("Website not found.")
    return website


def zone_or_404(request: HttpRequest, zone_id: int) -> Zone:
    zone = (
        selectors.zone_list(user=request.user)
        .select_related("website__publisher")
        .filter(pk=zone_id)
        .first()
    )
    if zone is None:
        raise Http404("Zone not found.")
    return zone
