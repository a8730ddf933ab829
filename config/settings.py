"""Interview Lab settings: one file, driven by environment variables (see README.md)."""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn DATABASE_URL into a DATABASES entry (sqlite:///path or postgres://...)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        name = unquote(parts.path[1:]) if parts.path.startswith("/") else unquote(parts.path)
        return sqlite_database(BASE_DIR / name if name else BASE_DIR / "db.sqlite3")
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            # Async views and persistent connections don't mix: each async ORM call may
            # land on another thread. Use psycopg 3's pool instead.
            # https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
            "CONN_MAX_AGE": 0,
            # A request waits at most 10 s for a pooled connection, then fails clearly.
            "OPTIONS": {"pool": {"min_size": 1, "max_size": 20, "timeout": 10}},
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parts.scheme!r} is not supported (use sqlite:/// or postgres://)"
    )


def sqlite_database(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            # Take the write lock when a transaction starts, so concurrent read-then-write
            # transactions queue instead of failing with "database is locked" (Django 5.1+).
            # https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-transaction-behavior
            "transaction_mode": "IMMEDIATE",
            # How long a connection waits for SQLite's write lock before "database is locked".
            "timeout": env_int("DJANGO_SQLITE_TIMEOUT", 20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

INSTALLED_APPS = [
    # First, so that `manage.py runserver` serves over ASGI too.
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "servestatic",
    "lessons",
    "playground",
    "practice",
    "exercises",
    "ops",
]

MIDDLEWARE = [
    "ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files under ASGI, async all the way (no sync-iterator warning).
    "servestatic.middleware.ServeStaticMiddleware",
    "ops.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

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
                "lessons.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(os.environ["DATABASE_URL"])
    if os.environ.get("DATABASE_URL")
    else sqlite_database(BASE_DIR / "db.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Fail fast: a cache that has gone away must not hang every request.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "interview-lab"),
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "interview-lab",
    }
}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 365  # a learner's anonymous progress lasts a year
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "practice:home"
LOGOUT_REDIRECT_URL = "lessons:home"

# Tests move the practice clock by writing seconds into this file (see practice/clock.py).
PRACTICE_CLOCK_FILE = os.environ.get("PRACTICE_CLOCK_FILE", "")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves collected files with hashed names, cached for a year.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "servestatic.storage.CompressedManifestStaticFilesStorage"
    },
}

# In development ServeStatic reads files where they are and notices changes; in production
# it serves what collectstatic gathered, indexed once at start-up.
SERVESTATIC_USE_FINDERS = DEBUG
SERVESTATIC_AUTOREFRESH = DEBUG

# --- Security. DJANGO_HTTPS=1 when a TLS-terminating proxy is in front (see README).
HTTPS = env_bool("DJANGO_HTTPS", False)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("DJANGO_BEHIND_PROXY", HTTPS):
    # The proxy terminates TLS and says so in this header; trust it only behind one.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # the largest progress file people import

# --- Celery, for CPU-bound demo work, when a broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = REDIS_URL or "rpc://"
CELERY_TASK_TIME_LIMIT = 30
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "interview-lab")

# Where lesson Markdown files live; tests point this at a scratch copy.
LESSONS_DIR = Path(os.environ.get("DJANGO_LESSONS_DIR", BASE_DIR / "lessons" / "content"))

LOGGING = {
    "version": 1,
    # Keep the ASGI server's own loggers alive.
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # Replaces Django's default handlers for its own loggers, so each line is printed once.
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "interview_lab.requests": {
            "handlers": ["console"],
            "level": "INFO" if env_bool("DJANGO_REQUEST_LOG", True) else "WARNING",
            "propagate": False,
        },
    },
}

# --- Playground limits (see SECURITY-relevant notes in the README).
PLAYGROUND_RATE_LIMIT = env_int("PLAYGROUND_RATE_LIMIT", 300)  # demo runs per client per window
PLAYGROUND_RATE_WINDOW = env_int("PLAYGROUND_RATE_WINDOW", 60)  # seconds
PLAYGROUND_MAX_CONCURRENT_RUNS = env_int("PLAYGROUND_MAX_CONCURRENT_RUNS", 32)  # per process
# Demos that block the event loop on purpose may block it this long per window, per process.
PLAYGROUND_BLOCKING_BUDGET_MS = env_int("PLAYGROUND_BLOCKING_BUDGET_MS", 6000)
PLAYGROUND_BLOCKING_WINDOW = env_int("PLAYGROUND_BLOCKING_WINDOW", 30)  # seconds
PLAYGROUND_UPSTREAM_TIMEOUT = float(env_int("PLAYGROUND_UPSTREAM_TIMEOUT", 5))  # seconds
PLAYGROUND_LOAD_MAX_CONCURRENCY = env_int("PLAYGROUND_LOAD_MAX_CONCURRENCY", 200)
# Make every simulated upstream call fail, to see how the site copes: hang, refused, error
# (HTTP 500) or garbage (not JSON). Empty: upstreams behave.
PLAYGROUND_UPSTREAM_FAULT = os.environ.get("PLAYGROUND_UPSTREAM_FAULT", "")
if PLAYGROUND_UPSTREAM_FAULT not in {"", "hang", "refused", "error", "garbage"}:
    raise ImproperlyConfigured("PLAYGROUND_UPSTREAM_FAULT must be hang, refused, error or garbage")
# Above this event-loop lag, the gate lets fewer demo runs in (see playground/gate.py).
PLAYGROUND_MAX_LOOP_LAG_MS = env_int("PLAYGROUND_MAX_LOOP_LAG_MS", 20)
# Demo requests beyond PLAYGROUND_MAX_CONCURRENT_RUNS wait this long for a slot, then get 429.
PLAYGROUND_QUEUE_SECONDS = float(env_int("PLAYGROUND_QUEUE_SECONDS", 3))

# --- Exercises: learner code, run only in a sandbox (see SECURITY.md and docs/exercises.md).
EXERCISES_DIR = Path(os.environ.get("DJANGO_EXERCISES_DIR", BASE_DIR / "exercises" / "content"))
# Built by ./run from exercises/sandbox-requirements.txt with Debian's /usr/bin/python3.
EXERCISES_SANDBOX_VENV = Path(os.environ.get("EXERCISES_SANDBOX_VENV", BASE_DIR / ".sandbox-venv"))
EXERCISES_POOL_SIZE = env_int("EXERCISES_POOL_SIZE", os.cpu_count() or 1)  # runs at once
EXERCISES_MAX_QUEUE = env_int("EXERCISES_MAX_QUEUE", 32)  # runs waiting; then 429
EXERCISES_QUEUE_SECONDS = env_int("EXERCISES_QUEUE_SECONDS", 60)  # longest wait in the queue
EXERCISES_RATE_LIMIT = env_int("EXERCISES_RATE_LIMIT", 30)  # runs per client per window
EXERCISES_RATE_WINDOW = env_int("EXERCISES_RATE_WINDOW", 60)  # seconds
EXERCISES_WALL_SECONDS = 10
EXERCISES_CPU_SECONDS = 5
EXERCISES_MEMORY_MB = 512
# Each live sandbox runs under a uid of its own from this range (no user may own them).
EXERCISES_SANDBOX_UID_BASE = env_int("EXERCISES_SANDBOX_UID_BASE", 61000)
EXERCISES_SANDBOX_UIDS = env_int("EXERCISES_SANDBOX_UIDS", 256)
# With CELERY_BROKER_URL, runs go to Celery workers on this queue: web workers start no sandbox.
EXERCISES_CELERY_QUEUE = os.environ.get(
    "EXERCISES_CELERY_QUEUE", CELERY_TASK_DEFAULT_QUEUE + "-exercises"
)
