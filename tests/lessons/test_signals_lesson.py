"""The signals lesson's examples and claims, run on Django 5.2: what runs where, what raises,
what the bulk operations send, and how send() and asend() treat async receivers."""

import logging
from collections import Counter

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal
from django.test.utils import CaptureQueriesContext

from playground.models import Account, Author
from playground.routers import demo_alias
from tests.helpers import lesson_code

SLUG = "signals"


@pytest.fixture
def author_receiver():
    """The lesson's `author_saved`, connected afresh (a copy run earlier may still hold its uid)."""
    post_save.disconnect(sender=Author, dispatch_uid="authors-on-save")
    code = lesson_code(SLUG, "def author_saved(")
    welcomed = []
    code["send_welcome"] = welcomed.append
    yield welcomed
    post_save.disconnect(sender=Author, dispatch_uid="authors-on-save")


@pytest.fixture
def counting():
    """Counting receivers on Account's four model signals, as the demo's `bulk` variant has."""
    heard = Counter()

    def count(sender, signal, **kwargs):
        heard[signal] += 1

    signals = (pre_save, post_save, pre_delete, post_delete)
    for signal in signals:
        signal.connect(count, sender=Account, dispatch_uid="lesson-test-count")
    yield heard
    for signal in signals:
        signal.disconnect(sender=Account, dispatch_uid="lesson-test-count")


def sql_of(run) -> list[str]:
    with CaptureQueriesContext(connections[demo_alias()]) as captured:
        run()
    return [query["sql"].split(" ", 1)[0] for query in captured]


def test_the_receiver_clears_the_cache_and_welcomes_only_after_commit(
    db, author_receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(using=demo_alias(), execute=True) as callbacks:
        author = Author.objects.create(name="Signal Tester")
        assert author_receiver == []  # not yet: it waits for the commit
    assert author_receiver == [author.pk] and len(callbacks) == 1
    cache.set(f"author-page:{author.pk}", "stale")
    author.save()  # not created: the cache is cleared, nobody is welcomed again
    assert cache.get(f"author-page:{author.pk}") is None and author_receiver == [author.pk]


def test_send_robust_logs_the_failure_and_still_runs_the_other_receiver(caplog):
    pay = lesson_code(SLUG, "def pay(")["pay"]
    with caplog.at_level(logging.ERROR, logger="django.dispatch"):
        results = pay(7)
    assert results == [
        "mark_invoice_paid: 'invoice for 7 marked paid'",
        "notify_accounting: ConnectionError('accounting service unreachable')",
    ]
    assert "Error calling notify_accounting in Signal.send_robust()" in caplog.text


def test_asend_runs_sync_and_async_receivers():
    place_order = lesson_code(SLUG, "async def place_order(")["place_order"]
    assert async_to_sync(place_order)(1) == 2


@pytest.mark.django_db(transaction=True)  # autocommit, as in the first prediction
def test_a_raising_post_save_reaches_the_caller_after_the_insert_committed():
    def reindex(sender, **kwargs):
        raise ConnectionError("index down")

    post_save.connect(reindex, sender=Account, dispatch_uid="lesson-test-reindex")
    try:
        with pytest.raises(ConnectionError):
            Account.objects.create(owner="autocommit", balance=1)
        with pytest.raises(ConnectionError), transaction.atomic(using=demo_alias()):
            Account.objects.create(owner="atomic", balance=1)
    finally:
        post_save.disconnect(sender=Account, dispatch_uid="lesson-test-reindex")
    assert sorted(Account.objects.values_list("owner", flat=True)) == ["autocommit"]


def test_bulk_paths_send_no_save_signals_and_delete_sends_one_pair_per_row(db, counting):
    Account.objects.bulk_create(Account(owner="bulk", balance=0) for _ in range(4))
    accounts = Account.objects.filter(owner="bulk")
    accounts.update(balance=1)
    Account.objects.bulk_update(list(accounts), ["balance"])
    assert sum(counting.values()) == 0
    statements = sql_of(accounts.delete)
    assert counting == {pre_delete: 4, post_delete: 4}
    assert statements[0] == "SELECT"  # the rows are fetched to send their signals


def test_without_delete_receivers_a_queryset_delete_fetches_nothing(db):
    Account.objects.bulk_create(Account(owner="fast", balance=0) for _ in range(4))
    assert not pre_delete.has_listeners(Account) and not post_delete.has_listeners(Account)
    assert "SELECT" not in sql_of(Account.objects.filter(owner="fast").delete)


@pytest.mark.django_db(transaction=True)
def test_an_async_post_save_receiver_runs_for_asave():
    heard = []

    async def on_save(sender, instance, **kwargs):
        heard.append(instance.owner)

    post_save.connect(on_save, sender=Account, dispatch_uid="lesson-test-async")
    try:
        async_to_sync(Account(owner="async", balance=1).asave)()
    finally:
        post_save.disconnect(sender=Account, dispatch_uid="lesson-test-async")
    assert heard == ["async"]


def test_send_on_the_event_loop_with_an_async_receiver_raises():
    signal = Signal()

    async def receiver(sender, **kwargs):
        return "ran"

    signal.connect(receiver)

    async def send_on_the_loop():
        with pytest.raises(RuntimeError, match="cannot use AsyncToSync in the same thread"):
            signal.send(sender=None)
        return await signal.asend(sender=None)

    assert async_to_sync(send_on_the_loop)() == [(receiver, "ran")]
