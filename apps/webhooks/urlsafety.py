"""Keep webhook URLs out of private networks (SSRF).

A URL must be ``https`` and its host must resolve only to public addresses. The check runs
when a webhook is saved and again right before every send, on a fresh DNS answer, and the
sender then connects to the very address that was checked (so a DNS rebind between the check
and the connect cannot redirect it). ``WEBHOOK_ALLOW_PRIVATE_URLS=true`` (development, tests)
allows ``http`` and any address.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from urllib.parse import urlsplit

from django.conf import settings

# Cloud metadata services; all are inside ranges refused anyway, named here to be explicit.
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("169.254.170.2"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("100.100.100.200"),
    }
)
BLOCKED_HOSTNAMES = frozenset({"localhost", "metadata.google.internal", "metadata"})
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
# Single-label names (``receiver``, a compose service) are valid syntax; where they may point
# is decided by the address checks, not by the spelling.
HOST_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
DNS_TIMEOUT_SECONDS = 3.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrlError(ValueError):
    """The URL may not be used for a webhook; the message says why."""

    def __init__(self, message: str, *, code: str = "unsafe_url"):
        super().__init__(message)
        self.code = code


def private_urls_allowed() -> bool:
    return settings.WEBHOOK_ALLOW_PRIVATE_URLS


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a 6to4, Teredo or NAT64 address leads to."""
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_is_public(ip: IPAddress) -> bool:
    """True for a globally routable unicast address (IPv4 inside IPv6 checked too)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return address_is_public(ip.ipv4_mapped)  # the connection goes to the IPv4 address
        inner = _embedded_ipv4(ip)
        if inner is not None and not address_is_public(inner):
            return False
    return not (
        ip in METADATA_ADDRESSES
        or ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve(host: str, port: int, *, timeout: float = DNS_TIMEOUT_SECONDS) -> list[IPAddress]:
    """The host's addresses (in resolver order); ``OSError`` when it does not resolve in time."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    answer: dict = {}

    def lookup() -> None:
        try:
            answer["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            answer["error"] = exc

    # getaddrinfo has no timeout of its own; a hung resolver must not hold a worker.
    worker = threading.Thread(target=lookup, name="webhook-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise OSError(f"DNS lookup of {host} timed out")
    if "error" in answer:
        raise OSError(f"DNS lookup of {host} failed: {answer['error']}")
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in answer.get("infos", []):
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise OSError(f"DNS lookup of {host} returned no address")
    return addresses


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    labels = ascii_host.split(".")
    return len(ascii_host) <= 253 and all(HOST_LABEL.match(label) for label in labels)


def _ascii_host(host: str) -> str:
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        return host.encode("idna").decode("ascii").lower()


def url_syntax_error(url: str) -> str | None:
    """Why ``url`` is not an absolute http(s) URL, or None."""
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "Enter a valid URL (no spaces or control characters)."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "Enter a valid URL."
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "Enter a valid http or https URL."
    host = (parts.hostname or "").rstrip(".")
    if not host or not _valid_host(host):
        return "Enter a valid URL: the host name is not valid."
    return None


def url_parts(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an acceptable URL; ``UnsafeUrlError`` otherwise."""
    error = url_syntax_error(url)
    if error:
        raise UnsafeUrlError(error, code="invalid_url")
    parts = urlsplit(url)
    port = parts.port
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if private_urls_allowed() else ("https",)
    if scheme not in allowed:
        raise UnsafeUrlError("The URL must use https.", code="https_required")
    host = _ascii_host((parts.hostname or "").rstrip("."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrlError(
            "Credentials in the URL are not allowed; verify the signature instead.",
            code="credentials_in_url",
        )
    return scheme, host, port or (443 if scheme == "https" else 80)


def _check_name(host: str) -> None:
    name = host.lower()
    if name in BLOCKED_HOSTNAMES or name.endswith((".localhost", ".internal", ".local")):
        raise UnsafeUrlError(
            "The URL must point to a public host, not a local or internal name.",
            code="private_address",
        )


def _check_addresses(host: str, addresses: list[IPAddress]) -> None:
    for ip in addresses:
        if not address_is_public(ip):
            raise UnsafeUrlError(
                f"The URL's host {host} resolves to a non-public address ({ip}); "
                "webhooks may only call public addresses.",
                code="private_address",
            )


def url_check_on_save(url: str) -> None:
    """Validate a URL a user saves: scheme, and no private address among what it resolves to.

    A name that does not resolve right now is accepted (DNS may be briefly down, or the
    receiver not deployed yet); it is checked again before every send.
    """
    _scheme, host, port = url_parts(url)
    if private_urls_allowed():
        return
    _check_name(host)
    try:
        addresses = resolve(host, port)
    except OSError:
        return
    _check_addresses(host, addresses)


def url_target(url: str) -> tuple[str, str, int, list[IPAddress]]:
    """Right before a send: ``(scheme, host, port, vetted addresses)`` to connect to.

    ``OSError`` when the name does not resolve; ``UnsafeUrlError`` when it is not allowed.
    """
    scheme, host, port = url_parts(url)
    if not private_urls_allowed():
        _check_name(host)
    addresses = resolve(host, port)
    if not private_urls_allowed():
        _check_addresses(host, addresses)
    return scheme, host, port, addresses
