"""The QuerySet-evaluation lesson read in Chromium: its demo run from the page, the figures
that answer the page's predictions shown in the panel."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_lessons_live import row, run
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e


def test_the_script_shows_which_line_sent_sql(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/queryset-evaluation/")
    panel = page.locator(".demo-panel[data-demo=querysets]")
    panel.locator("input[name=chunk_size]").fill("4")
    run(panel)
    expect(row(panel, "cache")).to_contain_text(re.compile(r"queries\s*3(?!\d)"))
    expect(row(panel, "cache")).to_contain_text("len(books)  → 0 queries")
    expect(row(panel, "triggers")).to_contain_text(re.compile(r"repr\(books\).*→ 1 query"))
    expect(row(panel, "check-then-loop")).to_contain_text(re.compile(r"queries\s*3(?!\d)"))
    expect(row(panel, "evaluate-once")).to_contain_text(re.compile(r"queries\s*1(?!\d)"))
    # 20 seeded authors in chunks of 4: one query for them, five prefetches.
    expect(row(panel, "iterator")).to_contain_text("iterator(chunk_size=4): ...  → 6 queries")
    expect(row(panel, "async")).to_contain_text("if books:  → SynchronousOnlyOperation")
    screenshot(page, "lesson-queryset-evaluation")
