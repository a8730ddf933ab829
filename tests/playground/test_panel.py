"""The demo panel's markup: every URL its script calls is in a data- attribute."""

import re

import pytest

from playground.registry import DEMOS

pytestmark = pytest.mark.django_db


def test_the_panel_carries_every_url_it_calls(client):
    html = client.get("/playground/fanout/").content.decode()
    assert 'id="demo-fanout"' in html
    assert 'data-source-url="/playground/api/fanout/source"' in html
    assert 'data-probe-url="' not in html  # nothing in fan-out blocks the loop
    for variant in DEMOS["fanout"].variants:
        assert f'data-run-url="/playground/api/fanout/{variant}"' in html
        assert f'data-load-url="/playground/api/fanout/{variant}/load"' in html
    body = re.search(r"<body[^>]*>", html).group(0)
    assert 'data-demo-run-url="/practice/api/demo-run"' in body
    assert 'data-read-url="/practice/api/read"' in body


def test_probe_and_stream_record_urls_where_the_demo_needs_them(client):
    blocking = client.get("/playground/blocking/").content.decode()
    assert 'data-probe-url="/playground/api/probe"' in blocking
    streaming = client.get("/playground/streaming/").content.decode()
    assert 'data-record-url="/playground/api/streaming/record"' in streaming


def test_the_panel_module_loads_only_where_there_is_a_panel(client):
    assert "js/demo/panel.js" in client.get("/lessons/async-views/").content.decode()
    home = client.get("/").content.decode()
    assert "js/demo/" not in home and "data-say=" not in home
