"""Check, before serving, that every service the environment names answers.

A missing or unreachable database, cache or broker should stop the start with a sentence that
names the variable, not surface later as a traceback deep inside a request.
"""

import os
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def check_database() -> str | None:
    from django.db import connection

    try:
        if connection.vendor == "postgresql":
            # Straight to the server, past the pool, which would retry for its whole timeout.
            import psycopg

            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            psycopg.connect(**params, connect_timeout=3).close()
        else:
            connection.ensure_connection()
    except Exception as exc:
        where = redact(os.environ.get("DATABASE_URL", "")) or "the SQLite file"
        return f"DATABASE_URL ({where}): cannot connect: {exc}".strip()
    finally:
        connection.close()
    return None


def check_cache() -> str | None:
    if not settings.REDIS_URL:
        return None
    from django.core.cache import cache

    try:
        cache.set("ops:startup-check", 1, 5)
    except Exception as exc:
        return f"REDIS_URL ({redact(settings.REDIS_URL)}): cannot connect: {exc}"
    return None


def check_broker() -> str | None:
    if not settings.CELERY_BROKER_URL:
        return None
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:
        return f"CELERY_BROKER_URL ({redact(settings.CELERY_BROKER_URL)}): cannot connect: {exc}"
    return None


def problems() -> list[str]:
    return [p for p in (check_database(), check_cache(), check_broker()) if p]
