"""Exercises in a real browser against the real server and its real sandboxes: run the starter,
edit it in the editor into a solution, run it again, and see the pass become progress."""

import pytest
from playwright.sync_api import Browser, Page, expect

from exercises.catalog import get_catalog
from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e

SLUG = "unblock-the-event-loop"
LESSON = "blocking-the-event-loop"


def editor_text(page: Page) -> str:
    return page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")


def test_fail_then_edit_in_the_editor_then_pass_and_progress(page: Page, server: RunningServer):
    total = len(get_catalog().exercises)
    page.goto(f"{server.url}/exercises/{SLUG}/")
    block = page.locator("exercise-block")
    expect(block).to_have_class("exercise is-live")
    expect(block.locator(".CodeMirror")).to_be_visible()  # the real editor, not the textarea
    expect(block.locator(".exercise-show-solution")).to_be_hidden()  # no attempt yet

    # The starter blocks the event loop: the checks fail and say so in figures.
    block.locator(".exercise-run").click()
    status = block.locator(".exercise-status")
    expect(status).to_contain_text("Failed", timeout=60_000)
    failed = block.locator(".exercise-test.is-fail")
    expect(failed.first).to_be_visible()
    expect(block.locator(".exercise-tests")).to_contain_text("the event loop was blocked")
    expect(block.locator(".exercise-standing")).to_have_text("tried")
    expect(block.locator(".exercise-show-solution")).to_be_visible()

    # Edit the starter in the editor, with the keyboard, into a solution.
    block.locator(".CodeMirror-code").click()
    keys = page.keyboard
    keys.press("Control+Home")
    keys.type("import asyncio\n")
    keys.press("Control+End")
    keys.press("ArrowUp")
    keys.press("ArrowUp")
    keys.press("End")
    keys.press("Shift+Home")
    keys.type("data = await asyncio.to_thread(build_report)")
    code = editor_text(page)
    assert code.startswith("import asyncio\nimport time\n")
    assert "    data = await asyncio.to_thread(build_report)\n    return JsonResponse" in code
    keys.press("Control+Enter")  # runs from inside the editor

    expect(status).to_contain_text("Passed", timeout=60_000)
    expect(block.locator(".exercise-test.is-pass")).to_have_count(4)
    expect(block.locator(".exercise-test.is-fail")).to_have_count(0)
    expect(block.locator(".exercise-standing")).to_have_text("passed")
    # The trace, drawn by the demos' waterfall: the three report requests on one axis.
    waterfall = block.locator(".exercise-waterfall")
    expect(waterfall.locator(".wf-axis")).to_contain_text("ms since the checks began")
    expect(waterfall.locator(".wf-bar.kind-request")).to_have_count(3)
    expect(waterfall.locator(".wf-probe-worst")).to_contain_text("other users waited up to")
    screenshot(page, "exercise-passed")

    # The draft survives a reload; Reset brings back the starter.
    page.reload()
    expect(block.locator(".exercise-status")).to_contain_text("Your last code is back")
    assert "asyncio.to_thread" in editor_text(page)

    # The pass is progress: on the lesson, the index and the practice page.
    page.goto(f"{server.url}/lessons/{LESSON}/")
    expect(page.locator(".lesson-header [data-exercise-badge='passed']")).to_have_text(
        "exercise passed"
    )
    expect(page.locator(f"#exercise-{SLUG} .exercise-standing")).to_have_text("passed")
    page.goto(f"{server.url}/practice/")
    expect(page.locator(".exercise-progress")).to_contain_text(f"Exercises passed: 1 of {total}")
    page.goto(f"{server.url}/exercises/")
    expect(page.locator(f"[data-exercise='{SLUG}']")).to_have_attribute("data-state", "passed")


def test_the_solution_after_a_confirm(page: Page, server: RunningServer):
    page.goto(f"{server.url}/exercises/n-plus-one/")
    block = page.locator("exercise-block")
    expect(block).to_have_class("exercise is-live")
    block.locator(".exercise-run").click()
    expect(block.locator(".exercise-status")).to_contain_text("Failed", timeout=60_000)
    expect(block.locator(".exercise-tests")).to_contain_text("ran 13 queries for 12 rows")
    # The queries behind a request are one click away in the waterfall.
    block.locator(".wf-sql-toggle").first.click()
    expect(block.locator(".wf-sql-item").first).to_be_visible()
    solution_only = 'select_related("author").order_by'
    assert solution_only not in page.content()  # not in the page until asked for
    block.locator(".exercise-show-solution").click()
    expect(block.locator(".exercise-confirm")).to_be_visible()
    block.locator(".exercise-confirm-no").click()
    expect(block.locator(".exercise-confirm")).to_be_hidden()
    block.locator(".exercise-show-solution").click()
    block.locator(".exercise-confirm-yes").click()
    expect(block.locator(".exercise-solution")).to_contain_text(solution_only)
    # Reset puts the starter back.
    block.locator(".exercise-reset").click()
    expect(block.locator(".exercise-status")).to_contain_text("The starter code is back")


@pytest.mark.parametrize(
    ("width", "scheme", "name"),
    [
        (1280, "dark", "exercise-dark"),
        (375, "light", "exercise-phone"),
        (375, "dark", "exercise-phone-dark"),
    ],
)
def test_readable_wide_narrow_and_dark(
    browser: Browser, server: RunningServer, width, scheme, name
):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{server.url}/lessons/async-views/")
    block = page.locator("#exercise-concurrent-dashboard")
    expect(block).to_have_class("exercise is-live")
    block.locator(".exercise-run").click()
    expect(block.locator(".exercise-status")).to_contain_text("Failed", timeout=60_000)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the screen"
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("document.querySelector('.site-header').style.position = 'static'")
    block.screenshot(path=str(ARTIFACTS / f"{name}.png"))  # the lesson page is long: the block
    context.close()


def test_the_keyboard_can_leave_the_editor(page: Page, server: RunningServer):
    page.goto(f"{server.url}/exercises/lost-update/")
    block = page.locator("exercise-block")
    expect(block).to_have_class("exercise is-live")
    block.locator(".CodeMirror-code").click()
    page.keyboard.press("Tab")  # indents: the focus stays
    assert editor_text(page) != get_catalog().exercises["lost-update"].starter
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")  # leaves
    focused = page.evaluate("document.activeElement.className")
    assert "exercise-run" in focused
