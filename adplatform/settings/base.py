"""Settings shared by every environment.

Everything comes from the environment (django-environ). With nothing set the platform runs
embedded: SQLite, a database-backed cache every server process shares, and Celery tasks run
eagerly in the web process. ``DATABASE_URL`` switches to PostgreSQL (psycopg 3) and
``REDIS_URL`` to Redis for the cache, the Celery broker and the rate-limit store.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------------------
# The development key below is only ever used when no key is configured; production.py
# refuses to start without DJANGO_SECRET_KEY.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-insecure-key-change-me-0123456789abcdef")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The partner API picks the client from the host {client_slug}.{PARTNER_BASE_DOMAIN}; every
# such host is allowed. "localhost" works out of the box (acme.localhost:8000 is loopback).
PARTNER_BASE_DOMAIN = env.str("PARTNER_BASE_DOMAIN", default="localhost").strip(".").lower()
if PARTNER_BASE_DOMAIN and f".{PARTNER_BASE_DOMAIN}" not in ALLOWED_HOSTS:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, f".{PARTNER_BASE_DOMAIN}"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_ratelimit",
    "auditlog",
    "apps.common",
    "apps.accounts",
    "apps.inventory",
    "apps.campaigns",
    "apps.delivery",
    "apps.reporting",
    "apps.webhooks",
    "apps.billing",
    "apps.partners",
    "apps.audit",
    "apps.audiences",
    "apps.rtb",
    "apps.dashboards",
]

MIDDLEWARE = [
    # Serve and tracking requests are answered here, skipping the rest of the stack.
    "apps.delivery.middleware.HotPathMiddleware",
    "apps.common.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.common.middleware.ClientIPMiddleware",
    "apps.common.middleware.ApiErrorMiddleware",
    "apps.common.middleware.IdempotencyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "adplatform.urls"
WSGI_APPLICATION = "adplatform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.dashboards.context.dashboard",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions let several server processes share one SQLite file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Opening a SQLite connection (and running the PRAGMAs) costs ~3 ms; keep it per thread.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Where serving and tracking keep their shared state (counters, claims, the event buffer,
# the inventory change log): "redis" with REDIS_URL, else "sql" (the database).
HOT_STORE = env.str("HOT_STORE", default="redis" if REDIS_URL else "sql")
# How long a hot-store call may wait before the store counts as unreachable, and where
# tracking spools beacons meanwhile (replayed when the store answers again).
HOT_STORE_TIMEOUT_SECONDS = env.float("HOT_STORE_TIMEOUT_SECONDS", default=0.5)
# /metrics (Prometheus): answered to loopback callers and to "Authorization: Bearer <token>".
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOW_LOOPBACK = env.bool("METRICS_ALLOW_LOOPBACK", default=True)
# /readyz fails when tracked events have waited longer than this to be drained.
READY_MAX_DRAIN_LAG_SECONDS = env.float("READY_MAX_DRAIN_LAG_SECONDS", default=60.0)
HOT_STORE_SPOOL_DIR = env.str("HOT_STORE_SPOOL_DIR", default=str(BASE_DIR / "var" / "spool"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "apps.common.cache.PooledRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "adp",
        }
    }
    # Redis increments atomically; django-ratelimit only knows django-redis by name.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = None
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # A cache in the database is shared by every process that serves the site, so gunicorn
    # with several workers stays consistent without any extra service.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "adplatform_cache",
            "KEY_PREFIX": "adp",
            # Money counters are not kept here (see apps/common/tallies.py); the drain thread
            # purges expired rows, so culling (random deletion when full) is a last resort.
            "OPTIONS": {"MAX_ENTRIES": 2_000_000},
        }
    }
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    # The database cache increments non-atomically; for the single-host embedded default a
    # rare lost increment on a rate-limit counter is acceptable. Redis is used in production.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    "drain-tracking-events": {"task": "delivery.drain_events", "schedule": 2.0},
    "flush-zone-requests": {"task": "delivery.flush_zone_requests", "schedule": 30.0},
    "reconcile-rollups": {"task": "delivery.reconcile_rollups", "schedule": 6 * 3600.0},
    "purge-raw-events": {"task": "delivery.purge_raw_events", "schedule": 24 * 3600.0},
    "ensure-partitions": {"task": "delivery.ensure_partitions", "schedule": 3600.0},
    "webhooks-retry-due": {"task": "webhooks.retry_due", "schedule": 60.0},
    "reporting-refresh-rollups": {"task": "reporting.refresh_rollups", "schedule": 900.0},
    "billing-post-daily-spend": {"task": "billing.post_daily_spend", "schedule": 900.0},
    "billing-monthly-invoices": {"task": "billing.issue_monthly_invoices", "schedule": 3600.0},
    "billing-payouts": {"task": "billing.generate_payouts", "schedule": 3600.0},
    "billing-reconcile": {"task": "billing.reconcile", "schedule": 6 * 3600.0},
}
# Stripe keys when they are not set as platform settings (those win).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Reports: the longest range one report may cover, and the per-scope hourly sums they read.
REPORT_MAX_DAYS = env.int("REPORT_MAX_DAYS", default=366)
REPORT_ROLLUPS = env.bool("REPORT_ROLLUPS", default=True)
# Hours younger than this are still settling (late events) and read from the hourly stats.
REPORT_ROLLUP_SETTLE_HOURS = env.int("REPORT_ROLLUP_SETTLE_HOURS", default=2)
# Each rollup pass rebuilds this many settled hours back, at most this often per process.
REPORT_ROLLUP_REFRESH_HOURS = env.int("REPORT_ROLLUP_REFRESH_HOURS", default=24)
REPORT_ROLLUP_REFRESH_SECONDS = env.int("REPORT_ROLLUP_REFRESH_SECONDS", default=900)
# The attribution report refuses ranges with more conversion paths than this.
REPORT_ATTRIBUTION_MAX_ROWS = env.int("REPORT_ATTRIBUTION_MAX_ROWS", default=500_000)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_FAILURE_DEACTIVATE_AFTER = env.int("WEBHOOK_FAILURE_DEACTIVATE_AFTER", default=20)
# Seconds between a failed delivery and its retries (one retry per entry).
WEBHOOK_RETRY_DELAYS = tuple(
    env.list("WEBHOOK_RETRY_DELAYS", cast=int, default=[60, 300, 900, 2400])
)
WEBHOOK_MAX_PER_OWNER = env.int("WEBHOOK_MAX_PER_OWNER", default=100)
# Row-level impressions are kept this long (clicks and conversions forever).
IMPRESSION_RETENTION_DAYS = env.int("IMPRESSION_RETENTION_DAYS", default=90)


def event_drain_in_process_default(*, redis_url: str) -> bool:
    """Who drains the tracking buffer when ``EVENT_DRAIN_IN_PROCESS`` is not set.

    One owner per deployment: with a broker (``REDIS_URL``) Celery beat drains every 2 s, so
    web processes keep their CPU for requests; in the embedded default nothing else runs, so
    each web process drains in a thread (draining is idempotent and safe to run concurrently).
    The webhook retry sweep follows the same setting.
    """
    return not redis_url


EVENT_DRAIN_IN_PROCESS = env.bool(
    "EVENT_DRAIN_IN_PROCESS", default=event_drain_in_process_default(redis_url=REDIS_URL)
)
EVENT_DRAIN_INTERVAL_SECONDS = env.float("EVENT_DRAIN_INTERVAL_SECONDS", default=2.0)
# The other periodic work of the embedded default follows the drain's owner.
WEBHOOK_RETRY_IN_PROCESS = env.bool("WEBHOOK_RETRY_IN_PROCESS", default=EVENT_DRAIN_IN_PROCESS)
BILLING_RUN_IN_PROCESS = env.bool("BILLING_RUN_IN_PROCESS", default=EVENT_DRAIN_IN_PROCESS)
# One address sending this many invalid events within 10 minutes raises a fraud.alert.
FRAUD_ALERT_THRESHOLD = env.int("FRAUD_ALERT_THRESHOLD", default=100)

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.EmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Request limits ---------------------------------------------------------------------
# Bodies above this size are refused with 413 before anything parses them.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1_048_576)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
# Proxies whose X-Forwarded-For we believe (IPs or CIDRs). Empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.BearerAuthentication",
        "apps.accounts.authentication.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.common.ratelimit.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "apps.common.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "apps.common.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Ad Platform API",
    "DESCRIPTION": (
        "REST API v1 of the self-hosted ad platform: accounts, inventory, campaigns, delivery, "
        "reporting, billing and webhooks. Authenticate with `Authorization: Bearer <token>` "
        "where the token is an API key (`ak_live_…`) or a JWT access token."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "RoleNameEnum": ["admin", "advertiser", "publisher", "finance", "partner"],
        "SignupRoleEnum": ["advertiser", "publisher"],
        # Inventory (publisher status, zone status, ad formats); ads reuse the same sets.
        "ReviewStatusEnum": "apps.inventory.models.PublisherStatus",
        "ActivePausedEnum": "apps.inventory.models.ZoneStatus",
        "AdTypeEnum": "apps.common.adformats.AdType",
        # Campaigns (a new campaign may only start as draft or active).
        "CampaignStatusEnum": "apps.campaigns.models.CampaignStatus",
        "CampaignCreateStatusEnum": ["draft", "active"],
        "ConversionGoalTypeEnum": "apps.campaigns.models.GoalType",
        "WebhookDeliveryStatusEnum": "apps.webhooks.models.DeliveryStatus",
        "InvoiceStatusEnum": "apps.billing.models.InvoiceStatus",
        "PayoutStatusEnum": "apps.billing.models.PayoutStatus",
        # Audiences and consent.
        "AudienceTypeEnum": "apps.audiences.models.AudienceType",
        "UploadModeEnum": "apps.audiences.models.UploadMode",
        "WalletModeEnum": "apps.billing.models.WalletMode",
        "UploadFormatEnum": "apps.audiences.models.UploadFormat",
    },
    "SECURITY": [{"BearerAuth": []}],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "BearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key (ak_live_…) or a JWT access token.",
            }
        }
    },
    "AUTHENTICATION_WHITELIST": [],
    # ``<id:…>`` path segments (apps.common.integers.IdConverter).
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1}},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.delivery.openapi.add_public_paths",
        "apps.common.schema.postprocess_nullable_refs",
        "apps.rtb.openapi.add_openrtb_paths",
    ],
}

JWT_ACCESS_MINUTES = env.int("JWT_ACCESS_MINUTES", default=15)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=JWT_ACCESS_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "SIGNING_KEY": SECRET_KEY,
}

# --- Rate limits (django-ratelimit rate syntax) -----------------------------------------
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_LOGIN = env.str("RATELIMIT_LOGIN", default="5/15m")
RATELIMIT_SIGNUP = env.str("RATELIMIT_SIGNUP", default="5/m")
RATELIMIT_API_USER = env.str("RATELIMIT_API_USER", default="2000/m")
RATELIMIT_API_ANON = env.str("RATELIMIT_API_ANON", default="60/m")
RATELIMIT_PUBLIC = env.str("RATELIMIT_PUBLIC", default="1000/m")
# MFA codes checked per user (login second step, verify, disable).
RATELIMIT_MFA = env.str("RATELIMIT_MFA", default="5/5m")

# --- Audit log (django-auditlog) ------------------------------------------------------
# Before/after values as JSON (not text); actor and address come from AuditContextMiddleware.
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- Idempotency ------------------------------------------------------------------------
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60

# --- Platform behaviour -----------------------------------------------------------------
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
AUTO_APPROVE_ADS = env.bool("AUTO_APPROVE_ADS", default=False)
# Serving: generic HTTP client libraries (server-side integrations) are not counted as bots
# unless this is off; a MaxMind .mmdb file adds regions to the bundled country database.
TRAFFIC_ALLOW_HTTP_CLIENTS = env.bool("TRAFFIC_ALLOW_HTTP_CLIENTS", default=True)
GEOIP_MMDB_PATH = env.str("GEOIP_MMDB_PATH", default="")
# How often each process checks the shared inventory version (seconds).
INVENTORY_CHECK_SECONDS = env.float("INVENTORY_CHECK_SECONDS", default=1.0)
# A thread of each process applies inventory changes while requests keep the old index.
INVENTORY_REBUILD_IN_BACKGROUND = env.bool("INVENTORY_REBUILD_IN_BACKGROUND", default=True)
# How often CPC/CPA eCPMs and optimized rotation re-read per-ad delivery from the rollups.
AD_STATS_REFRESH_SECONDS = env.float("AD_STATS_REFRESH_SECONDS", default=300.0)
# At most this often, one process saves the compiled inventory for others to start from.
INDEX_SNAPSHOT_SECONDS = env.float("INDEX_SNAPSHOT_SECONDS", default=60.0)
# Seed 001's token-less tracking forms find the serve they name for this long (the signed
# URLs themselves stay valid for 24 hours); bounds what serving keeps in the cache.
SERVED_MEMORY_SECONDS = env.int("SERVED_MEMORY_SECONDS", default=6 * 3600)
VAST_AD_SYSTEM = env.str("VAST_AD_SYSTEM", default="Ad Platform")
# Audiences and consent (apps/audiences). The platform's IAB TCF vendor id: consent must name
# it where a website sets none (0 or unset: act as the publisher's first party and read the
# purposes the visitor consented to).
TCF_VENDOR_ID = env.int("TCF_VENDOR_ID", default=0) or None
# List uploads: the largest file accepted, where files wait to be processed, and whether the
# embedded default processes them in a thread (a Celery worker does with REDIS_URL).
AUDIENCE_UPLOAD_MAX_BYTES = env.int("AUDIENCE_UPLOAD_MAX_BYTES", default=200 * 1024 * 1024)
AUDIENCE_UPLOAD_DIR = env.str("AUDIENCE_UPLOAD_DIR", default=str(BASE_DIR / "var" / "uploads"))
AUDIENCE_UPLOADS_IN_THREAD = env.bool("AUDIENCE_UPLOADS_IN_THREAD", default=not REDIS_URL)
# Lookalike audiences: days of behaviour read, and the most candidate user keys scored.
LOOKALIKE_LOOKBACK_DAYS = env.int("LOOKALIKE_LOOKBACK_DAYS", default=30)
LOOKALIKE_MAX_CANDIDATES = env.int("LOOKALIKE_MAX_CANDIDATES", default=200_000)

# --- OpenRTB 2.6 exchange (apps/rtb) -----------------------------------------------------
# Our seat id in bid responses, and our node in the supply chain (schain ``asi``).
RTB_SEAT = env.str("RTB_SEAT", default="adplatform")
RTB_SCHAIN_ASI = env.str("RTB_SCHAIN_ASI", default="adplatform.local")
# Bid requests larger than this (after gzip) are refused with 413.
RTB_MAX_BODY_BYTES = env.int("RTB_MAX_BODY_BYTES", default=256 * 1024)
# The deadline when a request gives no tmax, and what is kept back from tmax for our own
# work (encoding, the network) when partners are called.
RTB_DEFAULT_TMAX_MS = env.int("RTB_DEFAULT_TMAX_MS", default=100)
RTB_SAFETY_MARGIN_MS = env.int("RTB_SAFETY_MARGIN_MS", default=15)
# How long our notice URLs stay valid, and how old the per-process configuration snapshot
# (exchange rates, site/app mappings, demand partners) may get before it is reloaded.
RTB_NOTICE_TTL_SECONDS = env.int("RTB_NOTICE_TTL_SECONDS", default=24 * 3600)
RTB_CONFIG_SECONDS = env.float("RTB_CONFIG_SECONDS", default=10.0)
RTB_STATS_FLUSH_SECONDS = env.float("RTB_STATS_FLUSH_SECONDS", default=5.0)
# Sell side: threads calling demand partners per process, the circuit breaker (failures in a
# row that open it, seconds it stays open), how often a partner's address is re-resolved, and
# the timeout of the notices we send partners.
RTB_FANOUT_THREADS = env.int("RTB_FANOUT_THREADS", default=32)
RTB_BREAKER_FAILURES = env.int("RTB_BREAKER_FAILURES", default=5)
RTB_BREAKER_OPEN_SECONDS = env.float("RTB_BREAKER_OPEN_SECONDS", default=30.0)
RTB_PARTNER_DNS_SECONDS = env.float("RTB_PARTNER_DNS_SECONDS", default=60.0)
RTB_NOTICE_TIMEOUT_SECONDS = env.float("RTB_NOTICE_TIMEOUT_SECONDS", default=2.0)
# Our own tag's ad requests for zones that demand partners are configured for: how long the
# partners get (from the request's arrival) and the auction type (1 first, 2 second price).
RTB_SERVE_TMAX_MS = env.int("RTB_SERVE_TMAX_MS", default=80)
RTB_SERVE_AUCTION_TYPE = env.int("RTB_SERVE_AUCTION_TYPE", default=2)

# --- Logging ----------------------------------------------------------------------------
# "json" (one object per line, for log collectors) or "plain"; both carry the request id.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.common.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "apps.common.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@adplatform.local")
