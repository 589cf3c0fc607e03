"""The admin role's dashboard: network overview, approvals, users, platform settings.

Approvals call the services ``POST /api/v1/publishers/{id}/approve`` and
``POST /api/v1/ads/{id}/approve`` call (so ``publisher.approved`` and ``ad.status_changed``
fire, and serving picks the change up); users and settings go through the accounts services.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts import selectors as account_selectors
from apps.accounts import services as account_services
from apps.accounts.models import Role, User
from apps.accounts.platform_settings import setting_get, settings_update, settings_values
from apps.campaigns import selectors as campaign_selectors
from apps.campaigns.models import ReviewStatus
from apps.campaigns.services import ads as ad_services
from apps.common.errors import ConflictError, FieldValidationError
from apps.inventory import selectors as inventory_selectors
from apps.inventory import services as inventory_services
from apps.inventory.models import PublisherStatus
from apps.reporting.scope import viewer_for

from ..accounts.shared import (
    SERVICE_ERRORS,
    form_add_errors,
    message_service_error,
    role_required,
    service_error_messages,
)
from ..daterange import date_range_hint, date_range_resolve
from . import stats
from .forms import RejectForm, SettingsForm, UserCreateForm, UserFilterForm

USERS_PER_PAGE = 25
QUEUE_LIMIT = 50
DECISIONS = ("approve", "reject")

staff_page = role_required(Role.ADMIN)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _admin_url(name: str, *args) -> str | None:
    try:
        return reverse(f"admin:{name}", args=args)
    except NoReverseMatch:
        return None


# --- Network overview ---------------------------------------------------------------------


@require_GET
@staff_page
def home(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    date_range = date_range_resolve(request.GET, tz=viewer.tz)
    currency = setting_get("currency")
    context = {"date_range": date_range, "currency": currency}
    if date_range.rng is not None:
        today, trend = stats.overview_today_and_trend(viewer, date_range.rng)
        if not trend.totals["impressions"] and not trend.totals["requests"]:
            date_range_hint(date_range, where=viewer.where())
        context.update(
            today=today.totals,
            today_label=today.rng.last_day,
            trend_totals=trend.totals,
            traffic_chart=stats.traffic_chart(trend.daily),
            money_chart=stats.money_chart(trend.daily, currency),
            quality_chart=stats.quality_chart(trend.daily),
        )
    context.update(
        {
            "pending_publishers": inventory_selectors.publisher_list(
                user=request.user, status=PublisherStatus.PENDING
            ).count(),
            "pending_ads": campaign_selectors.ad_list(
                user=request.user, review_status=ReviewStatus.PENDING
            ).count(),
        }
    )
    status = 200 if date_range.rng is not None else 422
    return render(request, "dashboards/staff/home.html", context, status=status)


# --- Approvals ----------------------------------------------------------------------------


def _pending_publishers(user: User):
    return inventory_selectors.publisher_list(user=user, status=PublisherStatus.PENDING).annotate(
        website_count=Count("websites")
    )


def _pending_ads(user: User):
    return campaign_selectors.ad_list(user=user, review_status=ReviewStatus.PENDING).select_related(
        "campaign__advertiser"
    )


@require_GET
@staff_page
def approvals(request: HttpRequest) -> HttpResponse:
    publishers = _pending_publishers(request.user)
    ads = _pending_ads(request.user)
    publisher_rows = list(publishers[:QUEUE_LIMIT])
    ad_rows = list(ads[:QUEUE_LIMIT])
    publisher_total = len(publisher_rows)
    if publisher_total == QUEUE_LIMIT:
        publisher_total = publishers.count()
    ad_total = len(ad_rows)
    if ad_total == QUEUE_LIMIT:
        ad_total = ads.count()
    return render(
        request,
        "dashboards/staff/approvals.html",
        {
            "publishers": publisher_rows,
            "ads": ad_rows,
            "publisher_total": publisher_total,
            "ad_total": ad_total,
            "queue_limit": QUEUE_LIMIT,
            "publishers_admin_url": _admin_url("inventory_publisher_changelist"),
            "ads_admin_url": _admin_url("campaigns_ad_changelist"),
        },
    )


def _decided(request: HttpRequest, template: str, context: dict, message: str) -> HttpResponse:
    """The updated table row for htmx; otherwise a message and back to the queue."""
    if _is_htmx(request):
        return render(request, template, {**context, "decided": True, "note": message})
    messages.success(request, message)
    return redirect("staff:approvals")


@require_POST
@staff_page
def publisher_decide(request: HttpRequest, publisher_id: int, decision: str) -> HttpResponse:
    if decision not in DECISIONS:
        raise Http404("Unknown decision.")
    publisher = inventory_selectors.publisher_get(user=request.user, publisher_id=publisher_id)
    if publisher is None:
        raise Http404("Publisher not found.")
    row = "dashboards/staff/_publisher_row.html"
    reason, error = _reason(request)
    if error is not None:
        return _failed(request, error, row, {"p": publisher})
    try:
        if decision == "approve":
            publisher = inventory_services.publisher_approve(
                publisher=publisher, actor=request.user
            )
        else:
            publisher = inventory_services.publisher_reject(
                publisher=publisher, actor=request.user, reason=reason
            )
    except SERVICE_ERRORS as exc:
        return _failed(request, exc, row, {"p": publisher})
    publisher.website_count = publisher.websites.count()
    verb = "approved" if publisher.status == PublisherStatus.APPROVED else "rejected"
    return _decided(request, row, {"p": publisher}, f"Publisher “{publisher.name}” {verb}.")


@require_POST
@staff_page
def ad_decide(request: HttpRequest, ad_id: int, decision: str) -> HttpResponse:
    if decision not in DECISIONS:
        raise Http404("Unknown decision.")
    ad = campaign_selectors.ad_get(user=request.user, ad_id=ad_id)
    if ad is None:
        raise Http404("Ad not found.")
    row = "dashboards/staff/_ad_row.html"
    note, error = _reason(request)
    if error is not None:
        return _failed(request, error, row, {"ad": ad})
    try:
        if decision == "approve":
            ad = ad_services.ad_approve(ad=ad, actor=request.user, note=note)
        else:
            ad = ad_services.ad_reject(ad=ad, actor=request.user, note=note)
    except SERVICE_ERRORS as exc:
        return _failed(request, exc, row, {"ad": ad})
    verb = "approved" if ad.review_status == ReviewStatus.APPROVED else "rejected"
    return _decided(request, row, {"ad": ad}, f"Ad “{ad.name}” {verb}.")


def _reason(request: HttpRequest) -> tuple[str, FieldValidationError | None]:
    """The optional rejection reason (or review note) sent with a decision."""
    form = RejectForm(request.POST)
    if form.is_valid():
        return form.cleaned_data["reason"], None
    return "", FieldValidationError("reason", " ".join(form.errors["reason"]))


def _failed(request: HttpRequest, exc: Exception, template: str, context: dict) -> HttpResponse:
    if _is_htmx(request):
        error = "; ".join(message for _, message in service_error_messages(exc))
        return render(request, template, {**context, "error": error})
    message_service_error(request, exc)
    return redirect("staff:approvals")


# --- Users --------------------------------------------------------------------------------


@require_GET
@staff_page
def users(request: HttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    role = Role.from_name(filters["role"]) if filters.get("role") else None
    qs = account_selectors.user_list(role=role, search=filters.get("q", "").strip())
    if filters.get("status") == "active":
        qs = qs.filter(is_active=True)
    elif filters.get("status") == "inactive":
        qs = qs.filter(is_active=False)
    page = Paginator(qs, USERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboards/staff/users.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "admin_user_url": _admin_url("accounts_user_changelist"),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_page
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = account_services.user_create(
                email=data["email"],
                password=data["password"],
                name=data["name"],
                role=form.role_value(),
                timezone_name=data["timezone"],
            )
        except ConflictError as exc:  # the only conflict here: the email is taken
            form.add_error("email", str(exc.detail))
        except SERVICE_ERRORS as exc:
            form_add_errors(form, exc, field_map={"timezone_name": "timezone"})
        else:
            note = (
                " Their publisher profile awaits approval." if user.role == Role.PUBLISHER else ""
            )
            messages.success(request, f"User {user.email} created as {user.role_name}.{note}")
            return redirect(f"{reverse('staff:users')}?q={user.email}")
    return render(
        request,
        "dashboards/staff/user_form.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@require_POST
@staff_page
def user_set_active(request: HttpRequest, user_id: int, active: bool) -> HttpResponse:
    user = account_selectors.user_get(user_id=user_id)
    if user is None:
        raise Http404("User not found.")
    back = request.POST.get("next") or reverse("staff:users")
    if not back.startswith("/staff/users/"):
        back = reverse("staff:users")
    if user.pk == request.user.pk and not active:
        messages.error(request, "You cannot deactivate your own account.")
        return redirect(back)
    try:
        account_services.user_update(user=user, actor=request.user, is_active=active)
    except SERVICE_ERRORS as exc:
        message_service_error(request, exc)
    else:
        if active:
            messages.success(request, f"{user.email} can sign in again.")
        else:
            messages.success(
                request, f"{user.email} is deactivated: signed out of the API and dashboards."
            )
    return redirect(back)


# --- Platform settings --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_page
def platform_settings(request: HttpRequest) -> HttpResponse:
    current = settings_values()
    form = SettingsForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        changed = form.changed_values()
        if changed:
            settings_update(values=changed, actor=request.user)
            names = ", ".join(form.fields[key].label for key in changed)
            messages.success(request, f"Settings saved: {names}.")
        else:
            messages.info(request, "Nothing changed.")
        return redirect("staff:settings")
    return render(
        request,
        "dashboards/staff/settings.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


# --- Links into Django admin --------------------------------------------------------------


@require_GET
@staff_page
def admin_links(request: HttpRequest) -> HttpResponse:
    """Every model registered in Django admin, grouped by app, with list and add links."""
    return render(
        request,
        "dashboards/staff/admin_links.html",
        {"app_list": admin.site.get_app_list(request)},
    )
