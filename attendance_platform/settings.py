"""One settings module, configured from environment variables (README lists them)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from tiering.filecheck import MiB, UploadLimits

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("APP_DATA_DIR") or BASE_DIR / ".data")

DEBUG = env_bool("DJANGO_DEBUG", False)
HTTPS = env_bool("DJANGO_HTTPS", False)


def _secret_key() -> str:
    configured = env_str("DJANGO_SECRET_KEY")
    if configured:
        return configured
    if HTTPS:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_HTTPS is on.")
    # A local checkout gets its own key, kept beside the embedded database and never committed.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    # Before districts, whose admin module replaces their device admins (districts/admin.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's files, served from this origin like every other static file (no CDN).
    "drf_spectacular_sidecar",
    "attendance_platform",
    "districts",
    "tiering",
    "selfassessment",
    "partners",
    "support",
    "pdsa",
    "workshops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second step of sign-in.
    "districts.two_factor.OTPMiddleware",
    "attendance_platform.middleware.IdleTimeoutMiddleware",
    # Before the tenant middleware: half-signed-in sessions learn nothing about districts.
    "districts.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "districts.tenancy.TenantMiddleware",
    "districts.two_factor.DistrictRequirementMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "attendance_platform.urls"
WSGI_APPLICATION = "attendance_platform.wsgi.application"

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
                "attendance_platform.navigation.navigation",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    from .embedded_db import embedded_database_url

    DATABASE_URL = embedded_database_url(DATA_DIR)
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…).")
# Connections outlive requests (a minute by default) rather than being opened for each: safe
# with any number of districts on one connection, or behind a transaction-mode pooler, because
# every tenant setting and persona is local to the request's transaction (db_walls.apply).
DATABASE_CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", 60)
_admin_database = dj_database_url.parse(
    DATABASE_URL, conn_max_age=DATABASE_CONN_MAX_AGE, conn_health_checks=True
)
# DATABASE_URL's account creates the roles (db_roles) and runs migrations as the owner role;
# everything else signs in as the app's role on the same server and database, which is no
# superuser, owns nothing and bypasses no row-level security (districts/db_walls.py).
DATABASE_ADMIN_LOGIN = {"USER": _admin_database["USER"], "PASSWORD": _admin_database["PASSWORD"]}
DATABASE_APP_LOGIN = {
    "USER": "attendance_app",  # districts.db_walls.APP
    "PASSWORD": env_str("DATABASE_APP_PASSWORD", ""),
}
DATABASES = {"default": {**_admin_database, **DATABASE_APP_LOGIN}}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# A streaming replica of DATABASE_URL's server, for the heavy read-only pages and the API's
# reads (districts/replica.py); signed in as the app's role, which the replica has from the
# primary. Unset, every read goes to the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    if not DATABASE_REPLICA_URL.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must point at PostgreSQL (postgres://…).")
    DATABASES["replica"] = {  # districts.replica.REPLICA
        **dj_database_url.parse(
            DATABASE_REPLICA_URL,
            conn_max_age=DATABASE_CONN_MAX_AGE,
            conn_health_checks=True,
        ),
        **DATABASE_APP_LOGIN,
        # Its transactions are opened by the pages that read from it, never per request.
        "ATOMIC_REQUESTS": False,
        # A replica of the test database's server holds the test database too.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["districts.replica.ReplicaRouter"]
# A page read from the replica says how old its data is once the replica is this far behind.
REPLICA_LAG_NOTICE_SECONDS = env_int("REPLICA_LAG_NOTICE_SECONDS", 60, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "districts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out email address and IP are refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling: after AXES_FAILURE_LIMIT wrong passwords for one email address from one
# IP address, that pair is locked out for AXES_COOLOFF_MINUTES (ASVS 6.3.1). Keyed on the pair
# so that nobody locks a colleague out from elsewhere by guessing at their address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "attendance_platform.signin.attempted_email"
# Behind reverse proxies every request comes from a proxy's address, and everyone would share
# one lockout; how many proxies to trust in X-Forwarded-For must be said, never guessed: a
# client can write anything into that header. 0 (the default) ignores it.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 0 or more.")
AXES_CLIENT_IP_CALLABLE = "attendance_platform.signin.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Two-factor sign-in (districts/two_factor.py): an authenticator app, with one-time backup
# codes. Wrong codes slow the device down (1, 2, 4, 8 … seconds between tries, across sessions)
# and count as failed sign-ins for the lockout above.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Attendance Platform")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The operators' admin reaches every district's configuration and people, so in production
# (DJANGO_HTTPS on) operators need a verified second factor there; a local demo or test run
# leaves it off so the admin is usable without a phone.
OPERATORS_REQUIRE_TWO_FACTOR = env_bool("OPERATORS_REQUIRE_TWO_FACTOR", HTTPS)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A working day, then sign in again; closing the browser ends the session on shared computers.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
# Signed out after this long without a request (attendance_platform/middleware.py).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", HTTPS)
# The __Host- prefix binds the cookies to this exact host over HTTPS (ASVS 3.3.3); browsers
# refuse such cookies without Secure, so plain-http development keeps the usual names.
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Everything is served from this origin (htmx is vendored, charts are inline SVG), and no page
# has an inline script or style: not even a style attribute (progress bars draw their share as
# SVG), and htmx is told not to add its indicator's <style> (templates/base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# How long the access record (districts.AuditEvent) is kept; FERPA §99.32 asks for it as long
# as the records themselves. Seven years by default; prune_audit_log removes older entries.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 7 * 365 + 2)

# Workshop teams are reminded of a follow-up check-in this many days before it is due (and
# once more when it is overdue).
CHECK_IN_REMINDER_DAYS = env_int("CHECK_IN_REMINDER_DAYS", 7, minimum=0)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Attendance Platform <no-reply@localhost>")
# Where links in emails sent outside a request (invitations, reminders) point.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up when it is missing
MEDIA_ROOT = DATA_DIR / "media"
STATIC_MANIFEST = env_bool("DJANGO_STATIC_MANIFEST", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Without collectstatic (demo, tests) whitenoise serves straight from the source folders.
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
# Files browsers ask for at the site's root whatever the page says (/favicon.ico).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

# What an attendance import accepts (tiering/filecheck.py explains each default). The largest
# upload is also the most any uploaded file may put on disk: the upload handler below stops
# keeping a file's bytes past it, so that the import refuses it by its size.
_limits = UploadLimits()
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_MB", _limits.max_bytes // MiB, minimum=1) * MiB
IMPORT_XLSX_MAX_UNPACKED_BYTES = (
    env_int("IMPORT_XLSX_MAX_UNPACKED_MB", _limits.xlsx_max_unpacked_bytes // MiB, minimum=1) * MiB
)
IMPORT_XLSX_MAX_RATIO = env_int("IMPORT_XLSX_MAX_RATIO", _limits.xlsx_max_ratio, minimum=1)
IMPORT_XLSX_MAX_MEMBERS = env_int("IMPORT_XLSX_MAX_MEMBERS", _limits.xlsx_max_members, minimum=1)
IMPORT_XLSX_MAX_SHEETS = env_int("IMPORT_XLSX_MAX_SHEETS", _limits.xlsx_max_sheets, minimum=1)
IMPORT_XLSX_MAX_ROWS = env_int("IMPORT_XLSX_MAX_ROWS", _limits.xlsx_max_rows, minimum=1)
IMPORT_XLSX_MAX_COLUMNS = env_int("IMPORT_XLSX_MAX_COLUMNS", _limits.xlsx_max_columns, minimum=1)
IMPORT_XLSX_MAX_CELLS = env_int("IMPORT_XLSX_MAX_CELLS", _limits.xlsx_max_cells, minimum=1)
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "attendance_platform.uploads.SizeLimitedUploadHandler",
]

# The REST API (/api/v1/, districts/api_access.py): tokens or the browser session, JSON only,
# every operation a DistrictApi with its own role policy; requests per token per period
# (DRF's "<n>/<second|minute|hour|day>"), counted in the cache below.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "1200/minute")
REST_FRAMEWORK = {
    # Default-deny: a view not built on DistrictApi authenticates nobody.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Attendance Platform API",
    "DESCRIPTION": (
        "A district's schools and years, attendance rules, snapshots, students' standings, "
        "daily attendance and support records, the dashboard's counts, self-assessments, the "
        "partner registry and PDSA cycles, behind the same walls as the pages: a personal "
        "token acts with its membership's role and schools."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema describes no district's data: anyone may read it and the docs.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "Band": "tiering.bands.Band",
        "Grade": "districts.models.Grade",
        "FileKind": "tiering.headers.KIND_CHOICES",
        "ImportStatus": "tiering.models.ImportStatus",
        "Tier": "partners.models.Tier",
        "AssessmentStatus": "selfassessment.models.AssessmentStatus",
        "PriorityStatus": "selfassessment.models.PriorityStatus",
        "CycleStatus": "pdsa.models.CycleStatus",
        "InterventionStatus": "support.models.InterventionStatus",
        "RegistryStatus": ["stale", "current"],
    },
}

REDIS_URL = env_str("REDIS_URL")
# The cache carries what must be seen across processes while a transaction is open (import
# progress); with no Redis everything runs in one process, where local memory is enough.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Each process's own, for rendered fragments that hold no district's or user's data (the
    # tiered list's guidance): read without a round trip to Redis on every page.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
    },
}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
# With no Redis (the demo on a bare machine) tasks run in-process; the app logs this at start.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker's pool process keeps its database connection from one task to the next (every
# tenant setting and persona is transaction-local, so a task inherits nothing): closed after
# each task, as Celery does by default, each batch of attendance events opened a new
# PostgreSQL backend, 25-40 ms of its CPU. Celery's own check is replaced by Django's before
# each task (attendance_platform/celery.py): a broken or aged connection is not reused.
CELERY_DB_REUSE_MAX = 1000
# Above the longest task (a 500,000-student recompute takes under a minute, the largest import
# a few) and any retry countdown: an unacknowledged task is handed out again after this long.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 7200)}
# A recompute whose worker died this many times is left failed for an administrator to see.
RECOMPUTE_MAX_ATTEMPTS = env_int("RECOMPUTE_MAX_ATTEMPTS", 3)
RECOMPUTE_BUSY_RETRY_SECONDS = env_int("RECOMPUTE_BUSY_RETRY_SECONDS", 30)
# How long the recompute after a batch of attendance events waits for the batches sent with it
# (tiering/tasks.py): they share its one classification of the district.
EVENTS_RECOMPUTE_DELAY_SECONDS = env_int("EVENTS_RECOMPUTE_DELAY_SECONDS", 60, minimum=0)
# Fewer than a recompute's: an import that kills its worker (out of memory on a huge file) is
# deterministic, so the same file kills the next worker too, and each attempt holds a worker
# for minutes. The second attempt covers a worker that died for some other reason (a deploy,
# a lost machine); a third would only take down another.
IMPORT_MAX_ATTEMPTS = env_int("IMPORT_MAX_ATTEMPTS", 2, minimum=1)
CELERY_TIMEZONE = "UTC"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # These log every step of their normal work at INFO.
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
