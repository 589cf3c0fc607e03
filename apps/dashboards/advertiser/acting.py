"""Which advertiser the advertiser pages show: the user's own, or for partners (and admins)
one of those the campaign selectors let them see, chosen with the advertiser switcher.

The choice is kept in the session; ``?advertiser=<id>`` on any page switches. An id the user
may not see is ignored (the first visible advertiser is shown instead), so the switcher can
never widen what a user reads: every object is still fetched through the scoped selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.models import Role
from apps.campaigns import selectors as campaign_selectors
from apps.campaigns import services as campaign_services
from apps.campaigns.models import Advertiser

from ..accounts.shared import role_required

SESSION_KEY = "dashboards.advertiser_id"
ADVERTISER_PAGE_ROLES = (Role.ADVERTISER, Role.PARTNER, Role.ADMIN)
SWITCHER_LIMIT = 500


def _requested_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("advertiser") or request.session.get(SESSION_KEY)
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None


def advertiser_choices(request: HttpRequest) -> list[Advertiser]:
    """The advertisers the switcher offers (empty for an advertiser-role user)."""
    if request.user.role == Role.ADVERTISER:
        return []
    visible = campaign_selectors.advertiser_list(user=request.user).prefetch_related(None)
    return list(
        visible.select_related(None).only("id", "company", "currency", "timezone")[:SWITCHER_LIMIT]
    )


def advertiser_resolve(request: HttpRequest) -> tuple[Advertiser | None, list[Advertiser]]:
    """(the advertiser to show, the switcher's choices)."""
    user = request.user
    if user.role == Role.ADVERTISER:
        advertiser = campaign_selectors.advertiser_for_user(user=user)
        if advertiser is None:  # profiles are made at signup; older accounts get one now
            advertiser = campaign_services.advertiser_ensure(user=user)
        return advertiser, []
    choices = advertiser_choices(request)
    wanted = _requested_id(request)
    advertiser = next((a for a in choices if a.pk == wanted), None)
    if advertiser is None and choices:
        advertiser = choices[0]
    if advertiser is not None and request.session.get(SESSION_KEY) != advertiser.pk:
        request.session[SESSION_KEY] = advertiser.pk
    return advertiser, choices


def act_for(request: HttpRequest, advertiser: Advertiser) -> None:
    """Show ``advertiser`` from now on (an object of it was opened; it is visible)."""
    request.advertiser = advertiser
    if request.user.role != Role.ADVERTISER and request.session.get(SESSION_KEY) != advertiser.pk:
        request.session[SESSION_KEY] = advertiser.pk


def advertiser_page(view: Callable) -> Callable:
    """Advertiser-side roles only; sets ``request.advertiser`` and ``request.advertisers``."""

    @role_required(*ADVERTISER_PAGE_ROLES)
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        advertiser, choices = advertiser_resolve(request)
        if advertiser is None:
            return render(request, "dashboards/advertiser/no_advertisers.html", status=200)
        request.advertiser = advertiser
        request.advertisers = choices
        return view(request, *args, **kwargs)

    return wrapper
