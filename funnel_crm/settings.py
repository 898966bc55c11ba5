"""Funnel CRM settings: one module, driven by environment variables.

With nothing set you get the embedded default for a laptop: SQLite in the
project folder, a Celery broker on the file system (no server), e-mail to the
console, DEBUG on. Set DATABASE_URL / REDIS_URL to use PostgreSQL and Redis.
DJANGO_ENV=production switches to safe settings and refuses to start without
SECRET_KEY and ALLOWED_HOSTS. Every variable is listed, with its meaning and
default, in deploy/env.example (tests/test_deploy_files.py checks it).
"""

import contextlib
import datetime
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FUNNEL_VAR_DIR", BASE_DIR / "var"))


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def refuse_to_start(message):
    """Stop with one readable line instead of a traceback."""
    sys.exit(f"Funnel CRM cannot start: {message}")


DJANGO_ENV = env("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    refuse_to_start(f"DJANGO_ENV must be 'development' or 'production', not {DJANGO_ENV!r}.")
PRODUCTION = DJANGO_ENV == "production"

# --- Core -----------------------------------------------------------------

if PRODUCTION:
    SECRET_KEY = env("SECRET_KEY")
    if not SECRET_KEY:
        refuse_to_start("SECRET_KEY must be set when DJANGO_ENV=production.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        refuse_to_start("ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
    DEBUG = False
else:
    SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-3f9a1c")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
    DEBUG = env_bool("DEBUG", True)

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "template_partials",
    "django_htmx",
    "axes",
    "simple_history",
    # Our apps, in dependency order: each imports only from those above it.
    "teams",
    "accounts",
    "projects",
    "pipeline",
    "coaching",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything queries with request input: PostgreSQL cannot store NUL.
    "funnel_crm.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "funnel_crm.middleware.MustChangePasswordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it sees the result of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "funnel_crm.urls"
WSGI_APPLICATION = "funnel_crm.wsgi.application"

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
                "teams.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env("DATABASE_JIT", "off") == "off":
    # PostgreSQL's JIT compiles any query estimated above jit_above_cost; the coaching
    # aggregates cross it at ~1M projects and spent ~130 ms compiling to save nothing
    # (benchmarks/coaching_bench.py). DATABASE_JIT=on keeps the server's setting.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (Redis when REDIS_URL is set) -----------------------------------

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "funnel"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------

AUTH_USER_MODEL = "teams.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend loading the user with their team (the header shows it on every page).
    "teams.backends.UserBackend",
    # Sessions signed in before UserBackend name this one; it still loads their user.
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock a username *from one address* after repeated
# failures, so one bad actor cannot lock out everyone behind the same NAT.
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "teams.views.lockout_response"
# How many reverse proxies stand in front of gunicorn (their X-Forwarded-For
# entries are trusted to find the client's address).
PROXY_COUNT = int(env("PROXY_COUNT", "1" if PRODUCTION else "0"))
AXES_CLIENT_IP_CALLABLE = "teams.http.client_ip"

# The audit log keeps entries this many days; a daily beat task purges older ones.
AUDIT_RETENTION_DAYS = int(env("AUDIT_RETENTION_DAYS", str(365 * 2)))
if AUDIT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be 1 or more.")

# API tokens stop working this many days after they were issued (empty: never).
TOKEN_TTL_DAYS = int(env("TOKEN_TTL_DAYS", "0") or 0) or None

# Reasons given for hand-overs and merges are kept whole in the history.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- Internationalisation -------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Dates and numbers per language: 2026年12月2日 in Chinese, 2026-12-02 in English.
FORMAT_MODULE_PATH = ["funnel_crm.formats"]
CURRENCY = "CNY"

# --- Static files ---------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail ---------------------------------------------------------------

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# A mail server that hangs must not hold a worker: the delivery fails and is retried.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (one file per message).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Funnel CRM <noreply@funnel-crm.local>")
# Where e-mails and chat robots link to (the address users open the CRM at).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
if CELERY_BROKER_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    # No server needed: kombu's file-system transport in var/broker.
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "broker-control"),
    }
    # The transport expects its folders to exist (the worker polls them).
    for _folder in (_broker_dir, VAR_DIR / "broker-control"):
        _folder.mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
# Beat keeps its schedule in FUNNEL_VAR_DIR, not in the working directory
# (which a deploy may not be able to write to).
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
with contextlib.suppress(OSError):  # read-only: only beat needs it, and names the path when it fails
    VAR_DIR.mkdir(parents=True, exist_ok=True)
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "teams.tasks.clear_expired_sessions",
        "schedule": timedelta(hours=24),
    },
    "audit-purge": {
        "task": "teams.tasks.audit_purge_task",
        "schedule": timedelta(hours=24),
    },
    # Overdue next contacts, escalations and (from DIGEST_TIME on) the morning digests.
    "reminder-pass": {
        "task": "pipeline.tasks.reminder_pass_task",
        "schedule": timedelta(minutes=15),
    },
    # The public pool: warnings, returns by the rules, consent requests (nightly, Asia/Shanghai).
    "pool-return-pass": {
        "task": "pipeline.tasks.pool_return_pass_task",
        "schedule": crontab(hour=1, minute=30),
    },
    # State-driven: sends whatever delivery is pending and due (new, or a retry after its backoff).
    "notification-deliveries": {
        "task": "teams.tasks.deliveries_sweep",
        "schedule": timedelta(minutes=1),
    },
}

# --- Reminders ------------------------------------------------------------

# The morning digests go out on the first reminder pass at or after this time (Asia/Shanghai).
try:
    DIGEST_TIME = datetime.time.fromisoformat(env("DIGEST_TIME", "08:00"))
except ValueError as error:
    raise ImproperlyConfigured(f"DIGEST_TIME must be a time like 08:00, not {env('DIGEST_TIME')!r}.") from error
# A next contact overdue by more than this many days is escalated to the team's lead.
ESCALATION_DAYS = int(env("ESCALATION_DAYS", "3"))
if ESCALATION_DAYS < 1:
    raise ImproperlyConfigured("ESCALATION_DAYS must be 1 or more.")
# The leads' list of coaching notes names the reps with no 1:1 note in this many weeks.
COACHING_ONE_ON_ONE_WEEKS = int(env("COACHING_ONE_ON_ONE_WEEKS", "2"))
if COACHING_ONE_ON_ONE_WEEKS < 1:
    raise ImproperlyConfigured("COACHING_ONE_ON_ONE_WEEKS must be 1 or more.")
# /healthz turns degraded when no reminder pass has finished for this long.
REMINDER_PASS_STALE_AFTER = timedelta(hours=1)

# --- REST API -------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous call answers 401 with WWW-Authenticate.
        "teams.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "funnel_crm.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON nested too deeply or carrying NUL is a 400, not a 500.
    "DEFAULT_PARSER_CLASSES": [
        "funnel_crm.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # drf-spectacular's, documenting every operation's error responses.
    "DEFAULT_SCHEMA_CLASS": "funnel_crm.schema.AutoSchema",
    "EXCEPTION_HANDLER": "funnel_crm.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Funnel CRM API",
    "DESCRIPTION": "Customers, projects and the sales funnel of B2B teams.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set where field names repeat (role, kind).
    "ENUM_NAME_OVERRIDES": {
        "UserRoleEnum": "teams.models.Role",
        "BuyingRoleEnum": "accounts.choices.BuyingRole",
        "DepartmentKindEnum": "accounts.choices.DepartmentKind",
        "ProjectKindEnum": "projects.models.ProjectKind",
        "ConflictKindEnum": "projects.models.ConflictKind",
        "StanceEnum": "projects.models.Stance",
        "TierEnum": "pipeline.models.Tier",
        "MilestoneKindEnum": "projects.models.MilestoneKind",
        "CompetitorKindEnum": "pipeline.models.CompetitorKind",
        "ActivityKindEnum": "pipeline.models.ActivityKind",
        "SeverityEnum": "pipeline.models.Severity",
    },
}

# --- Logging --------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Production hardening -------------------------------------------------

if PRODUCTION:
    # Static files served by the app itself (compressed, cache-busted names).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]

# --- Deployment: logs, metrics, read replica, connection pooling -------------
# (issue 15, deploy/README.md; every variable is listed in deploy/env.example)

# One structured line per request on the "funnel_crm.requests" logger: user id,
# method, path, status, duration in ms (and the query count, see below).
REQUEST_LOG = env_bool("REQUEST_LOG", True)
# "json" (one JSON object a line, for a log shipper) or "logfmt" (key=value).
LOG_FORMAT = env("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "logfmt"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'logfmt', not {LOG_FORMAT!r}.")
# Every request line carries its SQL query count (always when DEBUG is on).
LOG_QUERY_COUNT = env_bool("LOG_QUERY_COUNT", DEBUG)
# Requests slower than this log at WARNING, with their query count whatever LOG_QUERY_COUNT says.
SLOW_REQUEST_MS = int(env("SLOW_REQUEST_MS", "1000"))
if SLOW_REQUEST_MS < 1:
    raise ImproperlyConfigured("SLOW_REQUEST_MS must be 1 or more.")
LOGGING["formatters"] = {"request": {"()": "funnel_crm.logs.RequestFormatter", "style": LOG_FORMAT}}
LOGGING["handlers"]["requests"] = {"class": "logging.StreamHandler", "formatter": "request"}
LOGGING["loggers"]["funnel_crm.requests"] = {"handlers": ["requests"], "level": "INFO", "propagate": False}
if REQUEST_LOG:
    MIDDLEWARE.insert(0, "funnel_crm.middleware.RequestLogMiddleware")

# Prometheus metrics at /metrics (django-prometheus): off by default; when on, only
# the addresses listed may read it (the client address as teams.http.client_ip finds
# it behind PROXY_COUNT proxies) and every other one gets 404.
METRICS_ENABLED = env_bool("METRICS_ENABLED", False)
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
if METRICS_ENABLED:
    MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
    MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")

# A PostgreSQL read replica for dashboards and exports (funnel_crm/db_router.py):
# code inside `use_replica()` reads from it; writes and everything else stay on
# DATABASE_URL. Unset (the default): everything uses DATABASE_URL.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    # Tests point the replica at the test database instead of creating a second one.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["funnel_crm.db_router.ReplicaRouter"]

# Behind pgbouncer in transaction mode a server-side cursor (QuerySet.iterator() outside
# a transaction: the exports) may land on another server connection: turn them off.
if env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS"):
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True

# --- Content-Security-Policy, outages (load test and drills: deploy/loadtest, deploy/drills)

# django-csp sends the policy; the pages satisfy it: no inline <script>, no inline event
# handler (onclick= ...: data attributes handled by static/js/app.js instead), no inline
# <style> (htmx's indicator styles are off through <meta name="htmx-config">), no style=""
# attribute in any template. tests/browser.py fails every browser test on a violation.
# CSP_REPORT_ONLY=1 sends the same policy as Content-Security-Policy-Report-Only.
_csp_directives = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
}
if env_bool("CSP_REPORT_ONLY"):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_directives}
    CONTENT_SECURITY_POLICY = None
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
# The policy goes on every response, the friendly 503 included; that middleware turns a
# database that is down (on connect, anywhere below it) into a 503 page or JSON.
MIDDLEWARE[_security + 1 : _security + 1] = [
    "csp.middleware.CSPMiddleware",
    "funnel_crm.outage.DatabaseUnavailableMiddleware",
]
# Seconds a client is told to wait (Retry-After) when the database is down.
DATABASE_DOWN_RETRY_AFTER = int(env("DATABASE_DOWN_RETRY_AFTER", "30"))

# Redis down must not break pages: the cache (job progress only) fails soft, with short
# timeouts, and logs a warning. Sessions live in PostgreSQL (Django's default db engine),
# never in Redis alone.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
if REDIS_URL:
    CACHES["default"]["BACKEND"] = "funnel_crm.outage.ForgivingRedisCache"
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 1}

# A worker killed mid-task (kill -9, OOM) must not lose the task: with acks_late (above)
# the message is acknowledged only after the task finished; a pool process that dies
# makes its task go back to the queue at once, and a whole worker that dies leaves its
# unacknowledged messages for Redis to hand out again after the visibility timeout.
# Every task here is safe to run twice (the rows hold the state).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
if CELERY_BROKER_URL.startswith("redis"):
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = int(env("CELERY_VISIBILITY_TIMEOUT", "3600"))
