"""ASGI entry point: `daphne config.asgi:application` or `uvicorn config.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()

# Imported after Django is set up.
from playground import upstream  # noqa: E402
from playground.gate import DemoGate  # noqa: E402

site = DemoGate(django_application)


async def application(scope, receive, send) -> None:
    """Route the simulated upstream APIs around Django; everything else goes to the site."""
    if scope["type"] == "http" and scope["path"].startswith(upstream.PREFIX):
        await upstream.application(scope, receive, send)
    else:
        await site(scope, receive, send)
