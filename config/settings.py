"""Interview Lab settings: one file, driven by environment variables (see README.md).

A server started from `config.asgi` or `config.wsgi` with no configuration is production:
DEBUG off, and it refuses to start without DJANGO_SECRET_KEY. The development tools
(`./run`, `manage.py`, the test suite) set DJANGO_DEBUG=1 unless told otherwise, and say so.
"""

import os
import re
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from ops.environment import boolean, env, number, whole_number, words

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = boolean("DJANGO_DEBUG", False)


def development_secret_key() -> str:
    """A key of this checkout's own, kept in a git-ignored file: development sessions can't
    be forged with a key published in the repository."""
    path = BASE_DIR / ".secret-key-development"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        path.write_text(key + "\n")
        path.chmod(0o600)
        return key


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set: a server started without DJANGO_DEBUG=1 runs in "
            "production. Set DJANGO_SECRET_KEY to a long random value (or DJANGO_DEBUG=1 for "
            "development)."
        )
    SECRET_KEY = development_secret_key()

ALLOWED_HOSTS = words("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

INSTALLED_APPS = [
    # First, so that `manage.py runserver` serves over ASGI too.
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "servestatic",
    "django_tasks",  # the backport of Django 6.0's django.tasks
    "django_tasks_db",  # its database backend: a queue table and `manage.py db_worker`
    "lessons",
    "playground",
    "practice",
    "exercises",
    "ops",
]

MIDDLEWARE = [
    "ops.middleware.RequestLogMiddleware",
    # Outermost but the log: it compresses what every other middleware wrote.
    "ops.middleware.CompressionMiddleware",
    "ops.loop_middleware.SecurityMiddleware",
    # Outside the static files, so that those carry the page's policy and framing rule too
    # (an SVG is a document that can hold a script).
    "ops.middleware.ContentSecurityPolicyMiddleware",
    "ops.loop_middleware.XFrameOptionsMiddleware",
    # Static files under ASGI, async all the way (no sync-iterator warning).
    "servestatic.middleware.ServeStaticMiddleware",
    "ops.middleware.DatabaseBusyMiddleware",
    "ops.loop_middleware.SessionMiddleware",
    "ops.loop_middleware.CommonMiddleware",
    "ops.loop_middleware.CsrfViewMiddleware",
    "ops.loop_middleware.AuthenticationMiddleware",
    "lessons.middleware.SignedInCookieMiddleware",
    "ops.loop_middleware.MessageMiddleware",
    # Innermost: learners see the site's 404 page with DEBUG on too.
    "ops.not_found.SiteNotFoundMiddleware",
]
# Django's technical 404 page (URL patterns tried) instead of the site's, with DEBUG on; a
# staff member can also ask for it on one request with ?technical.
TECHNICAL_404 = boolean("DJANGO_TECHNICAL_404", False)

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
                "ops.context_processors.csrf_cookie",
                "practice.context_processors.learner_progress",
                "exercises.context_processors.exercises",
            ],
        },
    },
]


def database(url: str) -> dict:
    """A DATABASES entry from a URL (sqlite:///path or postgres://...), with our options."""
    config = env.db_url_config(url)
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        name = Path(config["NAME"])
        return sqlite_database(name if name.is_absolute() else BASE_DIR / name)
    if engine == "django.db.backends.postgresql":
        return {
            **config,
            "PORT": str(config["PORT"] or ""),
            # Async views and persistent connections don't mix: each async ORM call may
            # land on another thread. Use psycopg 3's pool instead.
            # https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
            "CONN_MAX_AGE": 0,
            # A request waits at most 10 s for a pooled connection, then fails clearly.
            "OPTIONS": {"pool": {"min_size": 1, "max_size": 20, "timeout": 10}},
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL names {engine}, which is not supported (use sqlite:/// or postgres://)"
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
            "timeout": whole_number("DJANGO_SQLITE_TIMEOUT", 20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


try:
    DATABASES = {"default": database(env.str("DATABASE_URL", default="sqlite:///db.sqlite3"))}
except ValueError as exc:  # django-environ's own complaint about a URL it can't read
    raise ImproperlyConfigured(f"DATABASE_URL: {exc}") from None
DEMOS_DATABASE = env.str("DJANGO_DEMOS_DATABASE", default="")
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and DEMOS_DATABASE != "shared":
    # SQLite has one write lock per file: the demos write to a file of their own, so a demo
    # that holds a transaction open never makes a learner's rating wait (playground/routers.py).
    main_db = Path(DATABASES["default"]["NAME"])
    DATABASES["demos"] = sqlite_database(
        Path(DEMOS_DATABASE)
        if DEMOS_DATABASE
        else main_db.with_name(f"{main_db.stem}-demos.sqlite3")
    )
DATABASE_ROUTERS = ["playground.routers.DemoDatabaseRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
CACHE_PREFIX = env.str("DJANGO_CACHE_PREFIX", default="interview-lab")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Fail fast: a cache that has gone away must not hang every request.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        "KEY_PREFIX": CACHE_PREFIX,
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "interview-lab",
    }
}


def cache_of_its_own(name: str, max_entries: int) -> dict:
    """In Redis, the default cache under a prefix of its own (shared by every worker);
    without it, a local-memory cache of its own, with room for `max_entries`."""
    if REDIS_URL:
        return {**CACHES["default"], "KEY_PREFIX": f"{CACHE_PREFIX}:{name}"}
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": f"interview-lab-{name}",
        "OPTIONS": {"MAX_ENTRIES": max_entries},
    }


# Channels' layer, through which consumers reach each other (groups): Redis when REDIS_URL is
# set, so every worker process shares it; otherwise in memory, which only one process sees.
# https://channels.readthedocs.io/en/stable/topics/channel_layers.html
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{CACHE_PREFIX}:channels"},
    }
    if REDIS_URL
    else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
}

# Rate limits, locks and throttles, large enough that ordinary cache churn never evicts them.
CACHES["limits"] = cache_of_its_own("limits", 1_000_000)

# Sessions are read from a cache and written through to the database (cached_db), so a page
# costs no query for its session; but only where every process reads the same cache: Redis, or
# one process's memory. With several processes on local memory, one would keep serving a session
# that another has ended (a logout), so there sessions are read from the database each time.
# WEB_CONCURRENCY is the number of worker processes (./run serve --workers N sets it, and Uvicorn
# and Gunicorn read it as their default). An evicted session is read from the database again.
WEB_CONCURRENCY = whole_number("WEB_CONCURRENCY", 1)
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL or WEB_CONCURRENCY == 1
    else "django.contrib.sessions.backends.db"
)
SESSION_CACHE_ALIAS = "sessions"
CACHES["sessions"] = cache_of_its_own("sessions", 100_000)
SESSION_COOKIE_AGE = 60 * 60 * 24 * 90  # an anonymous learner's progress lasts 90 days unused
SESSION_SAVE_EVERY_REQUEST = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "practice:home"
LOGOUT_REDIRECT_URL = "lessons:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed sign-ins allowed per window, per account and per client, before sign-in is refused.
LOGIN_FAILURES_PER_ACCOUNT = whole_number("DJANGO_LOGIN_FAILURES_PER_ACCOUNT", 10)
LOGIN_FAILURES_PER_CLIENT = whole_number("DJANGO_LOGIN_FAILURES_PER_CLIENT", 30)
LOGIN_FAILURE_WINDOW = whole_number("DJANGO_LOGIN_FAILURE_WINDOW", 15 * 60)  # seconds

# Tests move the practice clock by writing seconds into this file (see practice/clock.py).
PRACTICE_CLOCK_FILE = env.str("PRACTICE_CLOCK_FILE", default="")
# Practice writes (ratings, reads, demo runs, predictions) one client may make per minute,
# and progress imports per hour.
PRACTICE_WRITES_PER_MINUTE = whole_number("PRACTICE_WRITES_PER_MINUTE", 120)
PRACTICE_IMPORTS_PER_HOUR = whole_number("PRACTICE_IMPORTS_PER_HOUR", 10)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves collected files with hashed names, cached for a year.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "ops.storage.StaticFilesStorage"
    },
}

# In development ServeStatic reads files where they are and notices changes; in production
# it serves what collectstatic gathered, indexed once at start-up.
SERVESTATIC_USE_FINDERS = DEBUG
SERVESTATIC_AUTOREFRESH = DEBUG

# --- Security. DJANGO_HTTPS=1 when a TLS-terminating proxy is in front (see README).
HTTPS = boolean("DJANGO_HTTPS", False)
CSRF_TRUSTED_ORIGINS = words("DJANGO_CSRF_TRUSTED_ORIGINS")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = whole_number("DJANGO_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# Preloading puts the domain in every browser's HSTS list, which is slow to undo: opt in.
SECURE_HSTS_PRELOAD = HTTPS and boolean("DJANGO_HSTS_PRELOAD", False)
if HTTPS and not SECURE_HSTS_PRELOAD:
    # security.W021 asks for preload; without DJANGO_HSTS_PRELOAD=1 that is a choice.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Addresses or networks of the proxies in front: only a request from one of them has its
# client read from X-Forwarded-For (ops/asgi.py). With none, the header is ignored.
TRUSTED_PROXIES = words("DJANGO_TRUSTED_PROXIES")
if HTTPS or TRUSTED_PROXIES:
    # The proxy terminates TLS and says so in this header; trust it only behind one.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# The largest request body: a progress file people import. Bigger bodies are refused with
# 413 before they are read (ops/asgi.py), and one must arrive within BODY_TIMEOUT seconds.
MAX_BODY_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_BODY_BYTES
BODY_TIMEOUT = number("DJANGO_BODY_TIMEOUT", 20)

# --- Django's tasks framework (django-tasks on 5.2): the background-work demo enqueues here and
# runs `manage.py db_worker`. Tasks are rows in the default database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Celery, for CPU-bound demo work, when a broker is configured.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = REDIS_URL or "rpc://"
CELERY_TASK_TIME_LIMIT = 30
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="interview-lab")
CELERY_BEAT_SCHEDULE = {
    # Stale anonymous learners and expired sessions go once a day (manage.py clean_learners).
    "clean-learners": {"task": "practice.clean_learners", "schedule": 24 * 60 * 60}
}

# Where lesson Markdown files live; tests point this at a scratch copy.
LESSONS_DIR = Path(env.str("DJANGO_LESSONS_DIR", default=str(BASE_DIR / "lessons" / "content")))
# Look for changed lesson files on every request (development) or read them once (production).
LESSONS_RELOAD = boolean("DJANGO_LESSONS_RELOAD", DEBUG)

LOGGING = {
    "version": 1,
    # Keep the ASGI server's own loggers alive.
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # Replaces Django's default handlers for its own loggers, so each line is printed once.
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "interview_lab.requests": {
            "handlers": ["console"],
            "level": "INFO" if boolean("DJANGO_REQUEST_LOG", True) else "WARNING",
            "propagate": False,
        },
    },
}

# --- Playground limits (SECURITY.md lists each one).
PLAYGROUND_RATE_LIMIT = whole_number("PLAYGROUND_RATE_LIMIT", 300)  # runs per client per window
PLAYGROUND_RATE_WINDOW = whole_number("PLAYGROUND_RATE_WINDOW", 60)  # seconds
# Demo runs in flight per process: eight per server, shared by its worker processes, so that
# a flood of runs leaves the cores to the pages (bench/pages.py measures it); more wait in line.
PLAYGROUND_MAX_CONCURRENT_RUNS = whole_number(
    "PLAYGROUND_MAX_CONCURRENT_RUNS", max(2, 8 // WEB_CONCURRENCY)
)
# One client's share of those: runs in flight at once, and seconds of runs per window.
PLAYGROUND_CLIENT_MAX_RUNS = whole_number("PLAYGROUND_CLIENT_MAX_RUNS", 4)
PLAYGROUND_CLIENT_RUN_SECONDS = whole_number("PLAYGROUND_CLIENT_RUN_SECONDS", 120)
# Demos that block the event loop on purpose may block it this long per window, per process.
PLAYGROUND_BLOCKING_BUDGET_MS = whole_number("PLAYGROUND_BLOCKING_BUDGET_MS", 6000)
PLAYGROUND_BLOCKING_WINDOW = whole_number("PLAYGROUND_BLOCKING_WINDOW", 30)  # seconds
# CPU-bound demo work (threads, processes, Celery) may burn this much per window, per process.
PLAYGROUND_CPU_BUDGET_MS = whole_number("PLAYGROUND_CPU_BUDGET_MS", 8000)
PLAYGROUND_UPSTREAM_TIMEOUT = number("PLAYGROUND_UPSTREAM_TIMEOUT", 5)  # seconds
# Where the simulated upstreams answer: a process of their own (./run starts one, with
# `python -m playground.upstream_server`), or, unset, this server itself (config/asgi.py).
PLAYGROUND_UPSTREAM_URL = env.str("PLAYGROUND_UPSTREAM_URL", default="").rstrip("/")
if PLAYGROUND_UPSTREAM_URL and not re.fullmatch(r"http://[\w.\-\[\]:]+", PLAYGROUND_UPSTREAM_URL):
    raise ImproperlyConfigured(
        "PLAYGROUND_UPSTREAM_URL must be http://host:port, the simulated upstreams' address"
    )
PLAYGROUND_LOAD_MAX_CONCURRENCY = whole_number("PLAYGROUND_LOAD_MAX_CONCURRENCY", 200)
# Make every simulated upstream call fail, to see how the site copes: hang, refused, error
# (HTTP 500) or garbage (not JSON). Empty: upstreams behave.
PLAYGROUND_UPSTREAM_FAULT = env.str("PLAYGROUND_UPSTREAM_FAULT", default="")
if PLAYGROUND_UPSTREAM_FAULT not in {"", "hang", "refused", "error", "garbage"}:
    raise ImproperlyConfigured("PLAYGROUND_UPSTREAM_FAULT must be hang, refused, error or garbage")
# Above this event-loop lag, the gate lets fewer demo runs in (see playground/gate.py).
PLAYGROUND_MAX_LOOP_LAG_MS = whole_number("PLAYGROUND_MAX_LOOP_LAG_MS", 20)
# Demo requests beyond PLAYGROUND_MAX_CONCURRENT_RUNS wait this long for a slot, then get 429.
PLAYGROUND_QUEUE_SECONDS = number("PLAYGROUND_QUEUE_SECONDS", 10)

# --- Exercises: learner code, run only in a sandbox (see SECURITY.md and docs/exercises.md).
EXERCISES_DIR = Path(
    env.str("DJANGO_EXERCISES_DIR", default=str(BASE_DIR / "exercises" / "content"))
)
# Built by ./run from exercises/sandbox-requirements.txt with Debian's /usr/bin/python3.
EXERCISES_SANDBOX_VENV = Path(
    env.str("EXERCISES_SANDBOX_VENV", default=str(BASE_DIR / ".sandbox-venv"))
)
# The runs' own process (exercises/runner_server.py), by its Unix socket: ./run starts one and
# sets this, so web processes never start sandboxes. Empty: this process's own pool.
EXERCISES_RUNNER = env.str("EXERCISES_RUNNER", default="")
EXERCISES_POOL_SIZE = whole_number("EXERCISES_POOL_SIZE", os.cpu_count() or 1)  # runs at once
EXERCISES_MAX_QUEUE = whole_number("EXERCISES_MAX_QUEUE", 32)  # runs waiting; then 429
EXERCISES_QUEUE_SECONDS = whole_number("EXERCISES_QUEUE_SECONDS", 60)  # longest wait in line
EXERCISES_RATE_LIMIT = whole_number("EXERCISES_RATE_LIMIT", 30)  # runs per client per window
EXERCISES_CLIENT_MAX_RUNS = whole_number("EXERCISES_CLIENT_MAX_RUNS", 2)  # running or waiting
EXERCISES_RATE_WINDOW = whole_number("EXERCISES_RATE_WINDOW", 60)  # seconds
EXERCISES_WALL_SECONDS = 10
EXERCISES_CPU_SECONDS = 5
EXERCISES_MEMORY_MB = 512
# Each live sandbox runs under a uid of its own from this range (no user may own them).
EXERCISES_SANDBOX_UID_BASE = whole_number("EXERCISES_SANDBOX_UID_BASE", 61000)
EXERCISES_SANDBOX_UIDS = whole_number("EXERCISES_SANDBOX_UIDS", 256)
# With CELERY_BROKER_URL, runs go to Celery workers on this queue: web workers start no sandbox.
EXERCISES_CELERY_QUEUE = env.str(
    "EXERCISES_CELERY_QUEUE", default=CELERY_TASK_DEFAULT_QUEUE + "-exercises"
)
