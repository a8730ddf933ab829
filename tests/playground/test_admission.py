"""Admission in-process: the limits and the load-run lock live where cache churn can't evict
them, and a load run is admitted once through the same path as a single run."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from playground.admission import admit
from playground.limits import DemoRefused
from playground.registry import get_variant


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
