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
    database_notes={
        "sqlite": "This server's demos run on SQLite, which has no SELECT ... FOR UPDATE: "
        "Django leaves it out of the SQL (look at the queries), with nowait and skip_locked. "
        "What makes the second withdrawal wait here is SQLite's one write lock for the whole "
        'database, taken when a transaction begins (this site uses transaction_mode="IMMEDIATE"), '
        "so nowait waits like a plain select_for_update() and skip_locked, which would too, is "
        "not shown. On PostgreSQL the row lock is real and all four variants differ.",
        "postgresql": "This server's demos run on PostgreSQL: the row locks are real, so nowait "
        "fails at once and skip_locked skips the row while the other withdrawal holds it.",
    },
)

START_BALANCE = 100
BOTH_READ_SECONDS = 5  # the longest a withdrawal without a lock waits for the other's read


def verdict(*, final: int, applied: int, amount: int) -> dict:
    """The one result that matters, in words: was a withdrawal lost, and the final balance."""
    expected = START_BALANCE - applied * amount
    if applied == 2 and final != expected:
        text = (
            f"Lost update: both withdrawals reported success, yet the balance is {final} "
            f"where two withdrawals of {amount} leave {expected}."
        )
        return {"text": text, "ok": False}
    if applied == 2:
        return {"text": f"Both withdrawals applied: the balance is {final}.", "ok": True}
    return {
        "text": f"{applied} of 2 withdrawals applied, the other refused: the balance is "
        f"{final}, and nothing was lost silently.",
        "ok": True,
    }


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
        return {
            "verdict": verdict(final=account.balance, applied=applied, amount=params["amount"]),
            "start_balance": START_BALANCE,
            "final_balance": account.balance,
            "withdrawals_applied": applied,
            # Both reported success, yet the balance shows only one of them.
            "lost_update": applied == 2 and account.balance != START_BALANCE - 2 * params["amount"],
            "database": connection.vendor,
        }
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


# On SQLite it waits just as nowait does: nothing more to see there.
@locking.variant(
    "skip-locked",
    title="select_for_update(skip_locked=True)",
    databases=frozenset({"postgresql"}),
)
async def locked_skip(request, params, trace):
    return await run_withdrawals(params, trace, "skip-locked")
