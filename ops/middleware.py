"""Middleware of our own: both sync- and async-capable, so neither costs a thread hop."""

import logging
import os
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

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
    """One line per request with its duration, and which process served it."""

    def __call__(self, request: HttpRequest):
        request.started_at = time.perf_counter()
        return super().__call__(request)

    def process(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        elapsed = (time.perf_counter() - request.started_at) * 1000
        response["X-Served-By"] = str(os.getpid())
        request_log.info(
            "%s %s %s %.1fms%s",
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
