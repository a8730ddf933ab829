"""The background-work demo on the real server: a thread started in a view runs before the
commit and after a rollback; a task enqueued on commit runs once, after the view answered,
in a db_worker process of its own (`database`: again on PostgreSQL when one answers)."""

import pytest

from tests.playground.http import get
from tests.servers import RunningServer

pytestmark = pytest.mark.database


def run(server: RunningServer, variant: str) -> dict:
    reply = get(f"{server.url}/playground/api/background-work/{variant}", timeout=90)
    assert reply.status == 200, reply.body
    return reply.json()


def test_a_thread_reads_before_the_commit_and_runs_after_a_rollback(asgi_server):
    body = run(asgi_server, "thread")
    assert body["result"] == {
        "saved_order_seen_by_its_thread": False,
        "thread_ran_for_the_rolled_back_order": True,
    }
    threads = {s["thread"] for s in body["spans"] if s["kind"] == "thread"}
    assert len(threads) == 2 and all(name.startswith("Thread-") for name in threads)


def test_a_task_enqueued_on_commit_runs_once_after_the_answer_in_a_worker(asgi_server):
    body = run(asgi_server, "tasks-on-commit")
    result = body["result"]
    assert result["tasks_enqueued"] == 1  # the rolled-back order's callback was dropped
    assert result["task_status"] == "SUCCESSFUL"
    assert result["saved_order_seen_by_the_task"] is True
    # The view was done long before the worker even started the task.
    assert result["task_started_after_the_answer_ms"] > result["view_answered_after_ms"]
    [task] = [s for s in body["spans"] if s["label"].startswith("the task runs")]
    assert task["thread"] == "db_worker process"
    assert task["end_ms"] - task["start_ms"] >= 200  # the receipt's 200 ms of sending
