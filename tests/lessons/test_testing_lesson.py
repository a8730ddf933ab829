"""The testing lesson's claims about AsyncClient and other threads, on the installed Django."""

import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import OperationalError, connection
from django.http import JsonResponse
from django.test import TestCase, TransactionTestCase, override_settings
from django.urls import include, path

from playground.models import Author

pytestmark = pytest.mark.database  # run again on PostgreSQL, where the other thread sees 0 rows


def count_authors() -> int:
    try:
        return Author.objects.count()
    finally:
        connection.close()  # this pool thread's own connection: leave none behind


async def where_sync_code_runs(request):
    ident = await sync_to_async(threading.get_ident)()  # thread_sensitive=True
    return JsonResponse({"thread": ident})


urlpatterns = [path("where/", where_sync_code_runs), path("", include("config.urls"))]


@override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"])
class AsyncClientTests(TestCase):
    async def test_thread_sensitive_calls_run_on_the_tests_own_thread(self):
        # No ThreadSensitiveContext: the parked test thread runs them (under ASGI it would be a
        # thread of the request's own).
        test_thread = await sync_to_async(threading.get_ident)()
        response = await self.async_client.get("/where/")
        self.assertEqual(response.json()["thread"], test_thread)


class OtherThreadInTestCase(TestCase):
    async def test_another_thread_cannot_see_the_tests_rows(self):
        await Author.objects.acreate(name="Only in the test's transaction")
        other_thread = sync_to_async(count_authors, thread_sensitive=False)
        if connection.vendor == "sqlite":
            with pytest.raises(OperationalError, match="locked"):
                await other_thread()
        else:
            self.assertEqual(await other_thread(), 0)


class OtherThreadInTransactionTestCase(TransactionTestCase):
    async def test_another_thread_sees_committed_rows(self):
        await Author.objects.acreate(name="Committed")
        self.assertEqual(await sync_to_async(count_authors, thread_sensitive=False)(), 1)
