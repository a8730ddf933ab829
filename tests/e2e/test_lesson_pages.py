"""Lesson pages as a learner meets them: predictions before answers, the way through a track."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from lessons.catalog import get_catalog
from tests.servers import RunningServer, start_daphne

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


# The WCAG contrast ratio of an element's text colour on its background colour.
CONTRAST = """(node) => {
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const style = getComputedStyle(node);
  const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_copy_buttons_are_readable(page: Page, server: RunningServer, theme: str):
    page.emulate_media(color_scheme=theme)
    page.goto(f"{server.url}/lessons/async-views/")
    button = page.locator(".lesson-body .highlight .copy-button").first
    expect(button).to_be_attached()
    assert button.evaluate(CONTRAST) >= 4.5


def test_code_that_scrolls_sideways_can_be_reached_by_keyboard(browser, server: RunningServer):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{server.url}/lessons/async-views/")
        blocks = page.locator(".lesson-body .highlight pre")
        # The blocks are measured once laid out, all in one go.
        expect(page.locator(".lesson-body .highlight pre[tabindex='0']").first).to_be_attached()
        wide = blocks.evaluate_all(
            "nodes => nodes.map((n) => [n.scrollWidth > n.clientWidth, n.tabIndex,"
            " n.getAttribute('aria-label')])"
        )
        scrolling = [block for block in wide if block[0]]
        assert scrolling, "no code block scrolls sideways on a phone: the test shows nothing"
        assert all(tab == 0 and label == "Code, scrolls sideways" for _, tab, label in scrolling)
        assert all(tab == -1 for scrolls, tab, _ in wide if not scrolls)
        first = page.locator(".lesson-body .highlight pre[tabindex='0']").first
        first.focus()
        page.keyboard.press("ArrowRight")
        expect(first).to_be_focused()
        # The scroll may be animated: wait until it has moved (or time out).
        page.wait_for_function("node => node.scrollLeft > 0", arg=first.element_handle())
    finally:
        context.close()


def test_only_the_code_colours_in_use_hold_up_the_page(page: Page, server: RunningServer):
    page.emulate_media(color_scheme="light")
    page.goto(f"{server.url}/lessons/async-views/")
    light = page.locator("link[data-code-theme=light]")
    dark = page.locator("link[data-code-theme=dark]")
    expect(light).to_have_attribute("media", "all")
    expect(dark).to_have_attribute("media", "(prefers-color-scheme: dark)")
    page.locator("#theme-toggle").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(dark).to_have_attribute("media", "all")
    code = page.locator(".lesson-body .highlight").first
    expect(code).to_have_css("background-color", "rgb(13, 17, 23)")  # github-dark


@pytest.fixture(scope="module")
def kept_pages_server(tmp_path_factory) -> Iterator[RunningServer]:
    """Lesson files read once, as in production: pages are kept whole for readers and for
    learners who aren't signed in."""
    server = start_daphne(tmp_path_factory.mktemp("kept-pages"), DJANGO_LESSONS_RELOAD="0")
    yield server
    server.stop()


def test_a_learners_own_part_arrives_on_the_kept_page(browser, kept_pages_server: RunningServer):
    lesson = f"{kept_pages_server.url}/lessons/async-views/"
    newcomer = browser.new_page()
    newcomer.goto(lesson)  # the first reader without a session: the page is kept
    newcomer.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(lesson)
        expect(page.locator("article[data-yours]")).to_have_count(0)
        with page.expect_response("**/practice/api/read"):
            page.locator(".pager").scroll_into_view_if_needed()
        block = page.locator("exercise-block").first
        block.get_by_role("button", name="Run").click()
        expect(block.locator(".exercise-verdict-word")).to_be_visible(timeout=30_000)

        page.reload()  # now a learner with a session: the kept page, and their part separately
        article = page.locator("article[data-yours]")
        expect(article).to_have_attribute("data-yours-arrived", "true")
        expect(page.locator(".learner-badges")).to_contain_text("read")
        expect(block.locator(".exercise-standing")).to_have_text("tried")
        expect(block.get_by_role("button", name="Show a solution")).to_be_visible()
        expect(page.locator(".account-link")).to_have_text("Log in")
    finally:
        context.close()
