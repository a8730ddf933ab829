"""Does each service the site depends on answer? One check per service, used both before
serving (`manage.py check_services`, which names the variable to fix) and by `/healthz`.

A missing or unreachable database, cache or broker should stop the start with a sentence that
names the variable, not surface later as a traceback deep inside a request.
"""

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def check_database(*, past_the_pool: bool = False) -> None:
    """Run a query; raise whatever stops it. `past_the_pool` connects straight to PostgreSQL,
    where the pool would retry for its whole timeout before failing."""
    if past_the_pool and connection.vendor == "postgresql":
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        psycopg.connect(**params, connect_timeout=3).close()
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    """Store a value and read it back; raise if the cache can't."""
    key, value = f"ops:check:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was just stored")
    cache.delete(key)


def check_broker() -> None:
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=3) as broker:
        broker.ensure_connection(max_retries=1)


def problems() -> list[str]:
    """Each configured service that does not answer, as a sentence naming its variable."""
    found = []
    try:
        check_database(past_the_pool=True)
    except Exception as exc:
        where = redact(os.environ.get("DATABASE_URL", "")) or "the SQLite file"
        found.append(f"DATABASE_URL ({where}): cannot connect: {exc}".strip())
    finally:
        connection.close()
    configured = [
        ("REDIS_URL", settings.REDIS_URL, check_cache),
        ("CELERY_BROKER_URL", settings.CELERY_BROKER_URL, check_broker),
    ]
    for name, url, check in configured:
        if not url:
            continue
        try:
            check()
        except Exception as exc:
            found.append(f"{name} ({redact(url)}): cannot connect: {exc}")
    return found
