"""Admin dashboard: issue partner credentials (the secret shown once), list and revoke them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import partner_credentials as credentials
from apps.accounts import selectors as account_selectors
from apps.accounts.models import Role, User

from ..accounts.shared import SERVICE_ERRORS, form_add_errors, role_required

PER_PAGE = 25
staff_page = role_required(Role.ADMIN)


class IssueForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Partner user", empty_label="Choose a partner…"
    )
    name = forms.CharField(max_length=100, required=False, label="Label")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(
            role=Role.PARTNER, deleted_at__isnull=True, is_active=True
        ).order_by("email")


def _page(request, *, form=None, issued=None, secret="", status=200) -> HttpResponse:
    show_revoked = request.GET.get("revoked") == "1"
    listing = account_selectors.partner_credential_list(include_revoked=show_revoked)
    page = Paginator(listing, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form or IssueForm(),
        "page": page,
        "issued": issued,
        "secret": secret,
        "show_revoked": show_revoked,
    }
    response = render(request, "dashboards/staff/partner_credentials.html", context, status=status)
    if secret:
        response["Cache-Control"] = "no-store"
    return response


@staff_page
@require_http_methods(["GET", "POST"])
def partner_credentials(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    form = IssueForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=422)
    try:
        credential, secret = credentials.partner_credential_issue(
            user_id=form.cleaned_data["user"].pk,
            actor=request.user,
            name=form.cleaned_data["name"],
        )
    except SERVICE_ERRORS as exc:
        form_add_errors(form, exc, field_map={"user_id": "user"})
        return _page(request, form=form, status=422)
    return _page(request, issued=credential, secret=secret)


@staff_page
@require_POST
def partner_credential_revoke(request: HttpRequest, credential_id: int) -> HttpResponse:
    credential = account_selectors.partner_credential_get(credential_id=credential_id)
    if credential is None:
        raise Http404("Partner credential not found.")
    credentials.partner_credential_revoke(credential=credential)
    messages.success(request, f"Credentials {credential.api_key} revoked.")
    return redirect("staff:partner_credentials")
