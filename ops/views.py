import asyncio
import logging

from asgiref.sync import sync_to_async
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .disclosure import failure_text
from .services import check_cache, check_database

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 3  # seconds: a health check must answer even when a dependency hangs


@never_cache
@require_safe
async def health(request: HttpRequest) -> JsonResponse:
    """200 when the database and the cache answer; 503 naming what does not."""
    checks = {
        # On the request's own thread, so its connection is closed when the request ends.
        "database": sync_to_async(check_database),
        # Elsewhere, so a hung database can't hold the cache check up behind it.
        "cache": sync_to_async(check_cache, thread_sensitive=False),
    }
    results = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(), CHECK_TIMEOUT)
            results[name] = "ok"
        except Exception as exc:  # any failure is the answer, not a crash
            logger.warning("health check: the %s is failing: %r", name, exc)
            results[name] = f"failing: {failure_text(request, exc)}"
    healthy = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", **results}, status=200 if healthy else 503
    )
