"""Settings for vpt, all from the environment (django-environ), secure by default.

VPT_ENV selects the defaults, never the security of production:
- ``production`` (the default): DEBUG off, SECRET_KEY required, PostgreSQL expected.
- ``demo``: the embedded default for the first README command (SQLite, eager tasks).
- ``test``: used by the test settings; PostgreSQL and Redis from the environment.

Everything is overridable by an environment variable of the same name; see docs/configuration.md.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
VPT_ENV = env.str("VPT_ENV", default="production")
if VPT_ENV not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"VPT_ENV must be production, demo or test, not {VPT_ENV!r}")
IS_PRODUCTION = VPT_ENV == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=False)

_secret = env.str("DJANGO_SECRET_KEY", default="")
if not _secret:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when VPT_ENV=production")
    _secret = f"insecure-{VPT_ENV}-only-key-never-use-in-production"
SECRET_KEY = _secret

# Field encryption (BSN) and keyed lookup hashes: see vpt/core/crypto.py. Production must
# set both; demo and test derive throw-away keys from the (insecure) secret key.
FIELD_ENCRYPTION_KEYS = env.list("VPT_FIELD_ENCRYPTION_KEYS", default=[])
LOOKUP_HASH_KEY = env.str("VPT_LOOKUP_HASH_KEY", default="")
if IS_PRODUCTION and (not FIELD_ENCRYPTION_KEYS or not LOOKUP_HASH_KEY):
    raise ImproperlyConfigured(
        "VPT_FIELD_ENCRYPTION_KEYS and VPT_LOOKUP_HASH_KEY are required when VPT_ENV=production"
    )
if not FIELD_ENCRYPTION_KEYS:
    import base64
    import hashlib

    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(f"fernet:{SECRET_KEY}".encode()).digest()).decode()]
    LOOKUP_HASH_KEY = LOOKUP_HASH_KEY or hashlib.sha256(f"lookup:{SECRET_KEY}".encode()).hexdigest()

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=[] if IS_PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"],
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # vpt.tenancy first: its `migrate` command (migrations as the owner role) wins.
    "vpt.tenancy",
    "vpt.accounts",
    "vpt.audit",
    "vpt.core",
    "vpt.wlz",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "django_guid",
    "clients",
    "arrangements",
    "teams",
    "alarms",
    "billing",
    "reports",  # after billing: reads it, and its demo seeder runs after billing's
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vpt.core.middleware.DutchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: resolves the active membership and runs the rest of the request inside the
    # tenant scope (django-scopes + one transaction carrying the PostgreSQL RLS setting).
    "vpt.tenancy.middleware.TenantMiddleware",
]

ROOT_URLCONF = "vpt.urls"
WSGI_APPLICATION = "vpt.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vpt.tenancy.context_processors.tenancy",
                "alarms.context_processors.alarm_outages",
            ],
        },
    }
]

# --- Database ----------------------------------------------------------------------------
# DATABASE_URL is the application's connection. On PostgreSQL it is a role that does not
# own the tables, so row-level security applies and cannot be switched off by the app.
# DATABASE_OWNER_URL (same database, the owner role) is used only by `migrate`.
_default_db = "sqlite:///" + str(BASE_DIR / "var" / f"{VPT_ENV}.sqlite3")
if IS_PRODUCTION and "DATABASE_URL" not in env:
    raise ImproperlyConfigured("DATABASE_URL is required when VPT_ENV=production")
DATABASES = {"default": env.db_url("DATABASE_URL", default=_default_db)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
if env.str("DATABASE_OWNER_URL", default=""):
    DATABASES["owner"] = env.db_url("DATABASE_OWNER_URL")
# Every view runs in a transaction (a savepoint inside the tenant transaction): a view that
# fails saves nothing.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
for _alias, _db in DATABASES.items():
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
        _db["CONN_HEALTH_CHECKS"] = True
        # Fail fast instead of hanging a worker when PostgreSQL is away.
        _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    else:
        _db.setdefault("OPTIONS", {}).setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if VPT_ENV == "test":
    # Hashing dominates test time; production keeps Django's default (PBKDF2, many rounds).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Failed-login throttling (django-axes): lock the user name + IP combination after 5
# failures for 15 minutes; a success resets the counter.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)

# Sessions: tablets are shared in the field. A session ends after 30 idle minutes (every
# request extends it) and when the browser closes; at most one working day in total is
# enforced by the idle timeout plus a hard limit checked in TenantMiddleware.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_MAX_AGE_SECONDS = env.int("SESSION_MAX_AGE_SECONDS", default=10 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security headers ----------------------------------------------------------------------
SECURE_HTTPS = env.bool("DJANGO_SECURE_HTTPS", default=False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS and env.bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_PROXY", default=False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: no third-party origin at all; every asset is served by the app.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
}

# --- i18n --------------------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "/static/"
# Outside production whitenoise serves from the finders and there is nothing to collect.
STATIC_ROOT = BASE_DIR / "staticfiles" if IS_PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production, whitenoise serves straight from the finders (no collectstatic needed).
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- E-mail ------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="vpt <noreply@localhost>")

# --- Celery --------------------------------------------------------------------------------
# Without a broker, tasks run eagerly in-process (demo). With one, the settings below guard
# against the pitfalls listed in DESIGN.md "Background work".
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=14 * 60)
# Redis re-delivers unacknowledged tasks after the visibility timeout: keep it well above
# the longest task (the hard time limit) and never schedule tasks further ahead than it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A request must never hang because Redis is down: bounded publish retries.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
# The beat schedule; later issues add the daily run, alarm sweeper and export sweeps.
# Exactly one beat process runs; every periodic task is idempotent anyway.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    # The alarm sweeper: notify, escalate overdue alarms, detect silent channels.
    "alarm-sweep": {"task": "alarms.tasks.sweep", "schedule": env.float("VPT_ALARM_SWEEP_SECONDS", default=30.0)},
    "purge-intake-records": {"task": "alarms.tasks.purge_intake_records", "schedule": crontab(hour=4, minute=30)},
    # The daily run (billing): every organisation's day tariff lines and budget days up to yesterday.
    "daily-run": {"task": "billing.tasks.nightly", "schedule": crontab(hour=2, minute=30)},
    # Runs that were recorded but whose task never reached a worker (broker down) are re-sent.
    "daily-run-sweep": {"task": "billing.tasks.sweep_queued_runs", "schedule": 10 * 60.0},
    # Background exports: re-send jobs lost with the broker, fail jobs whose worker died, purge old files.
    "export-sweep": {"task": "billing.export_tasks.sweep_exports", "schedule": 5 * 60.0},
    "export-purge": {"task": "billing.export_tasks.purge_exports", "schedule": crontab(hour=4, minute=45)},
    "clear-expired-sessions": {
        "task": "vpt.core.tasks.clear_expired_sessions",
        "schedule": crontab(hour=4, minute=15),
    },
}

# --- Billing ---------------------------------------------------------------------------------
# The first nightly run of an organisation goes back to its earliest start of care, at most this far.
VPT_DAILY_RUN_BACKFILL_DAYS = env.int("VPT_DAILY_RUN_BACKFILL_DAYS", default=400)
# A run works in chunks of this many days, each its own transaction (progress, restartability).
VPT_DAILY_RUN_CHUNK_DAYS = env.int("VPT_DAILY_RUN_CHUNK_DAYS", default=31)

# --- Alarms ----------------------------------------------------------------------------------
# Notification backends besides the in-app one (alarms/notify.py): dotted class paths.
VPT_NOTIFY_BACKENDS = env.list(
    "VPT_NOTIFY_BACKENDS",
    default=["alarms.notify.ConsoleBackend"] if VPT_ENV == "demo" else ["alarms.notify.EmailBackend"],
)
# Intake API: how far a request's signed timestamp may be from the server's clock.
VPT_ALARM_REPLAY_WINDOW_SECONDS = env.int("VPT_ALARM_REPLAY_WINDOW_SECONDS", default=300)
# How long the intake API's request log (IntakeRecord, kept for inspection) is kept.
VPT_INTAKE_RETENTION_DAYS = env.int("VPT_INTAKE_RETENTION_DAYS", default=90)

# --- Redis (health check, worker heartbeat) ------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")

# --- REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["vpt.tenancy.permissions.IsTenantMember"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "vpt API",
    "DESCRIPTION": "VPT in de wijk: tenant-scoped API. Every object of another organisation answers 404.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "ClientStatusEnum": "clients.models.Client.Status",
        "ArrangementStatusEnum": "arrangements.models.Arrangement.Status",
    },
}

# --- Logging -------------------------------------------------------------------------------
# One JSON object per line with request id (django-guid) and tenant; plain text in demo.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if IS_PRODUCTION else "text")
DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "RETURN_HEADER": True, "VALIDATE_GUID": False}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "django_guid.log_filters.CorrelationId"},
        "tenant": {"()": "vpt.core.logging.TenantFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s %(organization_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "correlation_id": "request_id"},
        },
        "text": {
            "format": "%(asctime)s %(levelname)s [%(correlation_id)s org=%(organization_id)s] %(name)s: %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "tenant"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django_guid": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every fetched resource and font at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
