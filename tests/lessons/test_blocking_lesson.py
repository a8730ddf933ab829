"""The blocking lesson's CPU examples, and where Django 5.2 runs the password hasher."""

import asyncio
import hashlib

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth import aauthenticate, authenticate
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User

from tests.helpers import lesson_code


def test_the_gil_releasing_example_derives_the_same_key_in_a_thread():
    derive_key = lesson_code("blocking-the-event-loop", "async def derive_key(")["derive_key"]
    expected = hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 600_000)
    assert async_to_sync(derive_key)(b"pw", b"salt") == expected


def test_the_process_pool_example_renders_markdown():
    code = lesson_code("blocking-the-event-loop", "def render_document(")
    assert code["render_document"]("| a |\n| - |\n| 1 |").startswith("<table>")


@pytest.fixture
def hasher_threads(monkeypatch):
    """Record, for each password check, whether it ran on a thread with a running event loop."""
    seen = []
    real_verify = PBKDF2PasswordHasher.verify

    def verify(self, password, encoded):
        try:
            asyncio.get_running_loop()
            seen.append("event loop")
        except RuntimeError:
            seen.append("worker thread")
        return real_verify(self, password, encoded)

    monkeypatch.setattr(PBKDF2PasswordHasher, "verify", verify)
    monkeypatch.setattr(PBKDF2PasswordHasher, "iterations", 1_000)  # same path, less waiting
    return seen


def test_django_hashes_passwords_with_a_million_pbkdf2_iterations():
    assert PBKDF2PasswordHasher.iterations == 1_000_000


@pytest.mark.django_db
def test_aauthenticate_hashes_the_password_on_the_event_loop_in_this_django(hasher_threads):
    """Django 5.2: acheck_password() calls the hasher directly (ticket #36439). If this starts
    failing, Django moved it to a thread: update the blocking lesson."""
    User.objects.create_user("reader", password="secret")

    async def both():
        assert await aauthenticate(username="reader", password="secret") is not None
        login = sync_to_async(authenticate)
        assert await login(username="reader", password="secret") is not None

    async_to_sync(both)()
    assert hasher_threads == ["event loop", "worker thread"]
