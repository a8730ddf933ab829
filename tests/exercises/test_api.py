"""The exercises JSON API: every status and error code, in-process (Django's test client).

Runs that reach a sandbox use the real one; the refusals before it need none.
"""

import json
import uuid

import pytest
from django.test import Client

from exercises import pool as pool_module
from exercises import running
from exercises.catalog import get_catalog
from exercises.checks import TRACE_KEYS
from exercises.forms import MAX_CODE_BYTES
from exercises.pool import SandboxPool
from playground.runner import trace_response
from playground.tracing import Trace

RUN = "/exercises/api/lost-update/run"
TOKEN = "a" * 32  # Django accepts any well-formed token that matches the cookie
# A run that reaches a sandbox is recorded as the learner's attempt.
pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor(settings) -> Client:
    """A client that passes CSRF checks as a browser does: the cookie and the header."""
    settings.EXERCISES_RATE_LIMIT = 10_000
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    client.cookies["csrftoken"] = TOKEN
    return client


def post(client: Client, url: str, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data, content_type="application/json", HTTP_X_CSRFTOKEN=TOKEN, **extra)


def test_the_list_names_every_exercise(client):
    body = client.get("/exercises/api/").json()
    slugs = [e["slug"] for e in body["exercises"]]
    assert {"concurrent-dashboard", "unblock-the-event-loop", "lost-update"} <= set(slugs)
    assert set(body["exercises"][0]) == {"slug", "title", "track", "lesson", "level"}


def test_an_exercise_shows_its_task_starter_and_check_names_but_never_the_answers(client):
    body = client.get("/exercises/api/lost-update").json()
    exercise = get_catalog().exercises["lost-update"]
    assert body["starter"] == exercise.starter
    assert body["checks"] == [check.name for check in exercise.checks]
    assert "<p><code>withdraw</code> takes" in body["task_html"]
    text = json.dumps(body)
    for secret in ("aupdate(balance=F(", "async def scenario", "def check_nothing_lost"):
        assert secret not in text


def test_an_unknown_exercise_is_404(client, visitor):
    assert client.get("/exercises/api/no-such-thing").status_code == 404
    response = post(visitor, "/exercises/api/no-such-thing/run", {"code": "x = 1"})
    assert response.status_code == 404 and "no exercise 'no-such-thing'" in response.json()["error"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "the request body must be JSON"),
        (b"\xff\xfe", "the request body must be JSON"),
        ("[1, 2]", "must be a JSON object, not a list"),
        ({}, 'the body needs a code field: {"code": "..."}'),
        ({"code": 42}, "code must be text, not a number"),
        ({"code": ["print(1)"]}, "code must be text, not a list"),
        ({"code": "#" * (MAX_CODE_BYTES + 1)}, "code is 20,481 bytes; at most 20 KB"),
        ({"code": "é" * (MAX_CODE_BYTES // 2 + 1)}, "at most 20 KB"),
        ('{"code": ' + "[" * 100_000 + "]" * 100_000 + "}", "JSON nested too deeply"),
        ({"code": "x = '\ud800'"}, "code holds a lone surrogate"),
    ],
)
def test_a_bad_body_is_400_naming_what_is_wrong(visitor, body, message):
    response = post(visitor, RUN, body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_a_run_without_the_csrf_token_is_refused(visitor):
    response = visitor.post(RUN, json.dumps({"code": "x = 1"}), content_type="application/json")
    assert response.status_code == 403


def test_runs_only_answer_post(client):
    assert client.get(RUN).status_code == 405


def test_without_a_sandbox_the_api_says_why_and_runs_nothing(visitor, client, settings, tmp_path):
    settings.EXERCISES_SANDBOX_VENV = tmp_path / "no-venv"
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').write('learner code ran')\n"
    response = post(visitor, RUN, {"code": code})
    assert response.status_code == 503
    assert "the sandbox's Python environment" in response.json()["error"]
    assert "is missing: ./run builds it" in response.json()["error"]
    assert not marker.exists()
    detail = client.get("/exercises/api/lost-update").json()
    assert "is missing" in detail["unavailable"]
    assert "is missing" in client.get("/exercises/api/").json()["unavailable"]


def test_a_client_over_its_rate_gets_429_with_retry_after(visitor, settings):
    settings.EXERCISES_RATE_LIMIT = 1
    settings.EXERCISES_RATE_WINDOW = 86_400  # a fixed window: both requests fall in the same one
    address = f"10.{uuid.uuid4().int % 250}.0.1"  # a client of its own, not sent anywhere
    first = post(visitor, RUN, {"code": "def withdraw(request): pass"}, REMOTE_ADDR=address)
    assert first.status_code == 200, first.content
    second = post(visitor, RUN, {"code": "def withdraw(request): pass"}, REMOTE_ADDR=address)
    assert second.status_code == 429
    assert "Too many exercise runs: at most 1 every 86400 s" in second.json()["error"]
    assert 1 <= int(second["Retry-After"]) <= 86_400


def test_one_client_holds_at_most_its_share_of_runs(visitor, settings):
    settings.EXERCISES_CLIENT_MAX_RUNS = 2
    address = f"10.{uuid.uuid4().int % 250}.0.2"
    with running.client_shares.hold(address), running.client_shares.hold(address):
        refused = post(visitor, RUN, {"code": "def withdraw(request): pass"}, REMOTE_ADDR=address)
        other = post(visitor, RUN, {"code": "def withdraw(request): pass"}, REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429
    assert "You already have 2 exercise runs running or waiting" in refused.json()["error"]
    assert other.status_code == 200, other.content
    again = post(visitor, RUN, {"code": "def withdraw(request): pass"}, REMOTE_ADDR=address)
    assert again.status_code == 200, again.content  # the share came back with the runs


def test_a_full_queue_is_429_with_retry_after(visitor, monkeypatch, real_sandbox):
    full = SandboxPool(size=1, max_queue=0, queue_seconds=1, start=lambda: None)
    full.admit()  # one run holds the only slot; nobody may wait behind it
    monkeypatch.setattr(pool_module, "_pool", full)
    monkeypatch.setattr(pool_module, "_pool_pid", __import__("os").getpid())
    response = post(visitor, RUN, {"code": "x = 1"})
    assert response.status_code == 429
    assert "as many as this server takes" in response.json()["error"]
    assert int(response["Retry-After"]) >= 1


def demo_trace_keys() -> set[str]:
    """The keys of a demo's trace (playground/runner.py), less the demo's own identification."""
    from playground.registry import get_variant

    variant = get_variant("fanout", "async")
    response = trace_response(variant, variant.demo.parse({}), Trace(), None)
    own = {"demo", "variant", "title", "params", "expected", "result"}
    return set(json.loads(response.content)) - own


def test_a_passing_run_answers_pass_with_a_trace_the_demo_waterfall_can_draw(visitor):
    solution = get_catalog().exercises["lost-update"].solution
    response = post(visitor, RUN, {"code": solution})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "pass" and body["message"] is None
    assert {t["status"] for t in body["tests"]} == {"pass"}
    assert set(body["trace"]) == TRACE_KEYS == demo_trace_keys()
    assert set(body["trace"]["threads"]) == {"alive_at_start", "alive_at_end", "used"}
    kinds = {span["kind"] for span in body["trace"]["spans"]}
    assert kinds == {"request"}  # 40 withdrawals; their SQL is in trace.sql, with its threads
    assert len(body["requests"]) == 40 and len(body["trace"]["sql"]) >= 40
    assert all(q["thread"] for q in body["trace"]["sql"])
    assert isinstance(body["duration_ms"], int) and body["queue"]["position"] >= 0


def test_a_failing_run_says_which_checks_failed_in_figures(visitor):
    starter = get_catalog().exercises["lost-update"].starter
    body = post(visitor, RUN, {"code": starter + "print('withdrawing')\n"}).json()
    assert body["status"] == "fail"
    failed = {t["name"]: t["message"] for t in body["tests"] if t["status"] == "fail"}
    assert "20 withdrawals of 10 from 1000 leave 800" in failed
    assert "must leave 800; the account holds" in failed["20 withdrawals of 10 from 1000 leave 800"]
    assert body["output"] == "withdrawing\n"


def test_a_syntax_error_is_an_error_naming_the_line(visitor):
    code = "import json\n\n\nasync def withdraw(request)\n    return None\n"
    body = post(visitor, RUN, {"code": code}).json()
    assert body["status"] == "error"
    assert body["message"].startswith("SyntaxError on line 4: expected ':'")
    assert body["tests"] == []


def test_an_error_while_loading_names_the_line(visitor):
    body = post(visitor, RUN, {"code": "import json\nfrom lab.models import Nothing\n"}).json()
    assert body["status"] == "error"
    assert body["message"].startswith("ImportError on line 2: cannot import name 'Nothing'")


def test_a_missing_view_is_an_error_that_names_it(visitor):
    body = post(visitor, RUN, {"code": "def something_else(request):\n    pass\n"}).json()
    assert body["status"] == "error"
    assert body["message"] == "your code must define withdraw(request): it is what /withdraw runs"


def test_the_queue_status_is_visible(client):
    body = client.get("/exercises/api/status").json()
    assert body["runs_on"] == "this server"
    assert {"slots", "running", "queued", "queue_max"} <= set(body)
