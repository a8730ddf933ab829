"""Simulated upstream APIs: a minimal ASGI app, not a Django view.

The demos fan out to "external" services; these stand in for them on the server's own address,
with the latency, jitter and failure rate the demo asks for. A real external API does not run
through our middleware, so neither does this: it is routed in config/asgi.py before Django,
which also makes it a small, complete example of what an ASGI application is.
"""

import asyncio
import json
import random
from urllib.parse import parse_qsl

from django.conf import settings

from .registry import UPSTREAM_PARAMS, ParamError

PREFIX = "/playground/upstream/"

SERVICES = {
    "orders": lambda n: {"open_orders": 40 + n % 17, "currency": "EUR"},
    "billing": lambda n: {"invoices_due": 3 + n % 5, "overdue": n % 2 == 0},
    "stock": lambda n: {"sku": f"SKU-{1000 + n}", "in_stock": 12 + n % 9},
    "shipping": lambda n: {"parcels_in_transit": 7 + n % 11, "carrier": "PostNL"},
    "reviews": lambda n: {"average": round(3.5 + (n % 15) / 10, 1), "count": 120 + n},
}


async def application(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    name = scope["path"][len(PREFIX) :]
    if scope["method"] != "GET":
        await _respond(send, 405, {"error": "upstreams answer GET only"})
        return
    if name not in SERVICES:
        await _respond(send, 404, {"error": f"no upstream service {name!r}"})
        return
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    try:
        params = {
            key: p.coerce(key, query[key]) for key, p in UPSTREAM_PARAMS.items() if key in query
        }
    except ParamError as exc:
        await _respond(send, 400, {"error": str(exc)})
        return
    latency = params.get("latency_ms", 0) + random.uniform(0, params.get("jitter_ms", 0))
    await asyncio.sleep(latency / 1000)
    # Faults an operator (or a test) switches on for every call: PLAYGROUND_UPSTREAM_FAULT.
    fault = settings.PLAYGROUND_UPSTREAM_FAULT
    if fault == "hang":
        await asyncio.sleep(3600)  # the caller's timeout ends it
    elif fault == "error":
        await _respond(send, 500, {"error": f"{name} crashed (simulated fault)"})
        return
    elif fault == "garbage":
        await _respond_raw(send, 200, b"<html>not json</html>")
        return
    if random.random() < params.get("fail_rate", 0):
        await _respond(send, 503, {"error": f"{name} is unavailable (simulated failure)"})
        return
    n = random.randrange(1000)
    await _respond(
        send, 200, {"service": name, "latency_ms": round(latency, 1), **SERVICES[name](n)}
    )


async def _respond(send, status: int, body: dict) -> None:
    await _respond_raw(send, status, json.dumps(body).encode())


async def _respond_raw(send, status: int, payload: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
