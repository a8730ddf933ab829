"""Middleware of our own: both sync- and async-capable, so neither costs a thread hop."""

import logging
import os
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.gzip import GZipMiddleware
from django.template.loader import render_to_string

from .disclosure import shows_server_details
from .loop_middleware import OnTheLoop

request_log = logging.getLogger("interview_lab.requests")

# No inline script anywhere on the site, so scripts need no 'unsafe-inline'.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class DualMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if self.is_async:
            return self.__acall__(request)
        return self.process(request, self.get_response(request))

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        return self.process(request, await self.get_response(request))

    def process(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return response


class RequestLogMiddleware(DualMiddleware):
    """One line per request: the client, the request, its status and duration. To developers
    and staff the response also says which process served it (X-Served-By)."""

    def __call__(self, request: HttpRequest):
        request.started_at = time.perf_counter()
        return super().__call__(request)

    def process(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        elapsed = (time.perf_counter() - request.started_at) * 1000
        if shows_server_details(request):
            response["X-Served-By"] = str(os.getpid())
        request_log.info(
            "%s %s %s %s %.1fms%s",
            request.META.get("REMOTE_ADDR", "-"),
            request.method,
            request.get_full_path()[:200],
            response.status_code,
            elapsed,
            " (streaming)" if response.streaming else "",
        )
        return response


class ContentSecurityPolicyMiddleware(DualMiddleware):
    def process(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class DatabaseBusyMiddleware(DualMiddleware):
    """A database that is locked or gone is a 503 that says so, with Retry-After, never a 500
    with a traceback: the request may simply be tried again."""

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, DatabaseError):
            return None
        logging.getLogger(__name__).warning(
            "database unavailable for %s %s: %s", request.method, request.path, exception
        )
        message = "The database is busy or not answering right now. Try again in a few seconds."
        if request.content_type == "application/json" or not request.accepts("text/html"):
            response = JsonResponse({"error": message}, status=503)
        else:
            response = HttpResponse(
                render_to_string("503.html", {"message": message}, request=None), status=503
            )
        response["Retry-After"] = "5"
        return response


class _WholeResponsesOnly(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.streaming:
            return response
        return super().process_response(request, response)


class CompressionMiddleware(OnTheLoop):
    """Django's GZipMiddleware, BREACH mitigation included (random bytes in each gzip
    header since 4.2), for whole responses only: a streaming response, the demos' streams
    above all, goes out uncompressed, chunk by chunk as its view produces them.

    Under ASGI a small body is compressed in place, cheaper than the trip to a thread; a big
    one (a lesson page) in the request's thread, where zlib lets go of the GIL while it works,
    so the event loop goes on meanwhile."""

    wrapped = _WholeResponsesOnly

    def response_blocks(self, request: HttpRequest, response: HttpResponse) -> bool:
        return (
            not response.streaming
            and len(response.content) > COMPRESS_IN_PLACE_BYTES
            and "gzip" in request.headers.get("Accept-Encoding", "")
        )


COMPRESS_IN_PLACE_BYTES = 16 * 1024
