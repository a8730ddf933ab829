"""The zero-downtime migrations lesson read in Chromium: its demo run from the page, who waited
for each operation, and what this server's database can and cannot show."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_lessons_live import row, run
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e


def test_the_demo_shows_who_waited_for_each_operation(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/migrations-without-downtime/")
    panel = page.locator(".demo-panel[data-demo=migration-locks]")
    panel.locator("input[name=rows]").fill("2000")
    run(panel)
    verdicts = panel.locator(".demo-verdicts")
    # CREATE INDEX lets the read through and makes the write wait, on both databases.
    expect(verdicts.locator("li[data-variant='add-index']")).to_contain_text(
        "The write waited for the migration to commit"
    )
    expect(row(panel, "add-default")).to_contain_text(re.compile(r"table_rewritten\s*(true|false)"))
    if server.env["DATABASE_URL"].startswith("postgres"):
        expect(row(panel, "add-nullable")).to_contain_text("AccessExclusiveLock")
        expect(verdicts.locator("li[data-variant='add-index-concurrently']")).to_contain_text(
            "Neither the read nor the write waited"
        )
        expect(panel.locator(".demo-variants li")).to_have_count(6)
    else:
        # SQLite rebuilds the table for a default, reads on through WAL, and says what it
        # cannot show; the PostgreSQL-only variants are left out.
        expect(row(panel, "add-default")).to_contain_text(re.compile(r"table_rewritten\s*true"))
        expect(row(panel, "add-nullable")).to_contain_text(re.compile(r"table_rewritten\s*false"))
        expect(verdicts.locator("li[data-variant='add-nullable']")).to_contain_text(
            "The write waited"
        )
        expect(panel.get_by_text("there are no table locks to read")).to_have_count(1)
        expect(panel.locator(".demo-variants li")).to_have_count(3)
        expect(row(panel, "add-index-concurrently")).to_have_count(0)
    screenshot(page, "lesson-migrations")
