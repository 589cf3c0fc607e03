"""MFA in the dashboards: the login's second step (a code, or setting MFA up where the
platform requires it), and turning MFA on or off from the profile. The accounts MFA service
does the checking, with the same single-use and rate-limit rules as the API."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import Throttled

from apps.accounts import mfa
from apps.accounts.models import MfaDevice, User

from .shared import SERVICE_ERRORS, login_required_page, service_error_messages

PENDING_KEY = "accounts.mfa_pending"
PENDING_SECONDS = 300
NO_STORE = "no-store"


def mfa_login_pending(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """Password accepted: remember who is signing in and ask for the second factor."""
    request.session[PENDING_KEY] = {"user_id": user.pk, "at": time.time(), "next": next_url}
    return redirect("accounts:login_mfa")


def _pending_user(request: HttpRequest) -> tuple[User | None, str]:
    pending = request.session.get(PENDING_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, ""
    user = User.objects.filter(
        pk=pending.get("user_id"), is_active=True, deleted_at__isnull=True
    ).first()
    return user, pending.get("next") or "/dashboard/"


def _setup_context(device: MfaDevice) -> dict:
    uri = mfa.otpauth_uri(device)
    return {"secret": device.secret, "otpauth_uri": uri, "qr_svg": mfa.qr_svg_data_uri(uri)}


def _unconfirmed_device(user: User) -> MfaDevice:
    device = mfa.mfa_device(user)
    if device is None or device.is_confirmed:
        device = mfa.mfa_setup(user=user)
    return device


def _recovery_codes_page(request, codes: list[str], next_url: str) -> HttpResponse:
    response = render(
        request,
        "dashboards/accounts/mfa_recovery_codes.html",
        {"codes": codes, "next_url": next_url},
    )
    response["Cache-Control"] = NO_STORE
    return response


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_mfa(request: HttpRequest) -> HttpResponse:
    user, next_url = _pending_user(request)
    if user is None:
        messages.info(request, "Please log in again.")
        return redirect("accounts:login")
    device = mfa.mfa_device(user)
    enrolling = device is None or not device.is_confirmed
    if enrolling:
        device = _unconfirmed_device(user)
    error, status = "", 200
    if request.method == "POST":
        code = str(request.POST.get("code", ""))[:32]
        try:
            if enrolling:
                codes = mfa.mfa_verify(request=request, user=user, code=code)
                accepted = True
            else:
                accepted = mfa.mfa_code_accept(request=request, user=user, code=code)
        except Throttled:
            error, status, accepted = "Too many codes tried. Please wait a few minutes.", 429, False
        except SERVICE_ERRORS as exc:
            error = " ".join(message for _, message in service_error_messages(exc))
            status, accepted = 422, False
        else:
            if not accepted:
                error, status = "That code is not valid (or was already used).", 422
        if accepted:
            request.session.pop(PENDING_KEY, None)
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            if enrolling:
                return _recovery_codes_page(request, codes, next_url)
            return redirect(next_url)
    context = {"enrolling": enrolling, "error": error, "email": user.email}
    if enrolling:
        context.update(_setup_context(device))
    response = render(request, "dashboards/accounts/login_mfa.html", context, status=status)
    response["Cache-Control"] = NO_STORE
    return response


@sensitive_post_parameters("code")
@login_required_page
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if mfa.mfa_enabled(user):
        messages.info(request, "MFA is already on.")
        return redirect("accounts:profile")
    device = _unconfirmed_device(user)
    error, status = "", 200
    if request.method == "POST":
        try:
            codes = mfa.mfa_verify(
                request=request, user=user, code=str(request.POST.get("code", ""))[:32]
            )
        except Throttled:
            error, status = "Too many codes tried. Please wait a few minutes.", 429
        except SERVICE_ERRORS as exc:
            error = " ".join(message for _, message in service_error_messages(exc))
            status = 422
        else:
            messages.success(request, "Two-factor authentication is on.")
            return _recovery_codes_page(request, codes, "/accounts/profile/")
    response = render(
        request,
        "dashboards/accounts/mfa_setup.html",
        {**_setup_context(device), "error": error},
        status=status,
    )
    response["Cache-Control"] = NO_STORE
    return response


@sensitive_post_parameters("code")
@login_required_page
@require_POST
def mfa_disable(request: HttpRequest) -> HttpResponse:
    try:
        mfa.mfa_disable(
            request=request, user=request.user, code=str(request.POST.get("code", ""))[:32]
        )
    except Throttled:
        messages.error(request, "Too many codes tried. Please wait a few minutes.")
    except SERVICE_ERRORS as exc:
        for _, message in service_error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, "Two-factor authentication is off.")
    return redirect("accounts:profile")
