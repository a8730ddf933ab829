"""The web-security lesson in Chromium: its three demos run from the page, show the figures
the quizzes predicted, and the hostile markup they report stays text in the learner's page."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_lessons_live import row, run
from tests.servers import RunningServer


def test_the_attacks_show_their_figures_and_nothing_runs_in_the_page(
    page: Page, server: RunningServer
):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server.url + "/lessons/web-security/")

    sql = page.locator(".demo-panel[data-demo=sql-injection]")
    run(sql)
    expect(row(sql, "f-string")).to_contain_text(re.compile(r"rows_returned\s*3(?!\d)"))
    expect(row(sql, "params")).to_contain_text(re.compile(r"rows_returned\s*0(?!\d)"))

    xss = page.locator(".demo-panel[data-demo=xss]")
    run(xss)
    expect(row(xss, "safe-filter")).to_contain_text(re.compile(r"script_elements\s*1"))
    expect(row(xss, "autoescape")).to_contain_text(re.compile(r"script_elements\s*0"))
    expect(row(xss, "javascript-url")).to_contain_text(re.compile(r"javascript_links\s*1"))
    # The page the |safe variant rendered is shown as text: its <script> is visible, not run.
    expect(row(xss, "safe-filter")).to_contain_text('<script>alert("stolen: "')

    csrf = page.locator(".demo-panel[data-demo=csrf]")
    run(csrf)
    expect(row(csrf, "protected")).to_contain_text("403 Origin checking failed")
    expect(row(csrf, "protected")).to_contain_text("403 CSRF token missing.")
    expect(row(csrf, "csrf-exempt")).to_contain_text(
        re.compile(r"transfers_made\s*landlord, attacker, attacker")
    )

    assert page.locator(".demo-panel script").count() == 0
    assert dialogs == []
    xss.screenshot(path=str(ARTIFACTS / "lesson-web-security-xss.png"))
    page.set_viewport_size({"width": 375, "height": 800})
    page.emulate_media(color_scheme="dark")
    csrf.scroll_into_view_if_needed()
    csrf.screenshot(path=str(ARTIFACTS / "lesson-web-security-csrf-phone-dark.png"))
