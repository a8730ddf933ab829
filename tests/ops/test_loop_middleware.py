"""Django's bundled middleware with their hooks on the event loop (ops/loop_middleware.py):
the same behaviour as Django's, without a thread hop per hook."""

import pytest
from asgiref import sync
from asgiref.sync import async_to_sync
from django.contrib import messages
from django.core.checks import run_checks
from django.http import HttpResponse, JsonResponse
from django.test import AsyncClient
from django.urls import include, path
from django.views.decorators.csrf import ensure_csrf_cookie

DJANGOS_OWN = {
    "ops.loop_middleware.SecurityMiddleware": "django.middleware.security.SecurityMiddleware",
    "ops.loop_middleware.SessionMiddleware": "django.contrib.sessions.middleware.SessionMiddleware",
    "ops.loop_middleware.CommonMiddleware": "django.middleware.common.CommonMiddleware",
    "ops.loop_middleware.CsrfViewMiddleware": "django.middleware.csrf.CsrfViewMiddleware",
    "ops.loop_middleware.AuthenticationMiddleware": (
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    ),
    "ops.loop_middleware.MessageMiddleware": (
        "django.contrib.messages.middleware.MessageMiddleware"
    ),
    "ops.loop_middleware.XFrameOptionsMiddleware": (
        "django.middleware.clickjacking.XFrameOptionsMiddleware"
    ),
}


async def hello(request):
    return HttpResponse("hello")


async def remember(request):
    await request.session.aset("colour", request.GET["colour"])
    return HttpResponse("kept")


async def recall(request):
    return JsonResponse({"colour": await request.session.aget("colour")})


async def say(request):
    messages.info(request, "saved")
    return HttpResponse("said")


async def heard(request):
    return JsonResponse({"messages": [str(m) for m in messages.get_messages(request)]})


async def post_it(request):
    return HttpResponse("posted")


urlpatterns = [
    path("t/hello/", hello),
    path("t/remember/", remember),
    path("t/recall/", recall),
    path("t/say/", say),
    path("t/heard/", heard),
    path("t/post/", post_it),
    path("t/form/", ensure_csrf_cookie(hello)),
    path("", include("config.urls")),
]


def hops_for(client_call) -> int:
    """How many sync_to_async calls one request made."""
    calls = 0
    original = sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        nonlocal calls
        calls += 1
        return await original(self, *args, **kwargs)

    sync.SyncToAsync.__call__ = counting
    try:
        async_to_sync(client_call)()
    finally:
        sync.SyncToAsync.__call__ = original
    return calls


@pytest.mark.urls(__name__)
def test_an_async_view_through_the_stack_hops_only_where_django_itself_does(settings):
    async def visit():
        assert (await AsyncClient().get("/t/hello/")).status_code == 200

    ours = hops_for(visit)
    settings.MIDDLEWARE = [DJANGOS_OWN.get(name, name) for name in settings.MIDDLEWARE]
    djangos = hops_for(visit)
    # Django's handler sends request_started and closes the response through a thread (2);
    # its MiddlewareMixin adds one per hook: a dozen with this stack.
    assert ours <= 2
    assert djangos >= ours + 10


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_session_changed_in_an_async_view_is_saved():
    async def visit():
        client = AsyncClient()
        await client.get("/t/remember/?colour=teal")
        return await client.get("/t/recall/")

    assert async_to_sync(visit)().json() == {"colour": "teal"}


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_message_added_in_an_async_view_reaches_the_next_page():
    async def visit():
        client = AsyncClient()
        await client.get("/t/say/")
        return await client.get("/t/heard/")

    assert async_to_sync(visit)().json() == {"messages": ["saved"]}


@pytest.mark.urls(__name__)
def test_csrf_still_refuses_a_post_without_a_token_and_accepts_one_with_it():
    async def visit():
        client = AsyncClient(enforce_csrf_checks=True)
        refused = await client.post("/t/post/")
        await client.get("/t/form/")
        token = client.cookies["csrftoken"].value
        accepted = await client.post("/t/post/", headers={"X-CSRFToken": token})
        return refused, accepted

    refused, accepted = async_to_sync(visit)()
    assert refused.status_code == 403
    assert accepted.status_code == 200


@pytest.mark.urls(__name__)
def test_security_and_frame_headers_are_still_set():
    response = async_to_sync(AsyncClient().get)("/t/hello/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.urls(__name__)
def test_common_middleware_still_adds_the_slash():
    response = async_to_sync(AsyncClient().get)("/t/hello")
    assert response.status_code == 301
    assert response["Location"] == "/t/hello/"


def test_the_deploy_checks_find_these_middleware_and_all_that_depends_on_them(settings):
    """Django's deploy checks look for its middleware by path, and skip HSTS, the SSL redirect
    and the secure-cookie checks when they cannot find it."""
    settings.DEBUG = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    found = {message.id for message in run_checks(include_deployment_checks=True)}
    assert {"security.W004", "security.W008", "security.W012", "security.W016"} <= found
    assert not found & {"security.W001", "security.W002", "security.W003"}
    settings.MIDDLEWARE = [
        name
        for name in settings.MIDDLEWARE
        if name
        not in ("ops.loop_middleware.SecurityMiddleware", "ops.loop_middleware.CsrfViewMiddleware")
    ]
    found = {message.id for message in run_checks(include_deployment_checks=True)}
    assert {"security.W001", "security.W003"} <= found
