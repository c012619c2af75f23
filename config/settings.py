"""Settings for the Fengqiao portal, driven by environment variables.

DATABASE_URL   database (default: embedded SQLite at ./db.sqlite3)
DATABASE_REPLICA_URL  an optional read replica for dashboards and statistics
REDIS_URL      Celery broker and Django cache (default: eager tasks, local-memory cache);
               Sentinels as `sentinel://s1:26379;sentinel://s2:26379/0` with
               REDIS_SENTINEL_MASTER (default "fengqiao") naming the master they watch
SECRET_KEY     required when DEBUG is off (nothing is signed without it; commands that
               sign nothing, such as migrate, run without it)
DEBUG          1/0 (default 0; `make run` and the CI smoke run set 1)
ALLOWED_HOSTS  comma-separated host names
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from config.env import env, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

# Off unless asked for: a server started without the environment must not show
# tracebacks and settings to anyone (`make run` and the tests ask for it).
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105 (development default)
# With DEBUG off and no key, Django refuses the first use of the key (a session, a CSRF
# token) with ImproperlyConfigured, and `check --deploy` reports it.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "config.apps.PortalConfig",
    "outbox",
    "centres",
    "veterans",
    "cases",
    "demonstration",
    "teams",
    "contacts",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.routers.PrimaryPinMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.PortalLocaleMiddleware",
    # After the locale (the language is part of the ETag): 304 for unchanged statistics.
    "dashboards.conditional.StatisticsConditionalGetMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.sessions.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.navigation.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env("CONN_MAX_AGE", default="60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serves one developer; WAL lets the dev server read while a command writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;"}
# An optional streaming read replica: dashboards and statistics read from it
# (config/routers.py); every write, and the reads that follow one, use the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(env("CONN_MAX_AGE", default="60")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"]
REPLICA_PIN_SECONDS = int(env("REPLICA_PIN_SECONDS", default="5"))
# A replica whose replay lags more than this is passed over (reads go to the primary);
# its state is checked at most every REPLICA_CHECK_SECONDS per process.
REPLICA_MAX_LAG_SECONDS = float(env("REPLICA_MAX_LAG_SECONDS", default="30"))
REPLICA_CHECK_SECONDS = float(env("REPLICA_CHECK_SECONDS", default="5"))
# URL names (fnmatch patterns) whose reads may come from the replica: dashboards,
# the statistics API, exports and the ledger.
REPLICA_READ_VIEWS = [
    "dashboards:*",
    "api:stats-*",
    "demonstration:targets",
    "veterans:export",
    "visits:export",
    "teams:export",
]
# Statistics served from the rollups, answered with an ETag and 304 (dashboards/conditional.py).
STATISTICS_ETAG_VIEWS = ["api:stats-cases*", "api:stats-visits"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "centres.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username before any password is checked.
    "config.auth.LoginLockoutBackend",
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

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads (import files, with full ID numbers) are private: never served under a URL,
# read only by the views that check the jurisdiction, and deleted once imported.
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
IMPORT_MAX_BYTES = int(env("IMPORT_MAX_BYTES", default=str(20 << 20)))
IMPORT_XLSX_MAX_UNPACKED = int(env("IMPORT_XLSX_MAX_UNPACKED", default=str(100 << 20)))
IMPORT_MAX_CELL = 1000  # characters in one cell; the longest field (a summary) is shorter
# A finished import's error report (it names rows, not people) is kept this long.
IMPORT_REPORT_DAYS = int(env("IMPORT_REPORT_DAYS", default="30"))

# --- Redis: cache and Celery broker ---------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Redis behind Sentinel (docs/scaling.md §4): the broker, the results and the cache ask
# the Sentinels for the master, and follow it when they fail over.
REDIS_SENTINEL_MASTER = (
    env("REDIS_SENTINEL_MASTER", default="fengqiao") if REDIS_URL.startswith("sentinel://")
    else ""
)
_SENTINEL_OPTIONS = {"master_name": REDIS_SENTINEL_MASTER} if REDIS_SENTINEL_MASTER else {}
# Each pytest-xdist worker keeps its cache keys apart from the other's.
_TEST_WORKER = env("PYTEST_XDIST_WORKER", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # A Redis outage turns cache reads into misses instead of server errors.
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="fengqiao")
            + (f"-{_TEST_WORKER}" if _TEST_WORKER else ""),
            "OPTIONS": {
                "socket_connect_timeout": 0.5, "socket_timeout": 0.5,
                **({"sentinel_master": REDIS_SENTINEL_MASTER} if REDIS_SENTINEL_MASTER else {}),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
# An unacknowledged task goes back to the queue after this long: longer than the
# longest time limit (imports and the nightly rebuild, 1 hour), or it would run twice.
# The socket timeouts keep a publish from hanging on a broker that vanished without
# closing the connection (the outbox then keeps the task for its next flush).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    "socket_connect_timeout": 5,
    "socket_timeout": 10,
    **_SENTINEL_OPTIONS,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = _SENTINEL_OPTIONS
# Queues by kind, so a long night job never holds up an import somebody waits for:
# `interactive` (imports, the outbox), `rollups` (dashboards), `nightly` (recomputations
# and the morning job). Workers consume them all: `celery -A config worker -Q
# interactive,rollups,nightly,celery` (see docs/operations.md).
CELERY_TASK_ROUTES = {
    "veterans.tasks.veterans_import_task": {"queue": "interactive"},
    "outbox.tasks.outbox_flush": {"queue": "interactive"},
    "dashboards.tasks.rollups_refresh": {"queue": "rollups"},
    "dashboards.tasks.rollups_rebuild": {"queue": "rollups"},
    "demonstration.target_snapshot_recompute": {"queue": "nightly"},
    "cases.tasks.cases_mark_overdue": {"queue": "nightly"},
    "veterans.tasks.import_jobs_clean_task": {"queue": "nightly"},
}
# django-celery-beat's DatabaseScheduler installs these entries at start-up.
CELERY_TIMEZONE = TIME_ZONE
# The periodic tasks, in one place beside their routes (crontabs in CELERY_TIMEZONE,
# Asia/Shanghai). django-celery-beat's DatabaseScheduler writes each entry to its table
# under this name when beat starts (update_or_create by name): the admin shows them, and
# a change made there lasts until the next start. The names are those the first data
# migrations used, so databases that have those rows keep one row per task.
CELERY_BEAT_SCHEDULE = {
    "cases: mark overdue cases and remind centres": {
        "task": "cases.tasks.cases_mark_overdue",
        "schedule": crontab(minute="0", hour="7"),
    },
    "dashboards: refresh the rollups": {
        "task": "dashboards.tasks.rollups_refresh",
        "schedule": timedelta(minutes=1),
    },
    "dashboards: rebuild the rollups": {
        "task": "dashboards.tasks.rollups_rebuild",
        "schedule": crontab(minute="30", hour="1"),
    },
    "demonstration: nightly target snapshots": {
        "task": "demonstration.target_snapshot_recompute",
        "schedule": crontab(minute="0", hour="2"),
    },
    "outbox: send the owed tasks": {
        "task": "outbox.tasks.outbox_flush",
        "schedule": timedelta(minutes=1),
    },
    "veterans: clean import files and expired error reports": {
        "task": "veterans.tasks.import_jobs_clean_task",
        "schedule": timedelta(hours=1),
    },
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Keep Django's LOGGING (and its ID-number mask) in the worker and beat processes.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Without a broker no beat refreshes the dashboards' rollups, so reads refresh them
# (incrementally) first: `make run` shows what was just logged.
ROLLUPS_REFRESH_ON_READ = env_bool("ROLLUPS_REFRESH_ON_READ", default=not REDIS_URL)

# --- Mail (deadline reminders are mailed only when EMAIL_HOST is set) ----
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_PORT = int(env("EMAIL_PORT", default="25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@localhost")

# --- REST framework -------------------------------------------------------
# API lists the planner expects to hold this many rows or more report an estimated
# count (config/pagination.py) instead of counting every row.
EXACT_COUNT_BELOW = int(env("EXACT_COUNT_BELOW", default="10000"))
# Seconds an API token's key → user look-up is cached (config/auth.py). Only a shared
# cache can be cleared when a token is deleted or its user changed: none without Redis.
API_TOKEN_CACHE_SECONDS = int(env("API_TOKEN_CACHE_SECONDS", default="30" if REDIS_URL else "0"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a client without credentials is told to send a token (401).
        "config.auth.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["config.filters.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    # JSON is the one request body type (the browsable API sends it too); every error
    # answers in one of the two shapes of config/errors.py.
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    # 429 with Retry-After (config/throttling.py); the rates are API_THROTTLE_RATES.
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.TokenRateThrottle",
        "config.throttling.AddressRateThrottle",
    ],
}
API_THROTTLE_RATES = {  # an empty value turns that throttle off
    "token": env("API_THROTTLE_TOKEN", default="1200/min"),
    "address": env("API_THROTTLE_ADDRESS", default="3000/min"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fengqiao portal API",
    "DESCRIPTION": "Veterans' service network: regions, centres, veterans, visits, cases, "
    "statistics. Authenticate with a session or `Authorization: Token KEY`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # An internal system: the schema and its docs are for signed-in users and token holders.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # What a client sends and what it is answered are separate components (no invented
    # `id` in a request); the schema is generated in English whatever the caller's
    # language (config/schema.py), so enum and operation names never change.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_links",
    ],
}

# --- Security -------------------------------------------------------------
# Sessions (config/sessions.py): logged out after 30 minutes without a request and at the
# latest 12 hours after logging in (OWASP ASVS 3.3, level 2); no persistent cookie, so
# closing the browser on a shared front-desk PC logs out too.
SESSION_COOKIE_AGE = 30 * 60
SESSION_ABSOLUTE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # The container health check speaks plain HTTP to gunicorn from inside.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content security policy (django-csp 4): only our own origin, no inline scripts.
# The portal's own templates carry no inline style (charts and bars are SVG, and
# tests/hardening scans every page); inline styles stay allowed for the admin and the
# Swagger UI, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login lockout (django-axes, config/throttling.py): 5 failures for one username from one
# address lock that pair for 30 minutes; 50 failures from one address, whatever the
# usernames, lock the address. A username guessed from elsewhere does not lock its owner
# out. Unlock: the admin's user list ("Unlock the selected accounts") or
# `manage.py axes_reset_username USERNAME` / `axes_reset_ip ADDRESS`.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", default="5"))
AXES_IP_FAILURE_LIMIT = int(env("AXES_IP_FAILURE_LIMIT", default="50"))
AXES_VERBOSE = False  # no banner on every start
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", default="30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "config.throttling.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "config.auth.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

# Every record that reaches a handler passes the ID-number mask first.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_id_numbers": {"()": "config.logfilters.IdNumberMaskFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_id_numbers"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own default handlers are replaced: everything goes through the root's.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

# Numbers a user may meet registered outside their jurisdiction (each one a transfer
# request or a refusal, audited) within an hour, before their registering is paused.
VETERANS_ELSEWHERE_LIMIT = int(env("VETERANS_ELSEWHERE_LIMIT", default="20"))

# Django's error reports (the debug page, mail to ADMINS) mask ID numbers as the logs do.
DEFAULT_EXCEPTION_REPORTER = "config.logfilters.IdNumberMaskingExceptionReporter"

# --- Demonstration centres -------------------------------------------------
# Village stations serving 300+ veterans are eligible in the national scheme;
# counting them in the 60% target is a policy choice, off by default.
DEMONSTRATION_VILLAGES_ELIGIBLE = env_bool("DEMONSTRATION_VILLAGES_ELIGIBLE", default=False)
DEMONSTRATION_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
