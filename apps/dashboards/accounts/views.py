"""Account pages: log in/out, sign up, password reset, profile, API keys and webhooks.

Every write goes through ``apps.accounts.services`` or ``apps.webhooks.services`` and every
read through their selectors, exactly as the API does. Secrets (a new API key, a webhook's
signing secret) are shown in the answer to the POST that made them and never again.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import Throttled

from apps.accounts import mfa, privacy
from apps.accounts import selectors as account_selectors
from apps.accounts import services as account_services
from apps.accounts.login_limits import login_failure_record, login_failures_wait
from apps.accounts.platform_settings import setting_get
from apps.common.net import client_ip
from apps.common.ratelimit import enforce_rate
from apps.webhooks import selectors as webhook_selectors
from apps.webhooks import services as webhook_services
from apps.webhooks.models import Webhook, WebhookDelivery

from .forms import (
    ApiKeyCreateForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    ResetSetPasswordForm,
    SignupForm,
    WebhookForm,
)
from .mfa_views import mfa_login_pending
from .shared import SERVICE_ERRORS, form_add_errors, login_required_page, message_service_error

DELIVERIES_PER_PAGE = 25
NO_STORE = "no-store"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _throttled_message(exc: Throttled) -> str:
    minutes = max(1, round((exc.wait or 60) / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many attempts. Please wait {minutes} {unit} and try again."


# --- Log in, log out, sign up -------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request))
    status = 200
    throttled = ""
    form = LoginForm(request.POST or None, request=request)
    if request.method == "POST":
        email = str(request.POST.get("email", "")).strip().lower()
        # Failed attempts per address and per email; a successful login spends nothing.
        wait = login_failures_wait(request=request, email=email)
        if wait is not None:
            form = LoginForm(initial={"email": email}, request=request)
            throttled = _throttled_message(Throttled(wait=wait))
            status = 429
        elif form.is_valid():
            if mfa.mfa_enabled(form.user) or mfa.mfa_enforced_for(form.user):
                return mfa_login_pending(request, form.user, _safe_next(request))
            login(request, form.user)
            return redirect(_safe_next(request))
        elif "__all__" in form.errors:  # wrong email or password (not an empty field)
            login_failure_record(request=request, email=email)
    return render(
        request,
        "dashboards/accounts/login.html",
        {
            "form": form,
            "throttled": throttled,
            "next": request.GET.get("next", request.POST.get("next", "")),
        },
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect("accounts:login")


@sensitive_post_parameters("password", "password_confirm")
@never_cache
@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    status = 200
    initial = {"role": request.GET.get("role", "advertiser")}
    form = SignupForm(request.POST or None, initial=initial)
    if request.method == "POST":
        try:
            enforce_rate(
                request, group="signup", key=client_ip(request), rate=settings.RATELIMIT_SIGNUP
            )
        except Throttled as exc:
            form.is_valid()
            form.add_error(None, _throttled_message(exc))
            status = 429
        else:
            if form.is_valid():
                user = form.save()
                if user is not None:
                    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                    messages.success(request, "Welcome! Your account is ready.")
                    return redirect("dashboard")
    return render(request, "dashboards/accounts/signup.html", {"form": form}, status=status)


# --- Password reset (Django's views, our templates) ---------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset flow; the email names the platform by its ``site_name`` setting."""

    def form_valid(self, form):
        self.extra_email_context = {"site_name": setting_get("site_name")}
        return super().form_valid(form)


password_reset = PasswordResetView.as_view(
    template_name="dashboards/accounts/password_reset_form.html",
    email_template_name="dashboards/accounts/password_reset_email.txt",
    subject_template_name="dashboards/accounts/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="dashboards/accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="dashboards/accounts/password_reset_confirm.html",
    form_class=ResetSetPasswordForm,
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="dashboards/accounts/password_reset_complete.html"
)


# --- Profile ------------------------------------------------------------------------------


def _profile_page(request, *, profile_form=None, password_form=None, status=200) -> HttpResponse:
    user = request.user
    profile_form = profile_form or ProfileForm(
        initial={"name": user.name, "email": user.email, "timezone": user.timezone}
    )
    password_form = password_form or PasswordChangeForm(user=user)
    context = {
        "profile_form": profile_form,
        "password_form": password_form,
        "mfa_enabled": mfa.mfa_enabled(user),
        "mfa_required": mfa.mfa_enforced_for(user),
        "recovery_codes_left": mfa.mfa_recovery_codes_left(user),
    }
    return render(request, "dashboards/accounts/profile.html", context, status=status)


@login_required_page
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _profile_page(request)
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            account_services.user_update(
                user=request.user,
                actor=request.user,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                timezone_name=form.cleaned_data["timezone"],
            )
        except SERVICE_ERRORS as exc:
            request.user.refresh_from_db()
            form_add_errors(form, exc, field_map={"timezone_name": "timezone"})
        else:
            messages.success(request, "Profile saved.")
            return redirect("accounts:profile")
    return _profile_page(request, profile_form=form, status=422)


@sensitive_post_parameters("current_password", "new_password", "new_password_confirm")
@login_required_page
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            account_services.user_update(
                user=request.user, actor=request.user, password=form.cleaned_data["new_password"]
            )
        except SERVICE_ERRORS as exc:
            form_add_errors(form, exc, field_map={"password": "new_password"})
        else:
            update_session_auth_hash(request, request.user)
            messages.success(
                request, "Password changed. Your API keys were revoked; create new ones."
            )
            return redirect("accounts:profile")
    return _profile_page(request, password_form=form, status=422)


# --- API keys -----------------------------------------------------------------------------


def _api_keys_page(request, *, form=None, new_key=None, raw_key="", status=200) -> HttpResponse:
    keys = account_selectors.api_key_list(user=request.user).order_by("-created_at", "-id")
    context = {
        "keys": keys,
        "form": form or ApiKeyCreateForm(),
        "new_key": new_key,
        "raw_key": raw_key,
    }
    response = render(request, "dashboards/accounts/api_keys.html", context, status=status)
    if raw_key:
        response["Cache-Control"] = NO_STORE
    return response


@login_required_page
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _api_keys_page(request)
    form = ApiKeyCreateForm(request.POST)
    if not form.is_valid():
        return _api_keys_page(request, form=form, status=422)
    api_key, raw_key = account_services.api_key_create(
        user=request.user, name=form.cleaned_data["name"]
    )
    return _api_keys_page(request, new_key=api_key, raw_key=raw_key)


@login_required_page
@require_POST
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    api_key = account_selectors.api_key_get(user=request.user, key_id=key_id)
    if api_key is None:
        raise Http404("API key not found.")
    account_services.api_key_revoke(api_key=api_key)
    messages.success(request, f"API key {api_key.prefix}… revoked.")
    return redirect("accounts:api_keys")


# --- Webhooks -----------------------------------------------------------------------------


def _webhook_for(request: HttpRequest, webhook_uuid: uuid.UUID) -> Webhook:
    webhook = webhook_selectors.webhook_get(user=request.user, webhook_uuid=webhook_uuid)
    if webhook is None:
        raise Http404("Webhook not found.")
    return webhook


def _webhook_initial(webhook: Webhook) -> dict:
    return {
        "name": webhook.name,
        "url": webhook.url,
        "events": list(webhook.events or []),
        "is_active": webhook.is_active,
    }


@login_required_page
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                webhook = webhook_services.webhook_create(owner=request.user, **form.cleaned_data)
            except SERVICE_ERRORS as exc:
                form_add_errors(form, exc)
            else:
                response = _webhook_page(request, webhook, secret=webhook.secret)
                response["Cache-Control"] = NO_STORE
                return response
    context = {"webhooks": webhook_selectors.webhook_list(user=request.user), "form": form}
    return render(request, "dashboards/accounts/webhooks.html", context, status=status)


def _webhook_page(request, webhook, *, form=None, secret="", status=200) -> HttpResponse:
    deliveries = webhook_selectors.delivery_list(
        webhook=webhook, status=request.GET.get("status") or None
    )
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "webhook": webhook,
        "form": form or WebhookForm(initial=_webhook_initial(webhook), user=request.user),
        "secret": secret,
        "page": page,
        "status_filter": request.GET.get("status", ""),
        "statuses": ["pending", "retrying", "succeeded", "failed"],
    }
    return render(request, "dashboards/accounts/webhook_detail.html", context, status=status)


@login_required_page
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, webhook_uuid: uuid.UUID) -> HttpResponse:
    webhook = _webhook_for(request, webhook_uuid)
    if request.method == "GET":
        return _webhook_page(request, webhook)
    form = WebhookForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            webhook_services.webhook_update(webhook=webhook, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, "Webhook saved.")
            return redirect("accounts:webhook_detail", webhook_uuid=webhook.uuid)
    return _webhook_page(request, webhook, form=form, status=422)


@login_required_page
@require_POST
def webhook_delete(request: HttpRequest, webhook_uuid: uuid.UUID) -> HttpResponse:
    webhook = _webhook_for(request, webhook_uuid)
    webhook_services.webhook_delete(webhook=webhook)
    messages.success(request, f"Webhook “{webhook.name}” deleted.")
    return redirect("accounts:webhooks")


@login_required_page
@require_POST
def webhook_test(request: HttpRequest, webhook_uuid: uuid.UUID) -> HttpResponse:
    webhook = _webhook_for(request, webhook_uuid)
    try:
        event = webhook_services.webhook_test_dispatch(webhook=webhook, actor=request.user)
    except SERVICE_ERRORS as exc:
        message_service_error(request, exc)
        return redirect("accounts:webhook_detail", webhook_uuid=webhook.uuid)
    delivery = WebhookDelivery.objects.filter(webhook=webhook, event_uuid=event.uuid).first()
    if delivery is None or delivery.status in ("pending", "retrying"):
        messages.info(request, "Test event queued; its result will appear in the log below.")
    elif delivery.status == "succeeded":
        messages.success(request, f"Test event delivered (HTTP {delivery.status_code}).")
    else:
        detail = f"HTTP {delivery.status_code}" if delivery.status_code else delivery.error
        messages.error(request, f"Test event failed: {detail or 'no answer'}.")
    return redirect("accounts:webhook_detail", webhook_uuid=webhook.uuid)


@login_required_page
@require_POST
def webhook_rotate_secret(request: HttpRequest, webhook_uuid: uuid.UUID) -> HttpResponse:
    webhook = webhook_services.webhook_secret_rotate(webhook=_webhook_for(request, webhook_uuid))
    response = _webhook_page(request, webhook, secret=webhook.secret)
    response["Cache-Control"] = NO_STORE
    return response


@login_required_page
@require_POST
def delivery_resend(request: HttpRequest, webhook_uuid: uuid.UUID, delivery_uuid: uuid.UUID):
    webhook = _webhook_for(request, webhook_uuid)
    delivery = webhook.deliveries.filter(uuid=delivery_uuid).first()
    if delivery is None:
        raise Http404("Delivery not found.")
    if webhook_services.delivery_resend(delivery=delivery) is None:
        messages.error(request, "This log entry has nothing to send.")
    else:
        messages.success(request, "Delivery sent again; see the newest entry in the log.")
    return redirect("accounts:webhook_detail", webhook_uuid=webhook.uuid)


@login_required_page
@require_GET
def profile_export(request: HttpRequest) -> HttpResponse:
    """The GDPR export of the signed-in user, as a JSON file."""
    document = privacy.user_data_export(user=request.user)
    response = JsonResponse(document, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = NO_STORE
    return response
