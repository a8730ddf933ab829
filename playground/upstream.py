"""Simulated upstream APIs: a minimal ASGI app, not a Django view.

The demos fan out to "external" services; these stand in for them on the server's own address,
with the latency, jitter and failure rate the demo asks for. A real external API does not run
through our middleware, so neither does this: it is routed in config/asgi.py before Django,
which also makes it a small, complete example of what an ASGI application is.
"""

import asyncio
import json
import logging
import random
import time
from urllib.parse import parse_qsl

from django.conf import settings
from django.http.request import split_domain_port, validate_host

from .registry import UPSTREAM_PARAMS, ParamError

PREFIX = "/playground/upstream/"
LOOPBACK = ["127.0.0.1", "localhost", "[::1]", "::1"]
request_log = logging.getLogger("interview_lab.requests")

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
    started = time.perf_counter()
    status = await answer(scope, send)
    request_log.info(
        "%s %s %s %s %.1fms (upstream)",
        (scope.get("client") or ("-",))[0],
        scope["method"],
        scope["path"][:200],
        status,
        (time.perf_counter() - started) * 1000,
    )


async def answer(scope, send) -> int:
    """Answer one call to a simulated upstream; return the status sent."""
    name = scope["path"][len(PREFIX) :]
    host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1")
    domain, _ = split_domain_port(host)
    if not validate_host(domain, [*settings.ALLOWED_HOSTS, *LOOPBACK]):
        return await _respond(send, 400, {"error": "this host is not served here"})
    if scope["method"] != "GET":
        return await _respond(send, 405, {"error": "upstreams answer GET only"})
    if name not in SERVICES:
        return await _respond(send, 404, {"error": f"no upstream service {name!r}"})
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    try:
        params = {
            key: p.coerce(key, query[key]) for key, p in UPSTREAM_PARAMS.items() if key in query
        }
    except ParamError as exc:
        return await _respond(send, 400, {"error": str(exc)})
    latency = params.get("latency_ms", 0) + random.uniform(0, params.get("jitter_ms", 0))
    await asyncio.sleep(latency / 1000)
    # Faults an operator (or a test) switches on for every call: PLAYGROUND_UPSTREAM_FAULT.
    fault = settings.PLAYGROUND_UPSTREAM_FAULT
    if fault == "hang":
        await asyncio.sleep(3600)  # the caller's timeout ends it
    elif fault == "error":
        return await _respond(send, 500, {"error": f"{name} crashed (simulated fault)"})
    elif fault == "garbage":
        return await _respond_raw(send, 200, b"<html>not json</html>")
    if random.random() < params.get("fail_rate", 0):
        return await _respond(send, 503, {"error": f"{name} is unavailable (simulated failure)"})
    n = random.randrange(1000)
    return await _respond(
        send, 200, {"service": name, "latency_ms": round(latency, 1), **SERVICES[name](n)}
    )


async def _respond(send, status: int, body: dict) -> int:
    return await _respond_raw(send, status, json.dumps(body).encode())


async def _respond_raw(send, status: int, payload: bytes) -> int:
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
    return status
