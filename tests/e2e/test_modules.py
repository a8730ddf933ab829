"""How the pages load their JavaScript: native modules, the demo panel's only where one is."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.servers import RunningServer

pytestmark = pytest.mark.e2e


def scripts_loaded(page: Page, url: str) -> list[str]:
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(request.url))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return [found for found in loaded if found.endswith(".js")]


def test_a_page_without_a_demo_loads_no_demo_module(page: Page, server: RunningServer):
    loaded = scripts_loaded(page, server.url + "/")
    assert loaded, "the home page loaded no script at all"
    assert not [url for url in loaded if "/js/demo/" in url], loaded
    assert page.evaluate("customElements.get('demo-panel')") is None
    # The theme toggle (site.js) is live all the same.
    page.get_by_role("button", name=re.compile("mode$")).click()


def test_a_lesson_with_demos_loads_the_panel(page: Page, server: RunningServer):
    loaded = scripts_loaded(page, server.url + "/lessons/async-views/")
    assert [url for url in loaded if re.search(r"/js/demo/panel(\.\w+)?\.js$", url)], loaded
    assert page.evaluate("customElements.get('demo-panel') !== undefined")
    panel = page.locator("demo-panel#demo-fanout")
    expect(panel).to_have_class(re.compile(r"\bis-live\b"))
    expect(panel.get_by_role("button", name="Run", exact=True)).to_be_enabled()


def test_every_panel_has_its_own_anchor(page: Page, server: RunningServer):
    # This lesson embeds the async-orm demo twice: the first keeps #demo-async-orm.
    page.goto(server.url + "/lessons/async-orm/")
    ids = page.locator("demo-panel").evaluate_all("panels => panels.map(panel => panel.id)")
    assert ids == ["demo-async-orm", "demo-async-orm-2"], ids
    tabs = page.locator(".demo-tab").evaluate_all("tabs => tabs.map(tab => tab.id)")
    assert len(tabs) == len(set(tabs)), tabs


def test_the_waterfall_keeps_its_rows_as_a_stream_arrives(page: Page, server: RunningServer):
    page.goto(server.url + "/playground/streaming/")
    panel = page.locator("demo-panel")
    panel.locator("input[name=events]").fill("4")
    panel.locator("input[name=interval_ms]").fill("300")
    panel.get_by_role("button", name="Run", exact=True).click()
    first = panel.locator(".wf-group[data-variant='async'] .wf-event").first
    expect(first).to_be_visible()
    # Marked while the stream is still coming: a redrawn waterfall would lose the mark.
    first.evaluate("row => { row.dataset.seen = 'yes'; }")
    expect(panel.locator(".demo-status")).to_have_text(
        "Done: all 3 variants ran on this server.", timeout=30_000
    )
    expect(panel.locator(".wf-group[data-variant='async'] .wf-event")).to_have_count(4)
    expect(panel.locator(".wf-event[data-seen='yes']")).to_have_count(1)
