"""Streamflix settings: one module, driven by environment variables.

Zero set-up works (SQLite, DEBUG, a filesystem Celery broker); every value can be
overridden from the environment, and a bad value stops start-up with a message
that says what to set.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local state of the zero-set-up demo (git-ignored)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: set {name} to 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number: set {name} to an integer.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is too small: set {name} to {minimum} or more.")
    return value


def env_float(name: str, default: float, *, minimum: float, maximum: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number: set {name} to a decimal number.") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name}={value} is out of range: set {name} between {minimum} and {maximum}.")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not allowed: set {name} to one of {', '.join(choices)}.")
    return value


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


def env_url(name: str, *, schemes: tuple[str, ...]) -> str:
    raw = os.environ.get(name, "").strip()
    if raw and not raw.startswith(tuple(f"{s}://" for s in schemes)):
        allowed = ", ".join(f"{s}://..." for s in schemes)
        raise ImproperlyConfigured(f"{name}={raw!r} is not a valid URL: set {name} to one of {allowed}, or unset it.")
    return raw


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is not set: production (DEBUG=0) refuses to start without it.")
    SECRET_KEY = "insecure-dev-key-only-for-DEBUG"  # noqa: S105 (DEBUG only; production must set one)

ALLOWED_HOSTS = [h.strip() for h in env_str("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env_str("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

# HTTPS. Production (DEBUG=0) is HTTPS-only by default: redirect, HSTS, secure cookies. BEHIND_PROXY=1
# when a TLS-terminating proxy in front sets X-Forwarded-Proto (and X-Forwarded-For: rate limits then
# count the client's address). HTTPS=0 serves plain HTTP (a local `make serve`, a load test on loopback).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
HTTPS = env_bool("HTTPS", not DEBUG)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)  # consent only: submitting the domain is manual
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "streamflix.apps.AdminConfig",  # django.contrib.admin with a rate-limited login (streamflix/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the API docs' JavaScript and CSS, served from here (no CDN)
    "django_celery_beat",
    "django_htmx",
    "catalog",
    "personalization",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "streamflix.error_handlers.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "streamflix.error_handlers.ApplicationErrorMiddleware",  # application errors -> responses, in one place
]

if not DEBUG:
    # Without DEBUG, static files come from STATIC_ROOT (run collectstatic) through WhiteNoise.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "streamflix.urls"
# The admin's "View on site" for a title: its page is the viewers' app's (the catalog knows no viewers).
ABSOLUTE_URL_OVERRIDES = {"catalog.title": lambda title: reverse("personalization:title_detail", args=[title.pk])}

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
                "personalization.context_processors.viewing_context",
            ],
        },
    },
]

WSGI_APPLICATION = "streamflix.wsgi.application"

# Database --------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", schemes=("sqlite", "postgres", "postgresql"))
# Persistent connections only where a bounded pool of workers holds them (`make serve` sets 60 for
# gunicorn's fixed workers); runserver makes a thread per client, so 0 closes each request's connection.
DB_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 0, minimum=0)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # The demo's workers and web server write to the same file. IMMEDIATE transactions take
            # the write lock up front, so a writer waits (up to `timeout` s) instead of failing with
            # "database is locked" when it upgrades from reading mid-transaction.
            "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The filesystem broker's URL names a host it never uses: without one kombu warns "No hostname was
# supplied" on every connection (a line in the worker's log for each task that sends another).
FILESYSTEM_BROKER_URL = "filesystem://localhost//"
# Redis: Celery broker and shared cache when set; otherwise a filesystem broker
# and a file cache, so `make demo` runs on a machine with neither service.
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))

REDIS_CONNECT_TIMEOUT = env_float("REDIS_CONNECT_TIMEOUT", 0.05, minimum=0.001, maximum=30.0)
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis, or the process's memory while Redis is unreachable (pages still render): streamflix/cache.py
            "BACKEND": "streamflix.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": 1.0, "RETRY_AFTER": 10},
        }
    }
    # Sessions are read from Redis (written through to the database, read from it when Redis has lost
    # them or is down): one query fewer on every page and lazy row.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
            # One entry per page view (its lazy-row plan, kept 3 hours): the default 300 would cull
            # plans of open tabs within minutes of busy testing.
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

# Celery -------------------------------------------------------------------------
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 300, minimum=1)  # Redis broker: see below
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # An unacknowledged message (its worker died) goes back to the queue after this long: longer
        # than any acks_late task may run (tests/streamflix/test_celery_config.py checks), short enough
        # that a killed impressions worker's page views are stored within minutes...
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # ...once a worker looks: every 10 s (kombu's default looks every 100 s).
        "unacked_restore_interval": min(10, max(1, CELERY_VISIBILITY_TIMEOUT // 3)),
        "unacked_restore_throttle": 1,
        # A page view must not wait on a dead broker: connect fast, never retry (the page view is
        # already in the outbox, and streamflix.queue skips the broker for a while after a failure).
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
        "socket_timeout": 5,
        "max_retries": 0,
    }
else:
    CELERY_BROKER_URL = FILESYSTEM_BROKER_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):  # kombu expects them to exist before anyone publishes
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Impressions are inserted 50 page views at a time (celery-batches), which needs that many
# messages in the worker's hands; long tasks (retrains) are few, so the prefetch costs little.
CELERY_WORKER_PREFETCH_MULTIPLIER = 32
# Impressions have their own queue, for a worker tuned to them (thread pool: the inserts wait on
# PostgreSQL, not the CPU); retrains and learning passes keep the default queue and prefork.
IMPRESSIONS_QUEUE = "impressions"
CELERY_TASK_ROUTES = {
    "personalization.tasks.impressions_log_task": {"queue": IMPRESSIONS_QUEUE},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = env_str("TIME_ZONE", "UTC")

# Auth ---------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# I18n ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = CELERY_TIMEZONE
USE_I18N = True
USE_TZ = True

# Static and media ---------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_path("STATIC_ROOT", VAR_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = env_path("MEDIA_ROOT", VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded artwork: hard limits checked before Pillow decodes anything.
ARTWORK_MAX_UPLOAD_BYTES = env_int("ARTWORK_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024)
ARTWORK_MAX_PIXELS = env_int("ARTWORK_MAX_PIXELS", 40_000_000, minimum=10_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = ARTWORK_MAX_UPLOAD_BYTES + 1024 * 1024
# Artwork discovery: a video (or zip of stills) uploaded on a title, its frames scored in the
# background. Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) stream to a temporary file.
VIDEO_MAX_UPLOAD_BYTES = env_int("VIDEO_MAX_UPLOAD_BYTES", 4 * 1024**3, minimum=1024)
FRAME_UPLOAD_DIR = env_path("FRAME_UPLOAD_DIR", VAR_DIR / "uploads")  # private: not under MEDIA_ROOT
FRAME_PROPOSALS_K = env_int("FRAME_PROPOSALS_K", 8, minimum=1)  # candidates proposed per upload

# Data ---------------------------------------------------------------------------
_DEFAULT_MOVIELENS = BASE_DIR.parent / "shared" / "datasets" / "ml-latest-small"
MOVIELENS_DIR = env_path("MOVIELENS_DIR", _DEFAULT_MOVIELENS)
MOVIELENS_URL = "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip"
# Trained recommender artifacts: private, so not under MEDIA_ROOT.
MODEL_DIR = env_path("MODEL_DIR", VAR_DIR / "models")
# Which engine trains the recommender (`retrain` and the nightly task): "local" on this machine, or
# "spark" (PySpark, on SPARK_MASTER, "" for local[*] in-process; e.g. spark://host:7077, yarn).
RECOMMENDER_ENGINE = env_choice("RECOMMENDER_ENGINE", "local", ("local", "spark"))
SPARK_MASTER = env_str("SPARK_MASTER", "")
# The local engine's EASE covers at most this many titles, the most watched (memory titles^2, time titles^3).
RECOMMENDER_EASE_TITLES = env_int("RECOMMENDER_EASE_TITLES", 8000, minimum=1)
# The local engine's size limits (RecommenderParams; each far above ml-latest-small, where they change
# nothing): viewers whose held-out ratings teach the ranker (above it a sample, and stage 1 fitted
# once), rows of the 0/1 model's data (above it a sample of positives), SGD updates of the stars
# model (above it fewer epochs).
RECOMMENDER_RANKER_VIEWERS = env_int("RECOMMENDER_RANKER_VIEWERS", 3000, minimum=1)
RECOMMENDER_IMPLICIT_ROWS = env_int("RECOMMENDER_IMPLICIT_ROWS", 2_000_000, minimum=4)
RECOMMENDER_RATING_UPDATES = env_int("RECOMMENDER_RATING_UPDATES", 80_000_000, minimum=1)

# Logging and learning -------------------------------------------------------------
IMPRESSION_RETENTION_DAYS = env_int("IMPRESSION_RETENTION_DAYS", 30, minimum=1)
# Which artwork policy serves, and the share of page views kept on uniform-random artwork as a
# control (the bandit's lift stays measurable on live traffic, and the logs stay good for OPE).
ARTWORK_POLICY = env_choice("ARTWORK_POLICY", "thompson", ("thompson", "uniform", "editorial"))
# What the artwork bandit learns to maximise per seen impression (personalization.services.rewards):
# "click" (the details opened), "play" (Play pressed from the card) or "quality_play" (a play that
# lasted: the viewer's progress on the title reached QUALITY_PLAY_PROGRESS within QUALITY_PLAY_WINDOW
# of pressing Play on the card). Changing it makes the next learning pass rebuild the bandit from the
# retained log with the new reward.
STREAMFLIX_BANDIT_REWARD = env_choice("STREAMFLIX_BANDIT_REWARD", "play", ("click", "play", "quality_play"))
# How the homepage orders its rows (personalization.row_order): "learned", a Plackett-Luce draw over a
# row model learned every minute from which rows' seen cards get clicked (its prior is the rules), or
# "rules", the hand-written device and time-of-day boosts of personalization/rows.py alone.
ROW_POLICY = env_choice("ROW_POLICY", "learned", ("learned", "rules"))
ARTWORK_CONTROL_SHARE = env_float("ARTWORK_CONTROL_SHARE", 0.1, minimum=0.0, maximum=1.0)
# New variants (approved frames) are "exploring" for ARTWORK_EXPLORATION_DAYS: on bandit page views
# a card with exploring variants shows one of them with this probability (the logged propensity
# includes it), so the bandit gets impressions to learn from before it settles.
ARTWORK_EXPLORATION_BOOST = env_float("ARTWORK_EXPLORATION_BOOST", 0.2, minimum=0.0, maximum=1.0)
ARTWORK_EXPLORATION_DAYS = env_int("ARTWORK_EXPLORATION_DAYS", 14, minimum=0)

# REST API -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Clients (a TV, a phone) authenticate with a token (POST /api/auth/token/); the site's own pages
    # with the session (and its CSRF check). No Basic auth: a password on every request, unthrottled.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON only: a cross-site HTML form cannot send it, so no CSRF hole for anonymous requests.
    "DEFAULT_PARSER_CLASSES": ["streamflix.api.SafeJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_RATE_ANON", "300/min"),
        "user": env_str("API_RATE_USER", "1200/min"),
        "events": env_str("API_RATE_EVENTS", "120/min"),
        "seen": env_str("API_RATE_SEEN", "120/min"),
        "profiles": env_str("API_RATE_PROFILES", "10/hour"),
        "auth": env_str("API_RATE_AUTH", "10/min"),
    },
    "NUM_PROXIES": 1 if BEHIND_PROXY else 0,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "streamflix.error_handlers.api_exception_handler",
}
# The site's own forms, per client address (streamflix.ratelimit): a person clicks, a script floods.
RATE_LIMITS = {
    "events_per_minute": env_int("RATE_LIMIT_EVENTS_PER_MINUTE", 120, minimum=1),
    "seen_reports_per_minute": env_int("RATE_LIMIT_SEEN_REPORTS_PER_MINUTE", 120, minimum=1),
    "profiles_per_hour": env_int("RATE_LIMIT_PROFILES_PER_HOUR", 10, minimum=1),
    "admin_logins_per_minute": env_int("RATE_LIMIT_ADMIN_LOGINS_PER_MINUTE", 10, minimum=1),
}
SPECTACULAR_SETTINGS = {
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "TITLE": "Streamflix API",
    "DESCRIPTION": "Personalized homepages, profiles and viewer events for other clients.",
    "VERSION": "1.0.0",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "catalog": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
        "personalization": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    },
}

# The demo (DEBUG) serves MEDIA_ROOT itself; with DEBUG=0 only when asked (`make serve` asks), else the
# web server in front serves it.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)
