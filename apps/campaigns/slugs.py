"""Client slugs: the URL-safe name of an advertiser in the partner API's addresses.

A slug is a DNS label (``{client_slug}.{PARTNER_BASE_DOMAIN}``), so it keeps to lowercase
letters, digits and inner hyphens, at most 63 characters. Labels that name parts of the
platform itself are reserved.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.text import slugify

CLIENT_SLUG_MAX_LENGTH = 63
CLIENT_SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
RESERVED_CLIENT_SLUGS = frozenset(
    {"www", "api", "admin", "app", "static", "media", "mail", "dashboard", "docs", "clients"}
)
_BASE_LENGTH = 50  # leaves room for a "-<n>" suffix
_SLUG_RE = re.compile(CLIENT_SLUG_PATTERN)


def validate_client_slug(value: str) -> None:
    if not _SLUG_RE.match(value or ""):
        raise ValidationError(
            "Use 1-63 lowercase letters, digits or inner hyphens (e.g. 'acme-shop').",
            code="invalid_string",
        )
    if value in RESERVED_CLIENT_SLUGS:
        raise ValidationError(f"'{value}' is reserved.", code="reserved")


def client_slug_base(text: str) -> str:
    """A slug made from ``text`` (a company name), without uniqueness."""
    slug = slugify(text or "").replace("_", "-")
    slug = re.sub(r"-{2,}", "-", slug)[:_BASE_LENGTH].strip("-")
    if not slug or slug in RESERVED_CLIENT_SLUGS:
        slug = f"{slug or 'client'}-co".strip("-")
    return slug


def client_slug_unique(base: str, taken) -> str:
    """``base``, or ``base-2``, ``base-3``… whichever ``taken(slug)`` says is free."""
    candidate, number = base, 1
    while taken(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate
