"""The learner's routes, filled in by the harness once their code has loaded."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern

PROBE_PATH = "__lab/probe"


async def probe(request: HttpRequest) -> HttpResponse:
    """What "another user" asks for while a scenario runs: answers at once unless the loop is
    blocked."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns: list[URLPattern] = []
