"""The select_for_update lesson's claims that need PostgreSQL: what a TestCase hides, and
lock_timeout. Run by `./run test` in its PostgreSQL pass (marked `database`)."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from playground.models import Account
from tests.helpers import lesson_code

pytestmark = [
    pytest.mark.database,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
]


@pytest.mark.django_db  # the test runs inside a transaction, as in a TestCase
def test_a_test_transaction_hides_a_missing_atomic():
    Account.objects.select_for_update().filter(owner="nobody").first()  # raises nothing


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_catches_it():
    with pytest.raises(TransactionManagementError, match="outside of a transaction"):
        Account.objects.select_for_update().filter(owner="nobody").first()


@pytest.mark.django_db(transaction=True)
def test_lock_timeout_gives_up_after_the_wait_it_was_given():
    account = Account.objects.create(owner="lock-timeout", balance=100)
    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        try:
            with transaction.atomic():
                Account.objects.select_for_update().get(pk=account.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(10)
        withdraw = lesson_code("select-for-update", "def withdraw_waiting_at_most(")[
            "withdraw_waiting_at_most"
        ]
        started = time.monotonic()
        assert withdraw(account.pk, 30, seconds=0.5) is False
        assert 0.4 < time.monotonic() - started < 3
    finally:
        release.set()
        holder.join()
    assert withdraw(account.pk, 30, seconds=0.5) is True
    account.refresh_from_db()
    assert account.balance == 70
