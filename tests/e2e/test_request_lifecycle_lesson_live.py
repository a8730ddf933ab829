"""The request-lifecycle lesson read in Chromium: its demo run from the page, each variant's
path through the stack and its thread switches shown in the panel."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_lessons_live import row, run
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e


def switches(page_row) -> int:
    return int(re.search(r"thread_switches\s*(\d+)", page_row.inner_text()).group(1))


def test_the_phases_and_their_threads_from_the_page(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/request-lifecycle/")
    panel = page.locator(".demo-panel[data-demo=request-lifecycle]")
    panel.locator("input[name=view_ms]").fill("10")
    run(panel)
    for variant in ("async-stack", "sync-middleware", "sync-view"):
        expect(row(panel, variant)).to_contain_text("→ OuterMiddleware")
        expect(row(panel, variant)).to_contain_text("request_finished receivers")
    expect(row(panel, "sync-middleware")).to_contain_text("→ LegacyMiddleware (sync only)")
    assert switches(row(panel, "sync-middleware")) > switches(row(panel, "async-stack"))
    group = panel.locator(".wf-group").first
    expect(group).to_contain_text("render the template (after the view)")
    screenshot(page, "lesson-request-lifecycle")
