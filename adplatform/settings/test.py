"""Test settings: fast hashing, quiet logs, and the services CI provides when configured."""

import tempfile

from .base import *
from .base import REDIS_URL

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WEBHOOK_ALLOW_PRIVATE_URLS = True
LOGGING["root"]["level"] = "WARNING"

if not REDIS_URL:
    # Each test process gets its own memory; fixtures clear it between tests.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
else:
    CACHES["default"]["KEY_PREFIX"] = "adp-test"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

# Tests drain the tracking buffer explicitly (events_drain) instead of in a thread.
EVENT_DRAIN_IN_PROCESS = False
WEBHOOK_RETRY_IN_PROCESS = False
BILLING_RUN_IN_PROCESS = False
# Serving sees inventory changes at once in tests.
INVENTORY_CHECK_SECONDS = 0
INVENTORY_REBUILD_IN_BACKGROUND = False
# Tracking spools (hot store unreachable) go to a temporary folder, never the checkout.
HOT_STORE_SPOOL_DIR = tempfile.mkdtemp(prefix="adp-spool-")
# List uploads are processed in the request (eager tasks), files in a temporary folder.
AUDIENCE_UPLOADS_IN_THREAD = False
AUDIENCE_UPLOAD_DIR = tempfile.mkdtemp(prefix="adp-uploads-")
# The exchange writes its statistics when told (tests).
RTB_STATS_FLUSH_SECONDS = 0
