"""`daphne bench.bare.asgi:application`, with DJANGO_SETTINGS_MODULE=bench.bare.settings.

With BARE_REUSE_THREADS=1, each request still gets a thread of its own for its thread-sensitive
work, but from a pool of one-thread executors handed to asgiref's ThreadSensitiveContext,
instead of one started (and joined by another) per request: what those starts cost.
"""

import os
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bare.settings")
django_application = get_asgi_application()
_idle: list[ThreadPoolExecutor] = []


async def reusing_threads(scope, receive, send) -> None:
    executor = _idle.pop() if _idle else ThreadPoolExecutor(max_workers=1)
    try:
        # The outermost context wins: Django's own, inside it, then uses this executor.
        async with ThreadSensitiveContext(executor=executor):
            await django_application(scope, receive, send)
    finally:
        _idle.append(executor)


application = reusing_threads if os.environ.get("BARE_REUSE_THREADS") == "1" else django_application
