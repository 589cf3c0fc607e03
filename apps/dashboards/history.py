"""History tabs: what changed on a campaign, an ad or a zone, for those who may see it.

Entries come from the audit log. Secrets are already masked there; the people who made staff
changes are shown as "Platform staff" rather than by email.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.accounts.models import Role
from apps.audit.selectors import ACTION_NAMES, audit_entries_for

from .advertiser.acting import advertiser_page
from .advertiser.views.common import ad_or_404, campaign_or_404
from .publisher.access import publisher_page, zone_or_404

PER_PAGE = 25
HIDDEN_FIELDS = {"id", "source_reference_id"}


def _who(entry, viewer) -> str:
    actor = entry.actor
    if actor is None:
        return "System"
    if actor.pk == viewer.pk:
        return "You"
    if actor.role == Role.ADMIN:
        return "Platform staff"
    return actor.email


def _rows(entries, viewer) -> list[dict]:
    rows = []
    for entry in entries:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        rows.append(
            {
                "when": entry.timestamp,
                "who": _who(entry, viewer),
                "action": ACTION_NAMES.get(entry.action, "access"),
                "changes": [
                    {"field": name.replace("_", " "), "before": pair[0], "after": pair[1]}
                    for name, pair in sorted(changes.items())
                    if name not in HIDDEN_FIELDS and isinstance(pair, list) and len(pair) == 2
                ],
            }
        )
    return rows


def _history_page(request, *, obj, title: str, back_url: str, breadcrumbs: list) -> HttpResponse:
    page = Paginator(audit_entries_for(obj), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "title": title,
        "back_url": back_url,
        "breadcrumbs": breadcrumbs,
        "page": page,
        "rows": _rows(page.object_list, request.user),
    }
    return render(request, "dashboards/history.html", context)


@require_GET
@advertiser_page
def campaign_history(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    back = reverse("advertiser:campaign_detail", args=[campaign.pk])
    return _history_page(
        request,
        obj=campaign,
        title=campaign.name,
        back_url=back,
        breadcrumbs=[(reverse("advertiser:home"), "Campaigns"), (back, campaign.name)],
    )


@require_GET
@advertiser_page
def ad_history(request: HttpRequest, ad_id: int) -> HttpResponse:
    ad = ad_or_404(request, ad_id)
    back = reverse("advertiser:ad_edit", args=[ad.pk])
    return _history_page(
        request,
        obj=ad,
        title=ad.name,
        back_url=back,
        breadcrumbs=[(reverse("advertiser:ads"), "Ads"), (back, ad.name)],
    )


@require_GET
@publisher_page
def zone_history(request: HttpRequest, zone_id: int) -> HttpResponse:
    zone = zone_or_404(request, zone_id)
    back = reverse("publisher:zone_detail", args=[zone.pk])
    return _history_page(
        request,
        obj=zone,
        title=zone.name,
        back_url=back,
        breadcrumbs=[(reverse("publisher:zones"), "Zones"), (back, zone.name)],
    )
