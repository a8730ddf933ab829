"""The async views lesson's dashboard, against a fake aiohttp session, and its auth examples."""

import asyncio
import json
import types

import aiohttp
import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured, SynchronousOnlyOperation
from django.http import JsonResponse
from django.test import AsyncClient, RequestFactory
from django.urls import include, path
from django.views import View

from tests.helpers import lesson_code

# url -> (seconds before it answers, its JSON body or the exception it raises)
BEHAVIOUR = {
    "orders": (0.05, {"orders": 3}),
    "billing": (0.01, aiohttp.ClientError("billing is down")),
    "stock": (0.10, {"stock": 7}),
}


class FakeSession:
    """Stands in for aiohttp.ClientSession; records what was still running when it closed."""

    def __init__(self, *, timeout=None):
        self.running: set[str] = set()
        self.running_at_close: set[str] | None = None

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info):
        self.running_at_close = set(self.running)
        SESSIONS.append(self)

    def get(self, url: str):
        return FakeResponse(self, url.split("//")[1].split(".")[0])


class FakeResponse:
    def __init__(self, session: FakeSession, service: str):
        self.session, self.service = session, service

    async def __aenter__(self):
        self.session.running.add(self.service)
        delay, outcome = BEHAVIOUR[self.service]
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            self.session.running.discard(self.service)
            raise
        if isinstance(outcome, Exception):
            self.session.running.discard(self.service)
            raise outcome
        return self

    async def __aexit__(self, *exc_info):
        self.session.running.discard(self.service)

    def raise_for_status(self) -> None:
        pass

    async def json(self):
        return BEHAVIOUR[self.service][1]


SESSIONS: list[FakeSession] = []


@pytest.fixture
def dashboard_code():
    SESSIONS.clear()
    code = lesson_code("async-views", "async def dashboard(")
    code["aiohttp"] = types.SimpleNamespace(ClientSession=FakeSession)
    return code


def test_the_dashboard_reports_each_failure_and_closes_the_session_after_every_call(
    dashboard_code,
):
    response = async_to_sync(dashboard_code["dashboard"])(RequestFactory().get("/"))
    assert json.loads(response.content) == {
        "orders": {"orders": 3},
        "billing": {"error": "ClientError"},
        "stock": {"stock": 7},
    }
    [session] = SESSIONS
    assert session.running_at_close == set()


def test_a_plain_gather_would_close_the_session_under_running_calls(dashboard_code):
    """The bug the lesson's version avoids: the first failure leaves `async with` at once."""
    fetch_json = dashboard_code["fetch_json"]

    async def plain_gather():
        async with FakeSession() as session:
            await asyncio.gather(
                *(fetch_json(session, url) for url in dashboard_code["SERVICES"].values())
            )

    with pytest.raises(aiohttp.ClientError):
        async_to_sync(plain_gather)()
    [session] = SESSIONS
    assert session.running_at_close == {"orders", "stock"}


async def uses_request_user(request):
    return JsonResponse({"authenticated": request.user.is_authenticated})


# The site's own URLs too: its error pages reverse them.
urlpatterns = [
    path("profile/", lesson_code("async-views", "async def profile(")["profile"]),
    path("user/", uses_request_user),
    path("", include("config.urls")),
]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_auser_works_where_request_user_raises(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    user = User.objects.create_user("reader")

    async def visit():
        client = AsyncClient()
        assert (await client.get("/profile/")).status_code == 302  # login_required, async
        await client.aforce_login(user)
        profile = await client.get("/profile/")
        with pytest.raises(SynchronousOnlyOperation):
            await client.get("/user/")
        return profile

    assert async_to_sync(visit)().json() == {"username": "reader"}


def test_a_class_based_view_cannot_mix_sync_and_async_handlers():
    class Mixed(View):
        async def get(self, request):
            return JsonResponse({})

        def post(self, request):
            return JsonResponse({})

    with pytest.raises(ImproperlyConfigured, match="must either be all sync or all async"):
        Mixed.as_view()
