"""Two concurrent withdrawals from one account: lost update, select_for_update, nowait, skip_locked.

Each withdrawal runs in its own thread with its own database connection, as two requests
would. The locked section is a sync function run through sync_to_async: async code cannot
hold a transaction open across awaits.
"""

import asyncio
import contextlib
import threading
import time

from asgiref.sync import sync_to_async
from django.db import DatabaseError

from ..models import Account
from ..registry import Demo, Param
from ..routers import atomic, connection

locking = Demo(
    id="locking",
    order=90,
    title="select_for_update and lost updates",
    description="Two concurrent withdrawals from one account, each on its own thread "
    "and database connection: without a lock, with select_for_update(), nowait and "
    "skip_locked.",
    params={
        "amount": Param(30, 1, 100, "each withdrawal, from a balance of 100"),
        "hold_ms": Param(200, 0, 1000, "how long each transaction holds the row"),
    },
    compare=False,
)

START_BALANCE = 100
BOTH_READ_SECONDS = 5  # the longest a withdrawal without a lock waits for the other's read
SQLITE_NOTE = (
    "SQLite has no SELECT ... FOR UPDATE, so Django leaves it out of the SQL (look at the "
    "queries): the lock you asked for does not exist there. What made the second transaction "
    "wait is SQLite's one write lock for the whole database, taken when the transaction began "
    '(this site uses transaction_mode="IMMEDIATE"). Run it on PostgreSQL to see a row lock.'
)


def withdraw(
    trace,
    label: str,
    account_id: int,
    amount: int,
    hold_ms: int,
    mode: str,
    both_read: threading.Barrier,
) -> None:
    try:
        with trace.span(label, "db") as span:
            if mode == "no-lock":
                # Wrong: read, think, write. Both withdrawals can read the same balance.
                account = Account.objects.get(pk=account_id)
                # The interleaving that loses an update, every time: neither writes before
                # both have read (on a busy server B's connection can otherwise take longer
                # than A's whole transaction, and the race is simply not run).
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_read.wait()
                time.sleep(hold_ms / 1000)
                account.balance -= amount
                account.save(update_fields=["balance"])
                span.detail = f"read {account.balance + amount}, wrote {account.balance}"
                return
            with atomic():
                rows = Account.objects.select_for_update(
                    nowait=mode == "nowait", skip_locked=mode == "skip-locked"
                ).filter(pk=account_id)
                account = rows.first()  # waits here while the other transaction holds the row
                if account is None:
                    span.detail = "row is locked: skipped it"
                    return
                time.sleep(hold_ms / 1000)
                account.balance -= amount
                account.save(update_fields=["balance"])
                span.detail = f"read {account.balance + amount}, wrote {account.balance}"
    except DatabaseError:
        pass  # the span already records the error, e.g. "could not obtain lock" with nowait
    finally:
        connection.close()  # this thread's connection: hand it back rather than keep it


async def run_withdrawals(params, trace, mode: str) -> dict:
    account = await Account.objects.acreate(owner="demo", balance=START_BALANCE)
    try:
        first = sync_to_async(withdraw, thread_sensitive=False)
        second = sync_to_async(withdraw, thread_sensitive=False)
        both_read = threading.Barrier(2, timeout=BOTH_READ_SECONDS)
        args = (account.pk, params["amount"], params["hold_ms"], mode, both_read)

        async def later():
            await asyncio.sleep(0.03)  # B starts just after A has read the row
            await second(trace, "withdrawal B", *args)

        await asyncio.gather(first(trace, "withdrawal A", *args), later())
        await account.arefresh_from_db()
        applied = sum(span.detail.startswith("read ") for span in trace.spans)
        result = {
            "start_balance": START_BALANCE,
            "final_balance": account.balance,
            "withdrawals_applied": applied,
            # Both reported success, yet the balance shows only one of them.
            "lost_update": applied == 2 and account.balance != START_BALANCE - 2 * params["amount"],
            "database": connection.vendor,
        }
        if connection.vendor == "sqlite" and mode != "no-lock":
            result["warning"] = SQLITE_NOTE
        return result
    finally:
        await account.adelete()


@locking.variant("no-lock", title="read, then write (no lock)")
async def lost_update(request, params, trace):
    return await run_withdrawals(params, trace, "no-lock")


@locking.variant("select-for-update", title="select_for_update() in atomic()")
async def locked_update(request, params, trace):
    return await run_withdrawals(params, trace, "select-for-update")


@locking.variant("nowait", title="select_for_update(nowait=True)")
async def locked_nowait(request, params, trace):
    return await run_withdrawals(params, trace, "nowait")


@locking.variant("skip-locked", title="select_for_update(skip_locked=True)")
async def locked_skip(request, params, trace):
    return await run_withdrawals(params, trace, "skip-locked")
