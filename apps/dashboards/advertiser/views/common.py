"""Lookups shared by the advertiser views: objects through the scoped campaign selectors
(another account's object is a 404), pagination and htmx detection."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest

from apps.campaigns import selectors as campaign_selectors
from apps.campaigns.models import Ad, Campaign, ConversionGoal

from ..acting import act_for

PER_PAGE = 25


def campaign_or_404(request: HttpRequest, campaign_id: int) -> Campaign:
    campaign = campaign_selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    if campaign is None:
        raise Http404("Campaign not found.")
    act_for(request, campaign.advertiser)
    return campaign


def ad_or_404(request: HttpRequest, ad_id: int) -> Ad:
    ad = campaign_selectors.ad_get(user=request.user, ad_id=ad_id)
    if ad is None:
        raise Http404("Ad not found.")
    act_for(request, ad.campaign.advertiser)
    return ad


def goal_or_404(request: HttpRequest, goal_id: int) -> ConversionGoal:
    goal = campaign_selectors.conversion_goal_get(user=request.user, goal_id=goal_id)
    if goal is None:
        raise Http404("Conversion goal not found.")
    act_for(request, goal.advertiser)
    return goal


def live_campaigns(request: HttpRequest):
    """The shown advertiser's campaigns for a select (not archived), newest first."""
    return (
        campaign_selectors.campaign_list(user=request.user, advertiser_id=request.advertiser.pk)
        .exclude(status="archived")
        .only("id", "name")
    )


def paginate(request: HttpRequest, queryset, per_page: int = PER_PAGE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def query_without_page(request: HttpRequest) -> str:
    """The current query string without ``page`` (for pagination links)."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
