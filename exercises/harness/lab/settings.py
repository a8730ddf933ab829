"""Settings of the Django that runs inside the sandbox: written here, nothing from the server.

The database is a fresh SQLite file in the sandbox's private /tmp, configured like the site's
own (WAL, IMMEDIATE transactions), so locking behaves as it does on the real server.
"""

import secrets

SECRET_KEY = secrets.token_urlsafe(32)  # the sandbox's own, thrown away with it
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["lab"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "lab.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/tmp/lab.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 5,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # django.core.mail.outbox
DEFAULT_FROM_EMAIL = "lab@example.com"
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
# Read by playground/upstream.py; the scenario sets faults per service instead (lab/upstreams).
PLAYGROUND_UPSTREAM_FAULT = ""
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # A view that raises is logged with its traceback: the learner sees it in the output.
    "loggers": {
        "django": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        # 4xx answers are the learner's choice, not news; a 500's traceback is.
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "uvicorn.error": {"level": "WARNING"},
    },
}
