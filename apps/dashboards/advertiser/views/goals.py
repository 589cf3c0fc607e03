"""Conversion goals: list and create, a goal's page with its pixel snippet, edit, delete."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.campaigns import selectors as campaign_selectors
from apps.campaigns import services as campaign_services
from apps.campaigns.models import ConversionGoal

from ...accounts.shared import SERVICE_ERRORS, form_add_errors
from ..acting import advertiser_page
from ..forms import GoalForm
from .common import campaign_or_404, goal_or_404, live_campaigns, paginate


def _goal_fields(request: HttpRequest, form: GoalForm) -> dict:
    data = form.cleaned_data
    campaign_id = data.get("campaign")
    return {
        "name": data["name"],
        "type": data["type"],
        "default_value": data["default_value"],
        "attribution_window_days": data["attribution_window_days"],
        "is_active": data["is_active"],
        "campaign": campaign_or_404(request, campaign_id) if campaign_id else None,
    }


@advertiser_page
@require_http_methods(["GET", "POST"])
def goal_list(request: HttpRequest) -> HttpResponse:
    campaigns = list(live_campaigns(request))
    form = GoalForm(request.POST or None, campaigns=campaigns)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                advertiser = campaign_services.advertiser_acting(
                    user=request.user, advertiser_id=request.advertiser.pk
                )
                goal = campaign_services.conversion_goal_create(
                    advertiser=advertiser, **_goal_fields(request, form)
                )
            except SERVICE_ERRORS as exc:
                form_add_errors(form, exc, field_map={"campaign_id": "campaign"})
            else:
                messages.success(request, f"Goal “{goal.name}” created. Add its pixel below.")
                return redirect("advertiser:goal_detail", goal_id=goal.pk)
    goals = campaign_selectors.conversion_goal_list(
        user=request.user, advertiser_id=request.advertiser.pk
    ).select_related("campaign")
    page = paginate(request, goals)
    context = {"form": form, "page": page, "goals": page.object_list, "query": ""}
    return render(request, "dashboards/advertiser/goal_list.html", context, status=status)


def pixel_snippets(goal: ConversionGoal) -> dict[str, str]:
    """The tag to paste on the conversion page, and a plain image for server templates."""
    base = goal.pixel_url.split("?", 1)[0]
    script = (
        "<!-- Landing pages: remember the click that brought the visitor -->\n"
        "<script>\n"
        '(function(){var c=new URLSearchParams(location.search).get("adx_click");\n'
        'if(c){try{localStorage.setItem("adx_click",c)}catch(e){}}})();\n'
        "</script>\n\n"
        f"<!-- Conversion page ({goal.name}): report the conversion -->\n"
        "<script>\n"
        '(function(){var c;try{c=localStorage.getItem("adx_click")}catch(e){}\n'
        "if(!c)return;var i=new Image(1,1);\n"
        f'i.src="{base}?goal={goal.uuid}&click="+encodeURIComponent(c);}})();\n'
        "</script>"
    )
    image = (
        f'<img src="{goal.pixel_url}" width="1" height="1" alt="" '
        'style="position:absolute;left:-9999px">'
    )
    return {"script": script, "image": image}


@advertiser_page
@require_http_methods(["GET", "POST"])
def goal_detail(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_or_404(request, goal_id)
    campaigns = list(live_campaigns(request))
    if goal.campaign is not None and goal.campaign not in campaigns:
        campaigns.insert(0, goal.campaign)
    initial = {
        "name": goal.name,
        "type": goal.type,
        "default_value": goal.default_value,
        "attribution_window_days": goal.attribution_window_days,
        "campaign": goal.campaign_id,
        "is_active": goal.is_active,
    }
    form = GoalForm(request.POST or None, campaigns=campaigns, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                campaign_services.conversion_goal_update(goal=goal, **_goal_fields(request, form))
            except SERVICE_ERRORS as exc:
                form_add_errors(form, exc, field_map={"campaign_id": "campaign"})
            else:
                messages.success(request, "Goal saved.")
                return redirect("advertiser:goal_detail", goal_id=goal.pk)
    context = {"goal": goal, "form": form, "snippets": pixel_snippets(goal)}
    return render(request, "dashboards/advertiser/goal_detail.html", context, status=status)


@advertiser_page
@require_POST
def goal_delete(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_or_404(request, goal_id)
    campaign_services.conversion_goal_delete(goal=goal)
    messages.success(request, f"Goal “{goal.name}” deleted.")
    return redirect("advertiser:goals")
