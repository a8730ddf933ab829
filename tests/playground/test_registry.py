import math
from inspect import iscoroutinefunction

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import resolve

from playground.gate import is_guarded_path
from playground.registry import DEMOS, Demo, Param, ParamError, get_variant
from playground.runner import server_timing
from playground.source import variant_source
from playground.tracing import Trace


@pytest.mark.parametrize(
    "variant",
    [variant for demo in DEMOS.values() for variant in demo.variants.values()],
    ids=lambda variant: f"{variant.demo.id}/{variant.name}",
)
def test_every_variant_is_a_gated_view_of_its_own_kind(variant):
    path = f"/playground/api/{variant.demo.id}/{variant.name}"
    view = resolve(path).func
    # An async def variant is served by an async view, a def variant by a sync one.
    assert iscoroutinefunction(view) == iscoroutinefunction(variant.func)
    assert is_guarded_path(path)
    assert is_guarded_path(path + "/load")


def test_pages_and_reads_are_not_gated():
    for path in ("/", "/playground/api/probe", "/playground/api/demos", "/playground/"):
        assert not is_guarded_path(path)
    assert not is_guarded_path("/playground/api/fanout/source")
    assert not is_guarded_path("/playground/api/fanout/no-such-variant")


def test_a_demo_id_or_variant_name_is_declared_once():
    with pytest.raises(ImproperlyConfigured, match="two demos"):
        Demo(id="fanout", title="again", description="", params={})
    fanout = DEMOS["fanout"]
    with pytest.raises(ImproperlyConfigured, match="two variants"):
        fanout.variant("async", title="again")(lambda request, params, trace: None)
    assert get_variant("fanout", "async").title == "async view + asyncio.gather"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3), (" 7 ", 7), (5, 5)],
)
def test_int_param_accepts_whole_numbers(value, expected):
    assert Param(3, 1, 10).coerce("n", value) == expected


@pytest.mark.parametrize("value", ["0", "11", "2.5", "", "x", True, None, [1], "1e3", "٣"])
def test_int_param_rejects_the_rest(value):
    with pytest.raises(ParamError):
        Param(3, 1, 10).coerce("n", value)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", math.nan, "1.5", -0.1])
def test_float_param_rejects_non_finite_and_out_of_range(value):
    with pytest.raises(ParamError):
        Param(0.0, 0.0, 1.0).coerce("rate", value)


def test_demo_parse_fills_defaults_and_names_unknown_keys():
    fanout = DEMOS["fanout"]
    assert fanout.parse({"calls": "4"})["latency_ms"] == 300
    with pytest.raises(ParamError, match="unknown parameter 'url'"):
        fanout.parse({"url": "http://example.com"})


def test_source_is_the_running_function():
    source = variant_source(get_variant("fanout", "async"))
    assert source["code"].startswith('@fanout.variant("async"')
    assert "asyncio.gather" in source["code"]
    assert source["file"] == "playground/demos/fanout.py"
    assert 'class="highlight"' in source["html"]


def test_a_variant_shows_the_consumer_it_drives_beside_its_own_code():
    code = variant_source(get_variant("realtime", "websocket-sync"))["code"]
    assert code.startswith("@realtime.variant(")
    assert "# playground/consumers.py:" in code
    assert "class SyncEchoConsumer(WebsocketConsumer):" in code
    assert "class AsyncEchoConsumer" not in code


def test_server_timing_header_format():
    trace = Trace()
    with trace.span('GET "quoted"', "http"):
        pass
    trace.ended_ms = 12.345
    header = server_timing(trace)
    assert header.startswith("total;dur=12.3, s0;desc=")
    assert '\\"quoted\\"' in header


@pytest.mark.parametrize("demo", [d for d in DEMOS.values() if d.versus], ids=lambda d: d.id)
def test_the_pair_a_demo_compares_are_two_of_its_variants(demo):
    right, wrong = demo.versus
    assert right != wrong and {right, wrong} <= set(demo.variants)
    assert demo.compare  # "x times faster" only where the variants do the same work


def test_verdicts_measure_against_one_request_alone():
    params = DEMOS["fanout"].parse({"calls": "3", "latency_ms": "300"})
    assert get_variant("fanout", "async").expected(params) == {"one_ms": 300, "alone_ms": 300}
    # The sync fan-out waits for its calls one after another.
    assert get_variant("fanout", "sync").expected(params) == {"one_ms": 300, "alone_ms": 900}
    assert get_variant("queries", "naive").expected(DEMOS["queries"].parse({})) is None
