"""Client address resolution that cannot be spoofed unless a proxy is trusted."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=1)
def _trusted_networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _is_trusted(address: str) -> bool:
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request: HttpRequest) -> str:
    """``REMOTE_ADDR``, or behind a trusted proxy the nearest untrusted ``X-Forwarded-For`` hop."""
    cached = getattr(request, "_client_ip", None)
    if cached:
        return cached
    address = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    if _is_trusted(address):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            address = hop
            if not _is_trusted(hop):
                break
        try:
            address = str(ipaddress.ip_address(address))
        except ValueError:
            address = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    request._client_ip = address
    return address


@lru_cache(maxsize=65536)
def ip_truncate(address: str) -> str:
    """An address as it may be stored: IPv4 to its /24, IPv6 to its /48 (the host part
    zeroed); anything unreadable becomes ``""``."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)
