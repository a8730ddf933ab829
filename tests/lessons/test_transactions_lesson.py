"""The transactions lesson's claims about on_commit and async code, run on the installed Django."""

import functools
import inspect
import logging
import traceback

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.core.exceptions import SynchronousOnlyOperation
from django.db import transaction
from django.http import JsonResponse
from django.test import AsyncClient
from django.urls import include, path

from playground.models import Account
from tests.helpers import lesson_code

LOGGER = "django.db.backends.base"


def boom() -> None:
    raise ValueError("boom")


@pytest.mark.django_db(transaction=True)  # callbacks only run on a real commit
def test_a_robust_plain_callback_that_raises_is_logged_and_the_next_one_runs(caplog):
    ran = []
    with caplog.at_level(logging.ERROR, logger=LOGGER), transaction.atomic():
        Account.objects.create(owner="robust", balance=1)
        transaction.on_commit(boom, robust=True)
        transaction.on_commit(lambda: ran.append("next"), robust=True)
    assert ran == ["next"]
    [record] = caplog.records
    assert "Error calling boom in on_commit()" in record.getMessage()
    assert Account.objects.filter(owner="robust").exists()


@pytest.mark.django_db(transaction=True)
def test_a_robust_partial_that_raises_escapes_after_the_commit_on_this_django():
    """Django 5.2.19 logs the callback's __qualname__, which a partial lacks (ticket #36487).

    If this starts failing, Django fixed it: update the transactions lesson.
    """
    ran = []
    with pytest.raises(AttributeError, match="__qualname__"), transaction.atomic():
        Account.objects.create(owner="partial", balance=1)
        transaction.on_commit(functools.partial(boom), robust=True)
        transaction.on_commit(lambda: ran.append("next"), robust=True)
    assert ran == []  # the callback after it was lost
    assert Account.objects.filter(owner="partial").exists()  # the commit itself happened


@pytest.mark.django_db(transaction=True)
def test_the_lessons_open_account_runs_both_callbacks_even_when_the_robust_one_fails(caplog):
    code = lesson_code("transactions", "def open_account(")
    sent = []
    code["send_welcome"] = sent.append
    code["record_signup"] = lambda account_id: boom()
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        account = code["open_account"]("welcome")
    assert sent == [account.pk]
    assert "in on_commit()" in caplog.records[0].getMessage()


@transaction.atomic
async def atomic_async_view(request):
    return JsonResponse({"ok": True})


# The site's own URLs too: its error pages reverse them.
urlpatterns = [path("atomic/", atomic_async_view), path("", include("config.urls"))]


def test_atomic_on_an_async_def_hides_the_coroutine_function():
    assert not iscoroutinefunction(atomic_async_view)


@pytest.mark.django_db(transaction=True)
def test_atomic_on_an_async_def_fails_when_awaited():
    async def await_it():
        await atomic_async_view(None)

    with pytest.raises(SynchronousOnlyOperation):
        async_to_sync(await_it)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
def test_atomic_on_an_async_view_returns_an_unawaited_coroutine(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    with pytest.raises(ValueError, match="returned an unawaited coroutine") as info:
        async_to_sync(AsyncClient().get)("/atomic/")
    # Close the coroutine nobody awaited, or it warns when collected, during some later test.
    for frame, _ in traceback.walk_tb(info.value.__traceback__):
        for value in frame.f_locals.values():
            if inspect.iscoroutine(value):
                value.close()
