"""The signals lesson read in Chromium: its demo run from the page, the figures that answer the
page's predictions shown in the panel and the receivers drawn inside the save on the waterfall."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_lessons_live import row, run
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e


def test_receivers_and_bulk_operations_from_the_page(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/signals/")
    panel = page.locator(".demo-panel[data-demo=signals]")
    panel.locator("input[name=rows]").fill("4")
    panel.locator("input[name=receiver_ms]").fill("50")
    run(panel)
    expect(row(panel, "save")).to_contain_text("post_save: notify_crm(): thread")
    expect(row(panel, "failing")).to_contain_text(re.compile(r"atomic \(balance 2\)\s*false"))
    expect(row(panel, "email-in-receiver")).to_contain_text("balance 2")
    expect(row(panel, "email-on-commit")).not_to_contain_text("balance 2")
    bulk = row(panel, "bulk")
    expect(bulk).to_contain_text("bulk_create(4 accounts)  → no signals")
    expect(bulk).to_contain_text("pre_delete ×4, post_delete ×4; SQL: SELECT")
    # On the waterfall, the slow receiver is a row of its own in the save variant's group.
    group = panel.locator(".wf-group").first
    expect(group).to_contain_text("post_save: notify_crm()")
    screenshot(page, "lesson-signals")
