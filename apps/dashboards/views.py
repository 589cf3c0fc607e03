"""Entry point of the dashboards: send each user to their role's home page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from apps.accounts.models import Role

ROLE_HOME = {
    Role.ADVERTISER: "advertiser:home",
    Role.PUBLISHER: "publisher:home",
    Role.ADMIN: "staff:home",
    Role.FINANCE: "finance:home",
    Role.PARTNER: "advertiser:home",
}


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    return redirect(ROLE_HOME.get(request.user.role, "accounts:profile"))
