import asyncio
import uuid

from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

CHECK_TIMEOUT = 3  # seconds: a health check must answer even when a dependency hangs


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def check_cache() -> None:
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    await cache.aset(key, value, 10)
    if await cache.aget(key) != value:
        raise RuntimeError("the cache did not return what was just stored")
    await cache.adelete(key)


@never_cache
@require_GET
async def health(request: HttpRequest) -> JsonResponse:
    """200 when the database and the cache answer; 503 naming what does not."""
    checks = {"database": sync_to_async(check_database)(), "cache": check_cache()}
    results = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check, CHECK_TIMEOUT)
            results[name] = "ok"
        except Exception as exc:  # any failure is the answer, not a crash
            results[name] = f"failing: {type(exc).__name__}: {exc}"
    healthy = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", **results}, status=200 if healthy else 503
    )
