"""The middleware lesson's claims about how Django 5.2 builds an async stack."""

import pytest
from asgiref.sync import SyncToAsync, iscoroutinefunction
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.handlers.base import BaseHandler
from django.utils.decorators import async_only_middleware, sync_and_async_middleware

MODES: dict[str, str] = {}


def recording_hybrid(name: str):
    @sync_and_async_middleware
    def factory(get_response):
        MODES[name] = "async" if iscoroutinefunction(get_response) else "sync"
        if iscoroutinefunction(get_response):

            async def middleware(request):
                return await get_response(request)

        else:

            def middleware(request):
                return get_response(request)

        return middleware

    return factory


top, middle, bottom = (recording_hybrid(name) for name in ("top", "middle", "bottom"))


def legacy(get_response):  # no flags: sync only
    MODES["legacy"] = "sync"
    return get_response


@async_only_middleware
def async_only(get_response):
    MODES["async_only"] = "async"

    async def middleware(request):
        return await get_response(request)

    return middleware


def modes(settings, *names: str) -> dict[str, str]:
    MODES.clear()
    settings.MIDDLEWARE = [f"{__name__}.{name}" for name in names]
    BaseHandler().load_middleware(is_async=True)
    return MODES


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        (("top", "middle", "bottom"), {"top": "async", "middle": "async", "bottom": "async"}),
        (("top", "middle", "legacy"), {"top": "sync", "middle": "sync", "legacy": "sync"}),
        (("legacy", "top", "middle"), {"legacy": "sync", "top": "async", "middle": "async"}),
        (
            ("async_only", "legacy", "bottom"),
            {"async_only": "async", "legacy": "sync", "bottom": "async"},
        ),
    ],
)
def test_a_sync_only_middleware_turns_every_middleware_above_it_sync(settings, stack, expected):
    assert modes(settings, *stack) == expected


def test_login_required_middleware_costs_one_hop_in_process_view(settings):
    assert not hasattr(LoginRequiredMiddleware, "process_request")
    assert not hasattr(LoginRequiredMiddleware, "process_response")
    settings.MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    handler = BaseHandler()
    handler.load_middleware(is_async=True)
    [process_view] = handler._view_middleware
    assert isinstance(process_view, SyncToAsync)  # a trip to the request's thread and back
