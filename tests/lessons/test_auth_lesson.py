"""The users-and-auth lesson's claims, run on the installed Django: the hashers and their
parameters, hashes upgraded at login, acheck_password() verifying on the calling thread, the
lesson's async login view, and LoginRequiredMiddleware."""

import json
import threading

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import (
    PBKDF2PasswordHasher,
    acheck_password,
    check_password,
    make_password,
)
from django.http import HttpResponse
from django.test import AsyncClient, Client
from django.urls import include, path

from tests.helpers import lesson_code

ARGON2_FIRST = lesson_code("users-and-auth", "PASSWORD_HASHERS = [")["PASSWORD_HASHERS"]
MIDDLEWARE = lesson_code("users-and-auth", "MIDDLEWARE = [")["MIDDLEWARE"]


def test_pbkdf2_runs_a_million_iterations_in_this_django():
    assert PBKDF2PasswordHasher.iterations == 1_000_000


def test_with_argon2_first_new_passwords_are_argon2id(settings):
    settings.PASSWORD_HASHERS = ARGON2_FIRST
    encoded = make_password("correct horse")
    assert encoded.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$")
    assert check_password("correct horse", encoded)


def test_an_old_pbkdf2_hash_is_replaced_by_argon2_at_the_next_correct_login(settings):
    old = PBKDF2PasswordHasher().encode("correct horse", "saltsaltsalt", iterations=100_000)
    settings.PASSWORD_HASHERS = ARGON2_FIRST
    replaced = []
    assert not check_password("wrong", old, setter=lambda raw: replaced.append(raw))
    assert replaced == []
    assert check_password("correct horse", old, setter=lambda raw: replaced.append(raw))
    assert replaced == ["correct horse"]  # the setter stores make_password(raw): argon2


class RecordingHasher(PBKDF2PasswordHasher):
    """PBKDF2 that notes which thread verified each password."""

    threads: list[int] = []

    def verify(self, password, encoded):
        self.threads.append(threading.get_ident())
        return super().verify(password, encoded)


def test_acheck_password_verifies_on_the_calling_thread_in_this_django(settings):
    """If this starts failing, Django moved the verification off the loop (ticket #36439):
    update the lesson."""
    settings.PASSWORD_HASHERS = [f"{__name__}.RecordingHasher"]
    encoded = RecordingHasher().encode("pw", "saltsaltsalt", iterations=1_000)
    RecordingHasher.threads.clear()

    async def check_on_the_loop():
        return threading.get_ident(), await acheck_password("pw", encoded)

    loop_thread, ok = async_to_sync(check_on_the_loop)()
    assert ok is True
    assert RecordingHasher.threads == [loop_thread]


def ok(request):
    return HttpResponse("ok")


login_view = lesson_code("users-and-auth", "async def api_login(")["api_login"]
views = lesson_code("users-and-auth", "async def dashboard(")
urlpatterns = [
    path("login/", login_view),
    path("dashboard/", views["dashboard"]),
    path("health/", views["health"]),
    path("private/", ok),
    path("", include("config.urls")),  # the site's own: LOGIN_URL and error pages
]


@pytest.fixture
def user(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast
    return get_user_model().objects.create_user("ada", password="correct horse")


@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
def test_the_lessons_async_login_view_logs_in_with_the_right_password_only(user, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    client = AsyncClient()

    def post(password):
        body = json.dumps({"username": "ada", "password": password})
        return async_to_sync(client.post)("/login/", body, content_type="application/json")

    wrong = post("guess")
    assert wrong.status_code == 400
    assert "sessionid" not in wrong.cookies
    right = post("correct horse")
    assert right.status_code == 200 and right.json() == {"username": "ada"}
    dashboard = async_to_sync(client.get)("/dashboard/")
    assert dashboard.json() == {"user": "ada", "can_publish": False}


@pytest.mark.urls(__name__)
def test_login_required_middleware_redirects_everything_but_exempt_views(user, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.MIDDLEWARE = MIDDLEWARE
    settings.LOGIN_URL = "/accounts/login/"
    client = Client()
    private = client.get("/private/")
    assert private.status_code == 302
    assert private["Location"] == "/accounts/login/?next=/private/"
    assert client.get("/health/").json() == {"ok": True}
    client.force_login(user)
    assert client.get("/private/").content == b"ok"
