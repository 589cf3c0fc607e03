"""Production settings: no secret defaults, secure cookies, DEBUG only when asked."""

import os

from django.core.exceptions import ImproperlyConfigured

if not os.environ.get("DJANGO_SECRET_KEY"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")

from .base import *
from .base import env

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
SIMPLE_JWT["SIGNING_KEY"] = SECRET_KEY
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# No default client host in production: set PARTNER_BASE_DOMAIN to use subdomains.
PARTNER_BASE_DOMAIN = env.str("PARTNER_BASE_DOMAIN", default="").strip(".").lower()
if PARTNER_BASE_DOMAIN:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, f".{PARTNER_BASE_DOMAIN}"]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0)
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"

# Log collectors read one JSON object per line (LOG_FORMAT=plain to read them yourself).
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
