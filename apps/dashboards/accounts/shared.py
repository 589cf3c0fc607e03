"""Helpers every dashboard package may use: role checks and service errors on forms.

Pages call the same services as the API, so they see the same exceptions: ``ApiError``
subclasses (``FieldValidationError`` names a field), DRF ``ValidationError`` (targeting and
serializer-shaped checks) and Django ``ValidationError`` (``full_clean``). ``form_add_errors``
puts each on the form field it concerns, or on the form as a whole, so none becomes a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as DrfValidationError

from apps.accounts.models import Role
from apps.common.errors import ApiError, FieldValidationError

SERVICE_ERRORS = (ApiError, APIException, DjangoValidationError)


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(
        request,
        "dashboards/accounts/forbidden.html",
        {"message": message or "Your role does not give access to this page."},
        status=403,
    )


def role_required(*roles: Role) -> Callable:
    """Signed-in users of ``roles`` only: anonymous users go to the login page (with
    ``next``), other roles get the 403 page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if roles and user.role not in roles:
                return forbidden(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def login_required_page(view: Callable) -> Callable:
    """Any signed-in user (every role has a profile, API keys and webhooks)."""
    return role_required()(view)


# --- Service errors -----------------------------------------------------------------------


def _flatten(detail: Any, path: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], str]]:
    if isinstance(detail, dict):
        for key, sub in detail.items():
            yield from _flatten(sub, (*path, str(key)))
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list) for item in detail):
            for item in detail:
                yield path, str(item)
        else:
            for index, sub in enumerate(detail):
                yield from _flatten(sub, (*path, str(index)))
    else:
        yield path, str(detail)


def service_error_messages(exc: Exception) -> list[tuple[tuple[str, ...], str]]:
    """(path, message) pairs of a service exception; path ``()`` for the whole request."""
    if isinstance(exc, FieldValidationError):
        pairs = []
        for detail in exc.details:
            path = tuple(str(part) for part in detail.get("path", [])[1:])
            pairs.append((path, str(detail.get("message", exc.detail))))
        return pairs or [((), str(exc.detail))]
    if isinstance(exc, DrfValidationError):
        return list(_flatten(exc.detail))
    if isinstance(exc, APIException):
        return [((), str(exc.detail))]
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return [
                ((() if field == "__all__" else (field,)), message)
                for field, errors in exc.message_dict.items()
                for message in errors
            ]
        return [((), message) for message in exc.messages]
    return [((), str(exc))]


def form_add_errors(
    form: forms.Form, exc: Exception, *, field_map: dict[str, str] | None = None
) -> None:
    """Attach a service exception's messages to ``form``.

    ``field_map`` maps a service path's first part to a form field where the names differ
    (``{"targeting": "countries"}``); a path the form does not know becomes a form error that
    names the path, so nothing is hidden.
    """
    field_map = field_map or {}
    for path, message in service_error_messages(exc):
        name = path[0] if path else None
        target = field_map.get(".".join(path), field_map.get(name or "", name))
        if target == "targeting" and len(path) > 1:
            target = field_map.get(path[1], path[1])
        if target in form.fields:
            if target in form.errors and message in form.errors[target]:
                continue
            form.add_error(target, message)
        else:
            label = ".".join(part for part in path if not part.isdigit())
            form.add_error(None, f"{label}: {message}" if label else message)


def message_service_error(request: HttpRequest, exc: Exception) -> None:
    """Show a service exception as an error message (for button-only actions)."""
    for path, message in service_error_messages(exc):
        label = ".".join(part for part in path if not part.isdigit())
        messages.error(request, f"{label}: {message}" if label else message)
