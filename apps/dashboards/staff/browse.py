"""Admins browse every advertiser and every campaign in the dashboard (not only in Django
admin): searchable, filterable, sortable lists that open the advertiser's own pages (admins
use the advertiser pages' switcher) and the campaigns' pages."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.models import Role
from apps.campaigns import selectors as campaign_selectors
from apps.campaigns.models import CampaignStatus

from ..accounts.shared import role_required

PER_PAGE = 25
ADVERTISER_SORTS = {
    "company": ("company", "id"),
    "-company": ("-company", "-id"),
    "joined": ("created_at", "id"),
    "-joined": ("-created_at", "-id"),
    "campaigns": ("campaign_count", "id"),
    "-campaigns": ("-campaign_count", "-id"),
    "active": ("active_count", "id"),
    "-active": ("-active_count", "-id"),
}
CAMPAIGN_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "advertiser": ("advertiser__company", "id"),
    "-advertiser": ("-advertiser__company", "-id"),
    "status": ("status", "id"),
    "-status": ("-status", "-id"),
    "bid": ("bid_amount", "id"),
    "-bid": ("-bid_amount", "-id"),
    "budget": ("daily_budget", "id"),
    "-budget": ("-daily_budget", "-id"),
    "start": ("start_date", "id"),
    "-start": ("-start_date", "-id"),
}

staff_page = role_required(Role.ADMIN)


def _headers(request: HttpRequest, sort: str, columns: list[tuple[str, str, bool]]) -> list[dict]:
    """Header links: (key, label, numeric) per column; the active one flips direction."""
    headers = []
    for key, label, numeric in columns:
        active = sort.lstrip("-") == key
        descending = sort.startswith("-")
        target = (key if descending else f"-{key}") if active else (f"-{key}" if numeric else key)
        params = request.GET.copy()
        params["sort"] = target
        params.pop("page", None)
        headers.append(
            {
                "label": label,
                "numeric": numeric,
                "query": params.urlencode(),
                "aria_sort": ("descending" if descending else "ascending") if active else "",
                "arrow": ("▼" if descending else "▲") if active else "",
            }
        )
    return headers


def _page(request: HttpRequest, qs):
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


@require_GET
@staff_page
def advertisers(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", "company")
    if sort not in ADVERTISER_SORTS:
        sort = "company"
    live = Q(campaigns__deleted_at__isnull=True)
    qs = (
        campaign_selectors.advertiser_list(user=request.user, search=search)
        .prefetch_related(None)
        .annotate(
            campaign_count=Count("campaigns", filter=live),
            active_count=Count(
                "campaigns", filter=live & Q(campaigns__status=CampaignStatus.ACTIVE)
            ),
        )
        .order_by(*ADVERTISER_SORTS[sort])
    )
    page, query = _page(request, qs)
    columns = [
        ("company", "Advertiser", False),
        ("joined", "Joined", False),
        ("campaigns", "Campaigns", True),
        ("active", "Active", True),
    ]
    context = {
        "page": page,
        "query": query,
        "search": search,
        "table": {"headers": _headers(request, sort, columns)},
    }
    return render(request, "dashboards/staff/advertisers.html", context)


@require_GET
@staff_page
def campaigns(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    if status not in CampaignStatus.values:
        status = ""
    sort = request.GET.get("sort", "-start")
    if sort not in CAMPAIGN_SORTS:
        sort = "-start"
    advertiser = request.GET.get("advertiser", "")
    advertiser_id = int(advertiser) if advertiser.isdigit() else None
    qs = (
        campaign_selectors.campaign_list(
            user=request.user, status=status or None, search=search, advertiser_id=advertiser_id
        )
        .select_related("advertiser")
        .order_by(*CAMPAIGN_SORTS[sort])
    )
    page, query = _page(request, qs)
    columns = [
        ("name", "Campaign", False),
        ("advertiser", "Advertiser", False),
        ("status", "Status", False),
        ("bid", "Bid", True),
        ("budget", "Daily budget", True),
        ("start", "Start", False),
    ]
    context = {
        "page": page,
        "query": query,
        "search": search,
        "status": status,
        "statuses": CampaignStatus.choices,
        "table": {"headers": _headers(request, sort, columns)},
    }
    return render(request, "dashboards/staff/campaigns.html", context)
