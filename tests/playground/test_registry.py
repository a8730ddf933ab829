import math

import pytest

from playground.registry import DEMOS, Param, ParamError
from playground.runner import VARIANTS, server_timing
from playground.source import variant_source
from playground.tracing import Trace


def test_every_declared_variant_is_a_view_and_nothing_else_is():
    declared = {(demo.id, name) for demo in DEMOS.values() for name in demo.variants}
    assert declared == set(VARIANTS)


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
    source = variant_source("fanout", "async")
    assert source["code"].startswith('@variant("fanout", "async")')
    assert "asyncio.gather" in source["code"]
    assert source["file"] == "playground/demos/fanout.py"
    assert 'class="highlight"' in source["html"]


def test_server_timing_header_format():
    trace = Trace()
    with trace.span('GET "quoted"', "http"):
        pass
    header = server_timing(12.345, trace)
    assert header.startswith("total;dur=12.3, s0;desc=")
    assert '\\"quoted\\"' in header
