"""Admission in-process: the limits and the load-run lock live where cache churn can't evict
them, and a load run is admitted once through the same path as a single run."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory

from lessons.catalog import get_catalog
from playground.admission import admit, load_limit
from playground.limits import DemoRefused, blocking_budget
from playground.registry import get_variant
from playground.templatetags.playground_panel import demo_panel


@pytest.fixture
def request_from():
    factory = RequestFactory()

    def make(address: str):
        return factory.get("/", REMOTE_ADDR=address)

    return make


def test_the_load_lock_survives_a_thousand_cache_writes(request_from):
    variant = get_variant("fanout", "async")
    params = variant.demo.parse({})
    held = admit(request_from("10.0.0.1"), variant, params, users=10)
    try:
        for number in range(1000):  # ordinary churn: stream records, cached pages, reports
            cache.set(f"churn:{number}", "x" * 100, 60)
        with pytest.raises(DemoRefused, match="A load run is already in progress"):
            admit(request_from("10.0.0.2"), variant, params, users=10)
    finally:
        held.release()
    admit(request_from("10.0.0.2"), variant, params, users=10).release()


def test_a_rate_limit_survives_cache_churn(request_from, settings):
    settings.PLAYGROUND_RATE_LIMIT = 3
    settings.PLAYGROUND_RATE_WINDOW = 3600
    variant = get_variant("fanout", "async")
    params = variant.demo.parse({})
    for _ in range(3):
        admit(request_from("10.0.0.3"), variant, params)
    for number in range(1000):
        cache.set(f"churn:{number}", "x", 60)
    with pytest.raises(DemoRefused, match="Too many demo runs"):
        admit(request_from("10.0.0.3"), variant, params)
    admit(request_from("10.0.0.4"), variant, params)  # another client has its own count


def test_cpu_load_runs_are_sized_by_their_cpu(request_from):
    variant = get_variant("cpu-bound", "thread")
    heavy = variant.demo.parse({"work_ms": "1000"})
    with pytest.raises(DemoRefused, match="burn the server's CPU for 200 s") as refused:
        admit(request_from("10.0.0.5"), variant, heavy, users=200)
    assert refused.value.status == 400 and "the most is 8 users" in refused.value.message
    admit(request_from("10.0.0.5"), variant, heavy, users=8).release()
    with pytest.raises(DemoRefused, match="burn 8 s of CPU") as spent:
        admit(request_from("10.0.0.6"), variant, heavy)  # the window's budget is spent
    assert spent.value.status == 429 and spent.value.retry_after


def test_a_load_run_whose_requests_would_outlive_it_is_refused(request_from):
    variant = get_variant("fanout", "sync")  # the calls one after another: 50 x 3 s = 150 s
    slow = variant.demo.parse({"calls": "50", "latency_ms": "3000", "jitter_ms": "0"})
    with pytest.raises(DemoRefused, match="takes about 150 s alone") as refused:
        admit(request_from("10.0.0.7"), variant, slow, users=2)
    assert refused.value.status == 400 and "60 s" in refused.value.message
    admit(request_from("10.0.0.7"), variant, variant.demo.parse({}), users=2).release()


def test_load_limit_is_the_most_users_admit_allows(request_from):
    variant = get_variant("blocking", "time-sleep")
    params = variant.demo.parse({"sleep_ms": "500"})
    limit = load_limit(variant, params)
    assert limit.most_users == 12
    assert "block the server's event loop for 0.5 s" in limit.reason
    admit(request_from("10.0.0.7"), variant, params, users=limit.most_users).release()
    with pytest.raises(DemoRefused, match="the most is 12 users"):
        admit(request_from("10.0.0.8"), variant, params, users=limit.most_users + 1)
    free = get_variant("blocking", "asyncio-sleep")
    assert load_limit(free, params).most_users == settings.PLAYGROUND_LOAD_MAX_CONCURRENCY


@pytest.mark.parametrize(
    "block",
    [block for lesson in get_catalog().lessons.values() for block in lesson.demos],
    ids=lambda block: block.demo_id,
)
def test_every_load_form_default_is_admitted(request_from, block, settings):
    panel = demo_panel(block.demo_id, block.params)
    if panel["streams"]:
        return  # streaming demos have no load form
    first = get_variant(block.demo_id, panel["variants"][0]["name"])
    params = first.demo.parse(block.params)
    settings.PLAYGROUND_BLOCKING_WINDOW = 0  # each default on its own: nothing spent before
    admit(request_from("10.0.0.9"), first, params, users=panel["load_default"]).release()


def test_the_limit_api_answers_for_the_parameters_given(client):
    reply = client.get("/playground/api/blocking/time-sleep/load/limit?sleep_ms=2000")
    assert reply.status_code == 200
    assert reply.json()["most_users"] == 3
    assert "block the server's event loop for 2 s" in reply.json()["reason"]
    bad = client.get("/playground/api/blocking/time-sleep/load/limit?sleep_ms=99999")
    assert bad.status_code == 400 and "sleep_ms" in bad.json()["error"]
    assert client.get("/playground/api/blocking/nope/load/limit").status_code == 404


def test_a_run_that_blocked_longer_than_declared_is_charged_what_it_took(request_from):
    variant = get_variant("blocking", "time-sleep")
    params = variant.demo.parse({})
    declared = variant.blocks_loop(params)
    before = load_limit(variant, params).most_users
    # On a busy machine the block took three times what the demo declares.
    blocking_budget.charge_overrun(declared, 3 * declared)
    assert blocking_budget.slowdown > 1
    assert load_limit(variant, params).most_users < before  # the form offers fewer users
    blocking_budget.charge_overrun(declared, declared)
    blocking_budget.charge_overrun(declared, 0.5 * declared)  # fast again: the slowdown fades
    assert blocking_budget.slowdown < 1.5
