"""atomic(), savepoints and on_commit, and what async code has to do instead."""

import contextlib
import logging
import threading
import uuid
from collections.abc import Iterator

from asgiref.sync import sync_to_async
from django.core.exceptions import SynchronousOnlyOperation

from ..models import Account
from ..registry import Demo, Param
from ..routers import atomic, on_commit

transactions = Demo(
    id="transactions",
    order=110,
    title="Transactions: atomic, savepoints, on_commit",
    description="atomic() rolling back on an error, a nested atomic() as a savepoint, "
    "on_commit callbacks, and what async code has to do instead.",
    params={"rows": Param(3, 1, 20, "rows each transaction writes")},
    compare=False,
)


class Refused(Exception):
    """Stands in for whatever makes a transaction give up halfway."""


def tag() -> str:
    return f"tx-{uuid.uuid4().hex[:12]}"


@transactions.variant("rollback", title="atomic() rolls back on error")
def atomic_rollback(request, params, trace):
    owner = tag()
    try:
        with trace.span("atomic(): write rows, then fail", "db"), atomic():
            for _ in range(params["rows"]):
                Account.objects.create(owner=owner, balance=1)
            raise Refused("payment provider said no")
    except Refused:
        pass  # atomic() rolled back every row written inside it
    with trace.span("count the rows afterwards", "db"):
        left = Account.objects.filter(owner=owner).count()
    return {"rows_written": params["rows"], "rows_after_rollback": left}


@transactions.variant("savepoint", title="nested atomic() = savepoint")
def nested_savepoint(request, params, trace):
    owner = tag()
    try:
        with trace.span("outer atomic()", "db"), atomic():
            Account.objects.create(owner=owner, balance=1)
            try:
                # A nested atomic() is a savepoint: its failure undoes only its own work.
                with trace.span("inner atomic() fails", "db"), atomic():
                    for _ in range(params["rows"]):
                        Account.objects.create(owner=owner, balance=2)
                    raise Refused("inner step failed")
            except Refused:
                pass
            Account.objects.create(owner=owner, balance=3)
        with trace.span("what was committed", "db"):
            kept = sorted(Account.objects.filter(owner=owner).values_list("balance", flat=True))
    finally:
        Account.objects.filter(owner=owner).delete()
    return {"committed_balances": kept, "inner_rows_rolled_back": params["rows"]}


@transactions.variant("on-commit", title="on_commit after commit, not after rollback")
def on_commit_callbacks(request, params, trace):
    owner, ran = tag(), []
    try:
        with trace.span("transaction that commits", "db"), atomic():
            Account.objects.create(owner=owner, balance=1)
            on_commit(lambda: ran.append("after commit"))
            # Not run yet: it waits for the outermost atomic() to commit.
            pending_inside = list(ran)
        try:
            with trace.span("transaction that rolls back", "db"), atomic():
                Account.objects.create(owner=owner, balance=2)
                on_commit(lambda: ran.append("after rollback"))
                raise Refused("rolled back")
        except Refused:
            pass
    finally:
        Account.objects.filter(owner=owner).delete()
    return {
        "callbacks_run_inside_the_block": pending_inside,
        "callbacks_run": ran,
        "skipped_on_rollback": "after rollback" not in ran,
    }


class Bounce(Exception):
    """The mail server said no."""


def send_welcome_mail() -> None:
    raise Bounce("mail server refused the message")


@transactions.variant("robust-on-commit", title="robust on_commit: the next callback still runs")
def robust_callbacks(request, params, trace):
    owner, ran = tag(), []

    def start_the_welcome_tour() -> None:
        ran.append("start_the_welcome_tour")

    with logged("django.db.backends.base") as log:
        with trace.span("transaction that commits", "db"), atomic():
            Account.objects.create(owner=owner, balance=1)
            # Plain functions, not functools.partial: Django 5.2.19 logs a failing robust
            # callback by its __qualname__, which a partial doesn't have (ticket #36487).
            on_commit(send_welcome_mail, robust=True)
            on_commit(start_the_welcome_tour, robust=True)
        with trace.span("what was committed", "db"):
            committed = Account.objects.filter(owner=owner).count()
    Account.objects.filter(owner=owner).delete()
    return {
        "logged": log,
        "callbacks_run_after_the_failure": ran,
        "rows_committed": committed,
    }


@contextlib.contextmanager
def logged(name: str) -> Iterator[list[str]]:
    """What the logger `name` records on this thread while the block runs."""
    records: list[str] = []
    thread = threading.get_ident()

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread:
                records.append(f"{record.levelname}: {record.getMessage()}")

    handler = Keep(level=logging.ERROR)
    logging.getLogger(name).addHandler(handler)
    try:
        yield records
    finally:
        logging.getLogger(name).removeHandler(handler)


def transfer(owner: str) -> int:
    with atomic():
        Account.objects.create(owner=owner, balance=10)
        return Account.objects.filter(owner=owner).count()


@transactions.variant("async-view", title="transactions from an async view")
async def transaction_from_async(request, params, trace):
    owner, errors = tag(), []
    try:
        with trace.span("async with atomic()", "db"):
            async with atomic():  # wrong: atomic() is not an async context manager
                pass
    except (TypeError, AttributeError) as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    try:
        with trace.span("with atomic() on the event loop", "db"), atomic():
            pass  # wrong: opening a transaction is a sync database call
    except SynchronousOnlyOperation as exc:
        errors.append(f"SynchronousOnlyOperation: {exc}")
    try:
        # Right: the whole transaction in one sync function, run in one thread.
        with trace.span("sync_to_async(transfer)", "db"):
            rows = await sync_to_async(transfer)(owner)
    finally:
        await Account.objects.filter(owner=owner).adelete()
    return {"errors": errors, "rows_written_the_right_way": rows}
