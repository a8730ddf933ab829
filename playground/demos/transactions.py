"""atomic(), savepoints and on_commit, and what async code has to do instead."""

import uuid

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
