"""Every lesson read in Chromium with its demos run, checking the figures the page shows."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from lessons.catalog import get_catalog
from tests.e2e.conftest import screenshot
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e
RUN_TIMEOUT = 60_000


def run(panel: Locator) -> None:
    panel.scroll_into_view_if_needed()
    panel.get_by_role("button", name="Run", exact=True).click()
    count = panel.locator(".demo-variants li").count()  # those this database can show
    done = (
        "Done: the demo ran on this server."
        if count == 1
        else (f"Done: all {count} variants ran on this server.")
    )
    expect(panel.locator(".demo-status")).to_have_text(done, timeout=RUN_TIMEOUT)


def row(panel: Locator, variant: str) -> Locator:
    return panel.locator(f".demo-table tr[data-variant='{variant}']")


def test_flagship_lesson_top_to_bottom_with_every_demo(page: Page, server: RunningServer):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server.url + "/lessons/async-views/")
    panels = page.locator(".demo-panel")
    assert panels.count() == len(get_catalog().lessons["async-views"].demos)
    for index in range(panels.count()):
        run(panels.nth(index))
    fanout = page.locator(".demo-panel[data-demo=fanout]")
    expect(fanout.locator(".demo-speedup")).to_contain_text("faster than sync")
    blocking = page.locator(".demo-panel[data-demo=blocking]")
    expect(blocking.locator(".demo-probe-line")).to_contain_text(
        "Other users of this server waited"
    )
    screenshot(page, "flagship-lesson-every-demo-run")


@pytest.mark.parametrize(
    "slug",
    sorted(slug for slug, lesson in get_catalog().lessons.items() if lesson.demos),
)
def test_every_lesson_demo_runs_from_its_page(page: Page, server: RunningServer, slug: str):
    page.goto(f"{server.url}/lessons/{slug}/")
    panels = page.locator(".demo-panel")
    for index in range(panels.count()):
        panel = panels.nth(index)
        run(panel)
        expect(panel.locator(".demo-error")).to_be_hidden()


def test_locking_figures(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/select-for-update/")
    panel = page.locator(".demo-panel[data-demo=locking]").first
    for name, value in (("amount", "30"), ("hold_ms", "200")):
        panel.locator(f"input[name={name}]").fill(value)
    run(panel)
    expect(row(panel, "no-lock")).to_contain_text(re.compile(r"final_balance\s*70"))
    expect(row(panel, "select-for-update")).to_contain_text(re.compile(r"final_balance\s*40"))
    # The result that matters, said once per variant above the table.
    verdicts = panel.locator(".demo-verdicts")
    expect(verdicts.locator("li[data-variant='no-lock']")).to_contain_text(
        "Lost update: both withdrawals reported success, yet the balance is 70"
    )
    expect(verdicts.locator("li[data-variant='select-for-update']")).to_contain_text(
        "Both withdrawals applied: the balance is 40."
    )
    if not server.env["DATABASE_URL"].startswith("postgres"):
        # What SQLite cannot show is said once, and the variant that shows nothing more here
        # is left out.
        expect(panel.get_by_text("has no SELECT ... FOR UPDATE")).to_have_count(1)
        expect(panel.locator(".demo-variants li")).to_have_count(3)
        expect(row(panel, "skip-locked")).to_have_count(0)
    screenshot(page, "lesson-locking")


def test_queries_figures(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/query-optimisation/")
    panel = page.locator(".demo-panel[data-demo=queries]").first
    panel.locator("input[name=rows]").fill("10")
    run(panel)
    expect(row(panel, "naive")).to_contain_text(re.compile(r"queries\s*11(?!\d)"))
    expect(row(panel, "select-related")).to_contain_text(re.compile(r"queries\s*1(?!\d)"))
    expect(row(panel, "prefetch-related")).to_contain_text(re.compile(r"queries\s*2(?!\d)"))


def test_transactions_figures(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/transactions/")
    panel = page.locator(".demo-panel[data-demo=transactions]").first
    run(panel)
    expect(row(panel, "rollback")).to_contain_text(re.compile(r"rows_after_rollback\s*0"))
    expect(row(panel, "on-commit")).to_contain_text(re.compile(r"skipped_on_rollback\s*(true|yes)"))


def test_caching_figures(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/caching/")
    panel = page.locator(".demo-panel[data-demo=caching]").first
    run(panel)
    expect(row(panel, "guarded")).to_contain_text(re.compile(r"backend_hits\s*1(?!\d)"))
    unguarded = row(panel, "stampede").inner_text()
    hits = int(re.search(r"backend_hits\s*(\d+)", unguarded).group(1))
    assert hits > 1


def test_deployment_figures(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/deployment/")
    panel = page.locator(".demo-panel[data-demo=deployment]").first
    run(panel)
    expect(row(panel, "live")).to_contain_text("Daphne")
    screenshot(page, "lesson-deployment")
