"""The request-lifecycle lesson's code and claims, on Django 5.2: the lesson's middleware in a
real stack in both modes, exceptions turned into responses at their own layer, the phases'
threads as the in-process demo records them."""

import sys
import types

import django.core.handlers.base as handlers_base
import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.core.handlers.asgi import ASGIHandler
from django.http import Http404, HttpResponse
from django.test import AsyncClient, Client
from django.urls import include, path

from playground.demos import lifecycle
from playground.runner import running
from tests.helpers import lesson_code

SLUG = "request-lifecycle"
seen: list[str] = []


class CatchingMiddleware:
    """An outer layer trying to catch the view's exception around get_response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except Http404:
            seen.append("caught Http404")
            raise
        seen.append(f"saw a {response.status_code} response")
        return response


def missing(request):
    raise Http404("no such order")


def found(request):
    return HttpResponse("ok")


urlpatterns = [
    path("missing/", missing),
    path("found/", found),
    path("", include("config.urls")),  # the site's error pages reverse its URLs
]


@pytest.fixture
def lesson_module():
    """The lesson's TimingMiddleware, importable by path as MIDDLEWARE entries must be."""
    module = types.ModuleType("lesson_request_lifecycle")
    module.__dict__.update(lesson_code(SLUG, "class TimingMiddleware:"))
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


def test_the_asgi_block_builds_djangos_handler():
    assert isinstance(lesson_code(SLUG, "get_asgi_application()")["application"], ASGIHandler)


def test_the_lessons_middleware_adds_its_header_in_both_modes(lesson_module):
    def view(request):
        return HttpResponse("ok")

    async def async_view(request):
        return HttpResponse("ok")

    sync_layer = lesson_module.TimingMiddleware(view)
    async_layer = lesson_module.TimingMiddleware(async_view)
    assert not iscoroutinefunction(sync_layer) and iscoroutinefunction(async_layer)
    assert sync_layer(None)["X-Layer"] == "timing"
    assert async_to_sync(async_layer)(None)["X-Layer"] == "timing"


@pytest.mark.urls(__name__)
def test_the_lessons_middleware_in_a_real_stack_under_wsgi_and_asgi(settings, lesson_module):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.MIDDLEWARE = ["lesson_request_lifecycle.TimingMiddleware"]
    assert Client().get("/found/")["X-Layer"] == "timing"
    assert async_to_sync(AsyncClient().get)("/found/")["X-Layer"] == "timing"


@pytest.mark.urls(__name__)
def test_an_outer_middleware_sees_a_404_response_not_the_exception(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.MIDDLEWARE = [f"{__name__}.CatchingMiddleware"]
    seen.clear()
    assert Client().get("/missing/").status_code == 404
    assert seen == ["saw a 404 response"]


# Django's request_started/request_finished receivers check the database connection of the
# thread they run on: outside a test transaction, as on a real server.
@pytest.mark.django_db(transaction=True)
def test_the_demo_records_the_onion_and_the_render_after_the_view():
    async def serve():
        with running() as trace:
            handler = lifecycle.handler_for("OuterMiddleware", "InnerMiddleware")
            return await lifecycle.serve_one("/orders/7/", handler, 0, trace), trace

    result, trace = async_to_sync(serve)()
    order = [step.split("  [")[0] for step in result["path"]]
    assert (
        order.index("view: show_order() (async)")
        < order.index("render the template (after the view)")
        < order.index("← InnerMiddleware")
    )
    assert result["body"] == "<p>Order 7: shipped</p>"
    spans = {span.label: span.thread for span in trace.spans}
    loop = spans["ASGIHandler(scope, receive, send)"]
    assert spans["view: show_order() (async)"] == loop
    assert spans["render the template (after the view)"] != loop


middleware_lists_seen_while_building: list[list[str]] = []


class WitnessMiddleware:
    """Built inside the demo's handler: records the MIDDLEWARE that any other handler built at
    that moment (another thread's, say) would read from django.core.handlers.base."""

    def __init__(self, get_response):
        self.get_response = get_response
        middleware_lists_seen_while_building.append(list(handlers_base.settings.MIDDLEWARE))

    def __call__(self, request):
        return self.get_response(request)


def test_building_the_demos_handler_leaves_the_sites_middleware_alone(settings):
    middleware_lists_seen_while_building.clear()
    lifecycle.TracedHandler([f"{__name__}.WitnessMiddleware"])
    # One entry: the demo's stack was built from its own list, and while it was, Django's
    # module still showed the site's MIDDLEWARE.
    assert middleware_lists_seen_while_building == [list(settings.MIDDLEWARE)]
