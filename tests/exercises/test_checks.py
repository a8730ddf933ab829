"""The checks API: statuses in Exercism's words, and nothing from the sandbox taken on trust."""

import copy

import pytest

from exercises.checks import BadResult, Check, CheckFailed, fail, read_run, run_checks
from exercises.running import EMPTY_TRACE


def result(**changes) -> dict:
    request = {
        "id": "1",
        "label": "dashboard",
        "method": "GET",
        "path": "/dashboard",
        "status": 200,
        "body": '{"ok": true}',
        "body_cut": False,
        "elapsed_ms": 312.5,
        "started_ms": 1.0,
        "error": None,
        "server_error": None,
        "trace": {
            **copy.deepcopy(EMPTY_TRACE),
            "spans": [
                {
                    "label": "GET orders",
                    "kind": "http",
                    "start_ms": 1.0,
                    "end_ms": 301.0,
                    "thread": "MainThread",
                    "ok": True,
                    "detail": "",
                }
            ],
        },
    }
    data = {
        "requests": [request],
        "trace": copy.deepcopy(EMPTY_TRACE),
        "peak_threads": 3,
        "probe": {"worst_ms": 12.5, "pings": 30},
        "notes": {},
        "state": {"Account": [{"id": 1, "balance": 800}], "outbox": []},
        "timings": {"scenario_ms": 320.0},
    }
    data.update(changes)
    return data


def test_a_well_formed_result_reads_as_a_run():
    run = read_run(result(), output="hello\n")
    dashboard = run.request("dashboard")
    assert dashboard.json() == {"ok": True}
    [call] = dashboard.spans_of("http")
    assert call.duration_ms == 300.0 and call.thread == "MainThread"
    assert run.probe_worst_ms == 12.5 and run.table("Account")[0]["balance"] == 800
    assert run.output == "hello\n" and run.threads["peak"] == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"requests": "many"}, "requests must be a list"),
        ({"requests": [{}] * 201}, "requests has more than 200 items"),
        ({"trace": {**EMPTY_TRACE, "extra": 1}}, "trace must have exactly the keys"),
        ({"trace": {**EMPTY_TRACE, "total_ms": float("nan")}}, "trace.total_ms must be a number"),
        ({"trace": {**EMPTY_TRACE, "total_ms": True}}, "trace.total_ms must be a number"),
        ({"probe": {"worst_ms": "fast", "pings": 1}}, "probe.worst_ms must be a number"),
        ({"state": {"Account": [{"id": {"nested": 1}}]}}, "must be a plain value"),
        ({"notes": {"big": "x" * 70_000}}, "notes are larger than 64 KB"),
    ],
)
def test_a_malformed_result_is_refused_with_the_reason(changes, message):
    with pytest.raises(BadResult, match=message):
        read_run(result(**changes), output="")


def test_an_oversized_body_or_a_fake_status_is_refused():
    data = result()
    data["requests"][0]["body"] = "x" * 5000
    with pytest.raises(BadResult, match=r"requests\[0\].body is longer than 4096"):
        read_run(data, output="")
    data = result()
    data["requests"][0]["status"] = 999
    with pytest.raises(BadResult, match="must be an HTTP status"):
        read_run(data, output="")


def test_check_statuses_are_pass_fail_and_error():
    def passes(run):
        assert run.request("dashboard").status == 200

    def fails(run):
        fail("3 calls took 912 ms one after another; at most 450 ms")

    # Compiled as a checks block is (pytest rewrites the asserts of test modules only).
    scope: dict = {}
    exec("def asserts(run):\n    assert run.probe_worst_ms < 1, 'the probe waited 12 ms'", scope)
    asserts = scope["asserts"]

    def lacks_data(run):
        run.request("no such label")

    def breaks(run):
        return 1 / 0

    checks = [Check(f.__name__, f, 1) for f in (passes, fails, asserts, lacks_data, breaks)]
    results = run_checks(checks, read_run(result(), output=""))
    assert [(r.status, r.message) for r in results] == [
        ("pass", None),
        ("fail", "3 calls took 912 ms one after another; at most 450 ms"),
        ("fail", "the probe waited 12 ms"),
        ("error", "the scenario made no request labelled 'no such label'"),
        ("error", "the check itself failed: ZeroDivisionError: division by zero"),
    ]


def test_a_body_that_is_not_json_fails_the_check_and_says_so():
    data = result()
    data["requests"][0]["body"] = "<html>oops</html>"
    run = read_run(data, output="")
    with pytest.raises(CheckFailed, match="dashboard answered 200 with a body that is not JSON"):
        run.request("dashboard").json()
