"""Settings for the serve benchmark: the base settings, quiet, with a trivial view to compare.

Same middleware, cache and database choice as the platform (``DATABASE_URL`` / ``REDIS_URL``
switch to PostgreSQL / Redis). Without ``DATABASE_URL`` the embedded SQLite database is a
separate file, ``bench/bench.sqlite3``, so bench data never mixes with the dev database.
"""

import os
import warnings

from adplatform.settings.base import *  # noqa: F403
from adplatform.settings.base import BASE_DIR, DATABASES, INSTALLED_APPS

if not os.environ.get("DATABASE_URL"):
    DATABASES["default"]["NAME"] = os.environ.get(
        "BENCH_SQLITE_PATH", str(BASE_DIR / "bench" / "bench.sqlite3")
    )

if "apps.delivery" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "apps.delivery"]

# WhiteNoise warns once per process when collectstatic has not run; irrelevant here.
warnings.filterwarnings("ignore", message="No directory at")

# django-ratelimit warns that Redis is "not officially supported"; it is off here anyway.
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "django_ratelimit.W001"]

ROOT_URLCONF = "bench.urls"
DEBUG = False
RATELIMIT_ENABLE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"level": "ERROR"}},
}
