"""Which client (advertiser) a partner request is for, and the dashboard links it answers."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from apps.accounts.models import User
from apps.campaigns.models import Advertiser, Campaign


def client_slug_from_host(request: HttpRequest) -> str | None:
    """``acme`` for a request to ``acme.{PARTNER_BASE_DOMAIN}`` (any port), else ``None``."""
    base = (settings.PARTNER_BASE_DOMAIN or "").strip(".").lower()
    if not base:
        return None
    host = request.get_host().lower()
    if host.startswith("["):  # an IPv6 literal is never a client host
        return None
    host = host.rsplit(":", 1)[0] if ":" in host else host
    suffix = "." + base
    if not host.endswith(suffix) or len(host) == len(suffix):
        return None
    return host[: -len(suffix)]


def partner_managed_advertisers(*, partner: User):
    return Advertiser.objects.filter(managers=partner).order_by("id")


def partner_client_get(*, partner: User, client_slug: str) -> Advertiser | None:
    """The advertiser with ``client_slug`` if ``partner`` was granted it (else ``None``)."""
    return partner_managed_advertisers(partner=partner).filter(client_slug=client_slug).first()


def dashboard_base_url(request: HttpRequest) -> str:
    """Where dashboard links point: this host when the partner called the main site (path
    form), ``SITE_URL`` when it called a client's own host."""
    if client_slug_from_host(request) is not None:
        return settings.SITE_URL
    return f"{request.scheme}://{request.get_host()}"


def campaign_link(request: HttpRequest, campaign: Campaign) -> str:
    path = reverse("advertiser:campaign_detail", args=[campaign.pk])
    return f"{dashboard_base_url(request)}{path}"


def finish_link(request: HttpRequest, campaign: Campaign) -> str:
    path = reverse("advertiser:campaign_finish", args=[campaign.pk])
    return f"{dashboard_base_url(request)}{path}"
