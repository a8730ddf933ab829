"""Signals: receivers run inside the call that sends them, on its thread and in its
transaction; what a failing receiver does; on_commit for side effects; the bulk operations
that send no signal; async receivers with send() and asend().
"""

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from asgiref.sync import sync_to_async
from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal

from ..models import Account
from ..registry import Demo, Param
from ..routers import atomic, connection, on_commit
from ..tracing import current_trace
from .transactions import logged

signals_demo = Demo(
    id="signals",
    order=115,
    title="Signals: what runs when, and what never does",
    description="A save with its receivers on the waterfall, a receiver that raises, "
    "side effects in a receiver or on commit, the bulk operations that send no signal, "
    "and async receivers with send() and asend().",
    params={
        "receiver_ms": Param(100, 0, 1000, "how long each slow receiver works"),
        "rows": Param(5, 1, 50, "rows each bulk operation touches"),
    },
    compare=False,
)

SIGNAL_NAMES = {pre_save: "pre_save", post_save: "post_save"}
SIGNAL_NAMES |= {pre_delete: "pre_delete", post_delete: "post_delete"}

# The run whose receivers are connected: model signals are global, so another request saving
# an Account meanwhile calls this run's receivers too, and they must ignore it.
running_for: ContextVar[str | None] = ContextVar("running_for", default=None)


@contextlib.contextmanager
def connected(*pairs: tuple[Signal, Callable]) -> Iterator[None]:
    """Connect each (signal, receiver) to Account for the block, heard by this run only.

    Connected for the run rather than at import: a delete receiver on Account would otherwise
    turn off fast deletes for every other demo that deletes Account rows.
    """
    run = uuid.uuid4().hex
    token = running_for.set(run)
    uids = []
    for number, (signal, receiver) in enumerate(pairs):

        def only_this_run(sender, receiver=receiver, **kwargs):
            if running_for.get() == run:
                return receiver(sender=sender, **kwargs)
            return None

        uid = f"signals-demo-{run}-{number}"
        signal.connect(only_this_run, sender=Account, weak=False, dispatch_uid=uid)
        uids.append((signal, uid))
    try:
        yield
    finally:
        for signal, uid in uids:
            signal.disconnect(sender=Account, dispatch_uid=uid)
        running_for.reset(token)


def tag() -> str:
    return f"sig-{uuid.uuid4().hex[:12]}"


def where(span) -> str:
    return f"thread {span.thread}, in a transaction: {connection.in_atomic_block}"


@signals_demo.variant("save", title="save(): receivers run inside it")
def save_with_receivers(request, params, trace):
    owner = tag()

    def stamp_owner(sender, instance, **kwargs):  # a pre_save receiver
        with trace.span("pre_save: stamp_owner()", "signal") as span:
            span.detail = where(span)

    def notify_crm(sender, instance, created, **kwargs):  # a post_save receiver, slow
        with trace.span("post_save: notify_crm()", "signal") as span:
            span.detail = where(span)
            time.sleep(params["receiver_ms"] / 1000)  # an HTTP call to another service

    try:
        with (
            connected((pre_save, stamp_owner), (post_save, notify_crm)),
            trace.span("with atomic(): Account(...).save()", "db"),
            atomic(),
        ):
            Account(owner=owner, balance=1).save()
    finally:
        Account.objects.filter(owner=owner).delete()
    spans = {span.label: span for span in trace.spans}
    outer = spans["with atomic(): Account(...).save()"]
    return {
        "save_took_ms": round(outer.end_ms - outer.start_ms, 1),
        "receiver_ms": params["receiver_ms"],
        "receivers_ran": [f"{s.label}: {s.detail}" for s in trace.spans if s.kind == "signal"],
    }


@signals_demo.variant("failing", title="a receiver that raises")
def failing_receiver(request, params, trace):
    owner, errors = tag(), []

    def reindex(sender, instance, **kwargs):  # post_save: the search index is down
        raise ConnectionError("search index unreachable")

    try:
        with connected((post_save, reindex)):
            try:
                with trace.span("Account.objects.create()  # autocommit", "db"):
                    Account.objects.create(owner=owner, balance=1)
            except ConnectionError as exc:
                errors.append(f"autocommit: the caller got {type(exc).__name__}: {exc}")
            try:
                with trace.span("with atomic(): Account.objects.create()", "db"), atomic():
                    Account.objects.create(owner=owner, balance=2)
            except ConnectionError as exc:
                errors.append(f"atomic: the caller got {type(exc).__name__}: {exc}")
        with trace.span("which rows exist now", "db"):
            kept = sorted(Account.objects.filter(owner=owner).values_list("balance", flat=True))
    finally:
        Account.objects.filter(owner=owner).delete()
    with logged("django.dispatch") as log, trace.span("account_audited.send_robust()", "signal"):
        responses = account_audited.send_robust(sender=Account, owner=owner)
    return {
        "errors": errors,
        "rows_kept": {"autocommit (balance 1)": 1 in kept, "atomic (balance 2)": 2 in kept},
        "send_robust_returned": [f"{r.__name__}: {value!r}" for r, value in responses],
        "logged": log,
    }


account_audited = Signal()  # a project's own signal, for send_robust()


def audit_trail_down(sender, **kwargs):
    raise ConnectionError("audit service unreachable")


def count_audits(sender, **kwargs):
    return "counted"


account_audited.connect(audit_trail_down)
account_audited.connect(count_audits)


class Refused(Exception):
    """Whatever makes the transaction give up after the save."""


def signup_twice(trace, owner: str, on_save: Callable) -> list[str]:
    """Sign up one account that commits and one that rolls back, with `on_save` on post_save."""
    with connected((post_save, on_save)):
        with trace.span("atomic(): create(), then commit", "db"), atomic():
            Account.objects.create(owner=owner, balance=1)
        with (
            contextlib.suppress(Refused),
            trace.span("atomic(): create(), then roll back", "db"),
            atomic(),
        ):
            Account.objects.create(owner=owner, balance=2)
            raise Refused("card declined")
    return list(Account.objects.filter(owner=owner).values_list("balance", flat=True))


@signals_demo.variant("email-in-receiver", title="wrong: email sent in the receiver")
def email_in_receiver(request, params, trace):
    owner, outbox = tag(), []

    def send_welcome(sender, instance, created, **kwargs):
        if created:
            outbox.append(f"welcome, account with balance {instance.balance}")

    try:
        committed = signup_twice(trace, owner, send_welcome)
    finally:
        Account.objects.filter(owner=owner).delete()
    return {"accounts_committed": len(committed), "emails_sent": outbox}


@signals_demo.variant("email-on-commit", title="right: the receiver defers it to on_commit")
def email_on_commit(request, params, trace):
    owner, outbox = tag(), []

    def send_welcome(sender, instance, created, **kwargs):
        if created:
            message = f"welcome, account with balance {instance.balance}"
            on_commit(lambda: outbox.append(message))  # after COMMIT; dropped on rollback

    try:
        committed = signup_twice(trace, owner, send_welcome)
    finally:
        Account.objects.filter(owner=owner).delete()
    return {"accounts_committed": len(committed), "emails_sent": outbox}


@contextlib.contextmanager
def heard_during(trace, label: str, heard: Counter) -> Iterator[None]:
    """A span for one operation, its detail the signals Account's receivers heard meanwhile."""
    before = Counter(heard)
    with trace.span(label, "db") as span:
        yield
    new = heard - before
    span.detail = ", ".join(f"{name} ×{n}" for name, n in new.items()) or "no signals"


def operation_lines(trace) -> list[str]:
    lines = []
    for span in trace.spans:
        statements = [query["sql"].split(" ", 1)[0] for query in span.sql]
        lines.append(f"{span.label}  → {span.detail}; SQL: {' + '.join(statements) or 'none'}")
    return lines


@signals_demo.variant("bulk", title="bulk operations: which send signals")
def bulk_operations(request, params, trace):
    owner, rows, heard = tag(), params["rows"], Counter()

    def count(sender, signal, **kwargs):
        heard[SIGNAL_NAMES[signal]] += 1

    def new_accounts():
        return [Account(owner=owner, balance=0) for _ in range(rows)]

    accounts = Account.objects.filter(owner=owner)
    Account.objects.bulk_create(new_accounts())
    with heard_during(trace, "accounts.delete()  # no receivers connected", heard):
        accounts.delete()  # nothing listens: one DELETE, no rows fetched
    try:
        with connected(*((signal, count) for signal in SIGNAL_NAMES)):
            with heard_during(trace, f"bulk_create({rows} accounts)", heard):
                Account.objects.bulk_create(new_accounts())
            with heard_during(trace, 'accounts.update(balance=F("balance") + 1)', heard):
                accounts.update(balance=F("balance") + 1)
            loaded = list(accounts)
            with heard_during(trace, 'bulk_update(accounts, ["balance"])', heard):
                Account.objects.bulk_update(loaded, ["balance"])
            with heard_during(trace, "for a in accounts: a.save()", heard):
                for account in loaded:
                    account.save()
            with heard_during(trace, "accounts.delete()  # receivers connected", heard):
                accounts.delete()  # fetches the rows first, to send each one's signals
    finally:
        accounts.delete()
    return {"operations": operation_lines(trace), "signals_heard": dict(heard)}


order_placed = Signal()  # a project's own signal with sync and async receivers


def record_order(sender, delay_ms: int, **kwargs):  # a sync receiver
    with traced_receiver("record_order() (sync)"):
        time.sleep(delay_ms / 1000)


async def email_customer(sender, delay_ms: int, **kwargs):  # async receivers
    with traced_receiver("email_customer() (async)"):
        await asyncio.sleep(delay_ms / 1000)


async def notify_warehouse(sender, delay_ms: int, **kwargs):
    with traced_receiver("notify_warehouse() (async)"):
        await asyncio.sleep(delay_ms / 1000)


@contextlib.contextmanager
def traced_receiver(label: str) -> Iterator[None]:
    trace = current_trace.get()
    if trace is None:  # sent outside a demo run
        yield
        return
    with trace.span(label, "signal"):
        yield


order_placed.connect(record_order)
order_placed.connect(email_customer)
order_placed.connect(notify_warehouse)


@signals_demo.variant("async", title="async receivers: send() vs asend()")
async def async_receivers(request, params, trace):
    delay = params["receiver_ms"]
    with trace.span("await order_placed.asend()", "signal") as asend:
        await order_placed.asend(sender=None, delay_ms=delay)
    with trace.span("order_placed.send() from sync code", "signal") as send:
        # send() runs the sync receivers one by one, then the async ones via async_to_sync.
        await sync_to_async(order_placed.send)(sender=None, delay_ms=delay)
    return {
        "asend_ms": round(asend.end_ms - asend.start_ms, 1),
        "send_ms": round(send.end_ms - send.start_ms, 1),
        "receiver_ms": delay,
    }
