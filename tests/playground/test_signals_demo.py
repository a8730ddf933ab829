"""The signals demo against the real server: receivers inside the save, a receiver that
raises, side effects and on_commit, the bulk operations, send() against asend()."""

import pytest

from tests.playground.test_database_demos import run

pytestmark = pytest.mark.database


def spans_by_label(body: dict) -> dict[str, dict]:
    return {span["label"]: span for span in body["spans"]}


def test_receivers_run_inside_the_save_on_its_thread_and_in_its_transaction(asgi_server):
    body = run(asgi_server, "signals/save?receiver_ms=150")
    spans = spans_by_label(body)
    save = spans["with atomic(): Account(...).save()"]
    receivers = [spans["pre_save: stamp_owner()"], spans["post_save: notify_crm()"]]
    for receiver in receivers:
        assert save["start_ms"] <= receiver["start_ms"] <= receiver["end_ms"] <= save["end_ms"]
        assert receiver["thread"] == save["thread"]
        assert receiver["detail"].endswith("in a transaction: True")
    # The caller waited for the slow receiver: the save took at least its 150 ms.
    assert body["result"]["save_took_ms"] >= 150
    insert = [q for q in save["sql"] if q["sql"].startswith("INSERT")]
    assert len(insert) == 1 and insert[0]["start_ms"] < receivers[1]["start_ms"]


def test_a_raising_receiver_reaches_the_caller_and_autocommit_keeps_the_row(asgi_server):
    result = run(asgi_server, "signals/failing")["result"]
    assert [error.split(":")[0] for error in result["errors"]] == ["autocommit", "atomic"]
    assert result["rows_kept"] == {"autocommit (balance 1)": True, "atomic (balance 2)": False}
    assert result["send_robust_returned"] == [
        "audit_trail_down: ConnectionError('audit service unreachable')",
        "count_audits: 'counted'",
    ]
    assert result["logged"] == [
        "ERROR: Error calling audit_trail_down in Signal.send_robust() (audit service unreachable)"
    ]


def test_an_email_in_the_receiver_goes_out_for_the_rolled_back_signup_too(asgi_server):
    wrong = run(asgi_server, "signals/email-in-receiver")["result"]
    right = run(asgi_server, "signals/email-on-commit")["result"]
    assert wrong["accounts_committed"] == right["accounts_committed"] == 1
    assert len(wrong["emails_sent"]) == 2
    assert right["emails_sent"] == ["welcome, account with balance 1"]


@pytest.mark.parametrize("rows", [3, 8])
def test_bulk_operations_send_no_save_signals_and_delete_sends_one_pair_per_row(asgi_server, rows):
    body = run(asgi_server, f"signals/bulk?rows={rows}")
    spans = body["spans"]
    details = [span["detail"] for span in spans]
    assert details == [
        "no signals",
        "no signals",
        "no signals",
        "no signals",
        f"pre_save ×{rows}, post_save ×{rows}",
        f"pre_delete ×{rows}, post_delete ×{rows}",
    ]
    first_delete = [q["sql"] for q in spans[0]["sql"]]
    last_delete = [q["sql"] for q in spans[-1]["sql"]]
    assert not any(sql.startswith("SELECT") for sql in first_delete)  # a fast delete
    assert last_delete[0].startswith("SELECT")  # rows fetched to send their signals
    names = ("pre_save", "post_save", "pre_delete", "post_delete")
    assert body["result"]["signals_heard"] == dict.fromkeys(names, rows)


def test_asend_overlaps_every_receiver_and_send_runs_sync_ones_first(asgi_server):
    result = run(asgi_server, "signals/async?receiver_ms=300")["result"]
    # Three receivers of 300 ms each. asend() overlaps them all: far less than the 900 ms of
    # one after another. send() waits for the sync receiver before the async pair: two rounds.
    assert 300 <= result["asend_ms"] < 900
    assert result["send_ms"] >= 600 and result["send_ms"] > result["asend_ms"]
