"""The background-work lesson in Chromium: its demo runs from the page and shows the thread's
race and the task that ran once, after the answer, in a db_worker process."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_lessons_live import row, run
from tests.servers import RunningServer


def test_the_thread_races_the_commit_and_the_task_waits_for_it(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/background-work/")
    panel = page.locator(".demo-panel[data-demo=background-work]")
    run(panel)
    thread = row(panel, "thread")
    expect(thread).to_contain_text(re.compile(r"saved_order_seen_by_its_thread\s*(false|no)"))
    expect(thread).to_contain_text(re.compile(r"thread_ran_for_the_rolled_back_order\s*(true|yes)"))
    queued = row(panel, "tasks-on-commit")
    expect(queued).to_contain_text(re.compile(r"tasks_enqueued\s*1(?!\d)"))
    expect(queued).to_contain_text(re.compile(r"saved_order_seen_by_the_task\s*(true|yes)"))
    expect(queued).to_contain_text("SUCCESSFUL")
    expect(panel).to_contain_text("the task runs: send_receipt()")  # its span on the waterfall
    panel.screenshot(path=str(ARTIFACTS / "lesson-background-work.png"))
    page.set_viewport_size({"width": 375, "height": 800})
    page.emulate_media(color_scheme="dark")
    panel.screenshot(path=str(ARTIFACTS / "lesson-background-work-phone-dark.png"))
