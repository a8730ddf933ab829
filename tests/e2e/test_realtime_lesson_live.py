"""The real-time lesson read in Chromium: its demo run from the page, the SSE stream resumed
after Last-Event-ID, and the sync consumer's messages each on a worker thread beside the async
consumer's on the event loop."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_lessons_live import row, run
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e


def test_sse_and_both_consumers_from_the_page(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/websockets-and-real-time/")
    panel = page.locator(".demo-panel[data-demo=realtime]")
    panel.locator("input[name=messages]").fill("6")
    panel.locator("input[name=interval_ms]").fill("20")
    run(panel)
    sse = row(panel, "sse")
    expect(sse).to_contain_text(re.compile(r"event_ids\s*1, 2, 3, 4, 5, 6"))
    expect(sse).to_contain_text(re.compile(r"resumed_after_id\s*3"))
    expect(row(panel, "websocket-sync")).to_contain_text(re.compile(r"receive_in_a_thread\s*6"))
    asynchronous = row(panel, "websocket-async")
    expect(asynchronous).to_contain_text(re.compile(r"receive_in_a_thread\s*0"))
    expect(asynchronous).to_contain_text("MainThread")
    # On the waterfall, each echoed message is a row of its own.
    expect(panel.locator(".wf-group").nth(1)).to_contain_text("message 6")
    screenshot(page, "lesson-realtime")
