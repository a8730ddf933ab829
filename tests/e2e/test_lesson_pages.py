"""Lesson pages as a learner meets them: predictions before answers, the way through a track."""

import re

import pytest
from playwright.sync_api import Page, expect

from lessons.catalog import get_catalog
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e
LESSONS = sorted(get_catalog().lessons)

# True when the first quiz on the page comes before the Short answer's heading and its text.
QUIZ_FIRST = """() => {
  const quiz = document.querySelector("form[data-quiz]");
  const heading = document.getElementById("short-answer");
  const text = heading.nextElementSibling;
  const after = (node) =>
    Boolean(quiz.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING);
  return after(heading) && after(text);
}"""


@pytest.mark.parametrize("slug", LESSONS)
def test_first_quiz_comes_before_the_short_answer(page: Page, server: RunningServer, slug: str):
    page.goto(f"{server.url}/lessons/{slug}/")
    expect(page.locator("form[data-quiz]").first).to_be_visible()
    expect(page.locator("#short-answer")).to_contain_text("Short answer")
    assert page.evaluate(QUIZ_FIRST), f"{slug}: the Short answer comes before the first quiz"


def test_practice_recap_quotes_how_long_other_users_waited(page: Page, server: RunningServer):
    page.goto(f"{server.url}/lessons/blocking-the-event-loop/")
    panel = page.locator(".demo-panel[data-demo=blocking]")
    panel.get_by_role("button", name="Run", exact=True).click()
    expect(panel.locator(".demo-status")).to_have_text(
        "Done: all 3 variants ran on this server.", timeout=60_000
    )
    page.goto(f"{server.url}/practice/blocking-the-event-loop/")
    page.get_by_role("button", name=re.compile("Reveal")).click()
    recap = page.locator(".evidence")
    expect(recap).to_contain_text(
        re.compile(r"while async view calling time\.sleep \(wrong\) ran, other users waited up to")
    )
    expect(recap).not_to_contain_text("took")


def test_a_lesson_on_a_phone(browser, server: RunningServer):
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/lessons/async-views/")
        # The contents list starts folded, so the lesson starts on the first screen.
        contents = page.locator(".toc details")
        expect(contents).not_to_have_attribute("open", "")
        expect(page.get_by_role("link", name="Pro tip")).to_be_hidden()
        expect(page.locator(".lesson-position")).to_be_in_viewport()
        # Scrolled, the sticky header keeps at most 64 px of the screen.
        page.locator("#short-answer").scroll_into_view_if_needed()
        page.mouse.wheel(0, 600)
        header = page.locator(".site-header")
        expect(header.get_by_role("link", name="Practice")).to_be_in_viewport()
        visible = header.evaluate("node => node.getBoundingClientRect().bottom")
        assert 0 < visible <= 64, f"the header covers {visible} px"
        # The waterfall shows its whole time axis: its end is on the screen.
        panel = page.locator(".demo-panel[data-demo=fanout]")
        panel.scroll_into_view_if_needed()
        panel.get_by_role("button", name="Run", exact=True).click()
        expect(panel.locator(".demo-status")).to_have_text(
            "Done: all 3 variants ran on this server.", timeout=60_000
        )
        waterfall = panel.locator(".demo-waterfall")
        assert waterfall.evaluate("node => node.scrollWidth <= node.clientWidth")
        last_tick = waterfall.locator(".wf-tick").last
        last_tick.scroll_into_view_if_needed()
        expect(last_tick).to_be_in_viewport(ratio=1)
        sync_bars = waterfall.locator(".wf-group[data-variant='sync'] .wf-bar")
        expect(sync_bars.last).to_be_in_viewport(ratio=1)
    finally:
        context.close()


def test_contents_list_is_open_beside_the_lesson_on_a_wide_screen(page: Page, server):
    page.goto(f"{server.url}/lessons/async-views/")
    expect(page.locator(".toc details")).to_have_attribute("open", "")
    expect(page.get_by_role("link", name="Pro tip")).to_be_visible()
