"""The database-track demos against the real server: on SQLite in the main run, and again on
PostgreSQL when `./run test` finds one (this module is marked `database`)."""

import pytest

from tests.playground.http import get
from tests.servers import RunningServer

pytestmark = pytest.mark.database


def run(server: RunningServer, path: str) -> dict:
    reply = get(f"{server.url}/playground/api/{path}")
    assert reply.status == 200, reply.body
    return reply.json()


def on_postgres(server: RunningServer) -> bool:
    return server.env["DATABASE_URL"].startswith("postgres")


def test_without_a_lock_one_withdrawal_is_lost(asgi_server):
    body = run(asgi_server, "locking/no-lock?amount=30&hold_ms=200")
    assert body["result"]["final_balance"] == 70
    assert body["result"]["withdrawals_applied"] == 2 and body["result"]["lost_update"] is True
    assert body["result"]["verdict"] == {
        "text": "Lost update: both withdrawals reported success, yet the balance is 70 where "
        "two withdrawals of 30 leave 40.",
        "ok": False,
    }
    assert [span["detail"] for span in body["spans"]] == ["read 100, wrote 70"] * 2


def test_with_select_for_update_both_apply_and_the_second_waits(asgi_server):
    body = run(asgi_server, "locking/select-for-update?amount=30&hold_ms=200")
    assert body["result"]["final_balance"] == 40
    assert body["result"]["verdict"]["ok"] is True
    first, second = sorted(body["spans"], key=lambda span: span["start_ms"])
    assert first["detail"] == "read 100, wrote 70"
    assert second["detail"] == "read 70, wrote 40"
    # B started 30 ms after A but could only finish after A had held the row for 200 ms.
    assert second["end_ms"] > first["end_ms"]
    assert second["end_ms"] - second["start_ms"] > 200  # at least A's hold_ms
    selects = [
        q["sql"] for span in body["spans"] for q in span["sql"] if q["sql"].startswith("SELECT")
    ]
    assert len(selects) == 2
    if on_postgres(asgi_server):
        assert all("FOR UPDATE" in sql for sql in selects)
        waited = max(q["ms"] for q in body["sql"] if "FOR UPDATE" in q["sql"])
        assert waited > 200 / 2  # the row lock, visible in the query's own time
    else:
        assert not any("FOR UPDATE" in sql for sql in selects)


def test_nowait_and_skip_locked(asgi_server):
    nowait = run(asgi_server, "locking/nowait?hold_ms=200")
    skipped = run(asgi_server, "locking/skip-locked?hold_ms=200")
    if on_postgres(asgi_server):
        failed = [span for span in nowait["spans"] if not span["ok"]]
        assert len(failed) == 1 and "could not obtain lock" in failed[0]["detail"]
        assert nowait["result"]["final_balance"] == 70
        assert "row is locked: skipped it" in [span["detail"] for span in skipped["spans"]]
        assert skipped["result"]["final_balance"] == 70
    else:  # ignored along with FOR UPDATE: the write lock serialises both
        assert nowait["result"]["final_balance"] == skipped["result"]["final_balance"] == 40


def test_n_plus_one_against_a_constant_number_of_queries(asgi_server):
    for rows in (5, 20):
        assert run(asgi_server, f"queries/naive?rows={rows}")["result"]["queries"] == rows + 1
        assert run(asgi_server, f"queries/select-related?rows={rows}")["result"]["queries"] == 1
        assert run(asgi_server, f"queries/prefetch-related?rows={rows}")["result"]["queries"] == 2
        assert run(asgi_server, f"queries/annotate?rows={rows}")["result"]["queries"] == 1


def test_explain_shows_both_plans(asgi_server):
    plans = run(asgi_server, "queries/explain")["result"]["plans"]
    unindexed, indexed = plans["pages (no index)"], plans["year (indexed: book_year_idx)"]
    if on_postgres(asgi_server):
        assert "Seq Scan" in unindexed
    else:
        assert "SCAN playground_book" in unindexed
        assert "USING INDEX book_year_idx" in indexed


def test_rollback_savepoint_and_on_commit(asgi_server):
    assert run(asgi_server, "transactions/rollback?rows=3")["result"]["rows_after_rollback"] == 0
    savepoint = run(asgi_server, "transactions/savepoint?rows=2")
    assert savepoint["result"]["committed_balances"] == [1, 3]
    assert any(q["sql"].startswith("SAVEPOINT") for q in savepoint["sql"])
    callbacks = run(asgi_server, "transactions/on-commit")
    assert callbacks["result"]["callbacks_run_inside_the_block"] == []
    assert callbacks["result"]["callbacks_run"] == ["after commit"]
    assert callbacks["result"]["skipped_on_rollback"] is True


def test_a_robust_callback_that_fails_is_logged_and_the_next_one_runs(asgi_server):
    body = run(asgi_server, "transactions/robust-on-commit")["result"]
    assert body["logged"] == [
        "ERROR: Error calling send_welcome_mail in on_commit() during transaction "
        "(mail server refused the message)."
    ]
    assert body["callbacks_run_after_the_failure"] == ["start_the_welcome_tour"]
    assert body["rows_committed"] == 1


def test_transactions_from_an_async_view(asgi_server):
    body = run(asgi_server, "transactions/async-view")
    assert body["result"]["errors"][0].startswith("TypeError:")
    assert body["result"]["errors"][1].startswith("SynchronousOnlyOperation:")
    assert body["result"]["rows_written_the_right_way"] == 1


def test_caching_variants(asgi_server):
    assert run(asgi_server, "caching/get-or-set?work_ms=50")["result"]["computed"] == 1
    per_view = run(asgi_server, "caching/per-view?work_ms=50")
    assert [s["detail"] for s in per_view["spans"] if s["label"].startswith("request")] == [
        "rendered and stored",
        "served from cache",
    ]
    first, cached, after_save = run(asgi_server, "caching/invalidate")["result"]["counts_seen"]
    assert first == cached and after_save == first + 1


def test_stampede_guard_hits_the_backend_once(asgi_server):
    unguarded = run(asgi_server, "caching/stampede?clients=10&work_ms=100")
    guarded = run(asgi_server, "caching/guarded?clients=10&work_ms=100")
    assert unguarded["result"]["backend_hits"] > 1
    assert guarded["result"]["backend_hits"] == 1


def test_deployment_reports_the_running_configuration(asgi_server):
    body = run(asgi_server, "deployment/live")
    assert body["result"]["server"] == "Daphne"
    assert body["result"]["database"]["vendor"] == (
        "postgresql" if on_postgres(asgi_server) else "sqlite"
    )
    assert isinstance(body["result"]["check_deploy"], list)
