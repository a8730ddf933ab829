"""ASGI entry point: `daphne config.asgi:application` or `uvicorn config.asgi:application`.

Started this way the site is in production unless DJANGO_DEBUG=1 (see config/settings.py).
"""

import gc
import os
import sys

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()

# Imported after Django is set up.
from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from ops.asgi import NoDisconnectOnceAnswered, TrustedProxies, WholeBodies  # noqa: E402
from playground import upstream, websockets  # noqa: E402
from playground.gate import DemoGate  # noqa: E402

# CPU demos burn pure Python in threads on purpose; every page request then waits for the GIL
# at each thread hop, 5 ms at a time by default. Handing the GIL over within 1 ms keeps pages
# fast while they run (measured: lesson p50 436 -> 105 ms under the heaviest CPU load run).
sys.setswitchinterval(0.001)

site = DemoGate(django_application)

# Read and render every lesson and exercise now, not on the first request (production reads
# them once), and, in production, every lesson page (lessons/pages.py keeps them).
from exercises.catalog import get_catalog as get_exercises  # noqa: E402
from lessons import pages  # noqa: E402
from lessons.catalog import get_catalog  # noqa: E402

get_exercises()
if not settings.LESSONS_RELOAD:
    pages.warm(get_catalog())

# What start-up made (settings, URLconfs, catalogues, kept pages, Pygments' lexers) lives as long
# as the process. Frozen out of the collector's sight, it is never walked again: a full
# collection holds the GIL, so every request in the process waits for it, and it now costs
# what requests left behind, not all of start-up (bench/render.py prints both). With lesson
# reloading on (development), the catalogues made at start-up stay once replaced: a one-off.
gc.collect()
gc.freeze()

if "daphne.server" in sys.modules:  # served by Daphne: refuse big bodies while they arrive
    from ops.daphne import refuse_large_bodies

    refuse_large_bodies(settings.MAX_BODY_BYTES)


async def route(scope, receive, send) -> None:
    """Route the simulated upstream APIs around Django; everything else goes to the site."""
    if scope["type"] == "http" and scope["path"].startswith(upstream.PREFIX):
        await upstream.application(scope, receive, send)
    else:
        await site(scope, receive, send)


# HTTP goes to the site as before; WebSocket connections to Channels' consumers
# (playground/websockets.py), behind the same proxy handling.
protocols = ProtocolTypeRouter({"http": route, "websocket": websockets.application()})

application = TrustedProxies(
    WholeBodies(
        NoDisconnectOnceAnswered(protocols),
        max_bytes=settings.MAX_BODY_BYTES,
        timeout=settings.BODY_TIMEOUT,
    ),
    settings.TRUSTED_PROXIES,
)
