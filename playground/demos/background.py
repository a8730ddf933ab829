"""Work after the response: a thread started in the view, against a task enqueued on commit
on Django's tasks framework (django-tasks' database backend) and run by a real db_worker."""

import datetime
import subprocess
import sys
import threading
import time
import uuid

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from ..models import Account
from ..registry import Demo
from ..routers import atomic, on_commit

background_work = Demo(
    id="background-work",
    order=160,
    title="Background work: a thread, or a task enqueued on commit",
    description="A view saves an order and sends its receipt in the background, once for an "
    "order that commits and once for one that rolls back: from a thread it starts itself, "
    "and as a task on Django's tasks framework run by a separate db_worker process.",
    params={},
    compare=False,
)

SENDING_MS = 200  # what "sending the receipt" costs: an email provider's API, say
WORKER_TIMEOUT_S = 60


class Refused(Exception):
    """The payment failed: the order's transaction rolls back."""


def tag() -> str:
    return f"order-{uuid.uuid4().hex[:12]}"


def send_receipt_for(account_id: int, looked_up: threading.Event | None = None) -> dict:
    """Look the order up and "send" its receipt: what any background job does first."""
    order = Account.objects.filter(pk=account_id).first()
    if looked_up:
        looked_up.set()
    time.sleep(SENDING_MS / 1000)
    return {"order_found": order is not None, "sent": order is not None}


@task()
def send_receipt(account_id: int) -> dict:
    """The same job as a task: a db_worker process runs it, from the queue table."""
    return send_receipt_for(account_id)


def cost_of_a_worker(params) -> float:
    return 1500  # starting a Django process for db_worker, and the task itself


@background_work.variant("thread", title="threading.Thread started in the view (wrong)")
def receipt_from_a_thread(request, params, trace):
    sent: dict[str, dict] = {}

    looked_up = threading.Event()

    def send_in_the_background(which: str, account_id: int) -> None:
        try:
            with trace.span(f"thread: receipt for the {which} order", "thread"):
                sent[which] = send_receipt_for(account_id, looked_up)
        finally:
            connections.close_all()  # a thread of our own: nobody else closes its connection

    threads = []
    with trace.span("atomic(): save an order, start a thread, finish saving", "db"), atomic():
        order = Account.objects.create(owner=tag(), balance=1)
        # Wrong: the thread starts now, while the order is not committed yet.
        threads.append(threading.Thread(target=send_in_the_background, args=("saved", order.pk)))
        threads[-1].start()
        # The rest of the view's writes outlast the thread's lookup. (The demo waits for the
        # lookup so that every run shows the same race; in production it goes either way.)
        looked_up.wait(timeout=5)
    try:
        with trace.span("atomic(): save an order, start a thread, then fail", "db"), atomic():
            doomed = Account.objects.create(owner=tag(), balance=2)
            threads.append(
                threading.Thread(target=send_in_the_background, args=("rolled-back", doomed.pk))
            )
            threads[-1].start()
            raise Refused("card declined")
    except Refused:
        pass
    for thread in threads:  # only so the demo can report; a real view would not wait
        thread.join(timeout=10)
    Account.objects.filter(pk__in=[order.pk, doomed.pk]).delete()
    return {
        "saved_order_seen_by_its_thread": sent["saved"]["order_found"],
        "thread_ran_for_the_rolled_back_order": "rolled-back" in sent,
    }


@background_work.variant(
    "tasks-on-commit",
    title="task.enqueue() in on_commit, run by db_worker",
    burns_cpu=cost_of_a_worker,
)
def receipt_from_a_task(request, params, trace):
    enqueued: list[str] = []
    with trace.span("atomic(): save an order, enqueue on commit", "db"), atomic():
        order = Account.objects.create(owner=tag(), balance=1)
        # Right: the task is queued only once the order is committed.
        on_commit(lambda: enqueued.append(send_receipt.enqueue(order.pk).id))
    try:
        with trace.span("atomic(): save an order, enqueue on commit, then fail", "db"), atomic():
            doomed = Account.objects.create(owner=tag(), balance=2)
            on_commit(lambda: enqueued.append(send_receipt.enqueue(doomed.pk).id))
            raise Refused("card declined")  # the rollback drops the on_commit callback
    except Refused:
        pass
    answered_ms, answered_at = trace.now_ms(), timezone.now()  # a real view answers here

    with trace.span("manage.py db_worker --batch (another process)", "cpu") as span:
        # Stands in for the worker that always runs beside the site; --batch exits when the
        # queue is empty.
        worker = run_db_worker()
        span.thread = "db_worker process"
        span.detail = f"exit status {worker.returncode}"
    result = send_receipt.get_result(enqueued[0])
    task_span = trace.open("the task runs: send_receipt()", "cpu")
    task_span.thread = "db_worker process"
    task_span.start_ms = answered_ms + ms_between(answered_at, result.started_at)
    task_span.end_ms = answered_ms + ms_between(answered_at, result.finished_at)

    DBTaskResult.objects.filter(id__in=enqueued).delete()
    Account.objects.filter(pk__in=[order.pk, doomed.pk]).delete()
    return {
        "view_answered_after_ms": round(answered_ms),
        "tasks_enqueued": len(enqueued),
        "task_started_after_the_answer_ms": round(ms_between(answered_at, result.started_at)),
        "task_status": result.status,
        "saved_order_seen_by_the_task": result.return_value["order_found"],
    }


def run_db_worker() -> subprocess.CompletedProcess:
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"]
    return subprocess.run(
        [*command, "--interval", "0", "-v", "0"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        timeout=WORKER_TIMEOUT_S,
        check=True,
    )


def ms_between(earlier: datetime.datetime, later: datetime.datetime | None) -> float:
    if later is None:
        raise RuntimeError("the worker did not run the task")
    return (later - earlier).total_seconds() * 1000
