import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.helpers import lesson_text, write_lesson
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e


def test_home_to_lesson_and_table_of_contents(page: Page, server: RunningServer):
    page.goto(server.url + "/")
    screenshot(page, "home")
    start_here = page.get_by_role("region", name="Start here")
    start_here.get_by_role("link", name="What are Django's asynchronous views (ASGI)?").click()
    expect(page).to_have_url(re.compile(r"/lessons/async-views/$"))
    expect(page.locator("h1")).to_have_text("What are Django's asynchronous views (ASGI)?")
    toc = page.get_by_role("complementary", name="On this page")
    toc.get_by_role("link", name="Pro tip").click()
    expect(page).to_have_url(re.compile(r"#pro-tip$"))
    expect(page.locator("#pro-tip")).to_be_in_viewport()
    screenshot(page, "lesson")


def test_quiz_answered_wrong_then_right(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/async-views/")
    quiz = page.locator("form[data-quiz]").first
    explanation = quiz.locator(".quiz-explanation")
    expect(explanation).to_be_hidden()
    quiz.get_by_label("async ≈ 900 ms, sync ≈ 900 ms").check()
    quiz.get_by_role("button", name="Check my answer").click()
    expect(quiz.locator(".quiz-verdict")).to_have_text("Not quite.")
    expect(explanation).to_be_visible()
    quiz.get_by_label("async ≈ 300 ms, sync ≈ 900 ms").check()
    quiz.get_by_role("button", name="Check my answer").click()
    expect(quiz.locator(".quiz-verdict")).to_have_text("Right.")
    expect(page).to_have_url(re.compile(r"/lessons/async-views/$"))  # no reload, no submit


def test_copy_button_copies_the_code(page: Page, context, server: RunningServer):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(server.url + "/lessons/async-views/")
    block = page.locator(".lesson-body .highlight").first
    block.hover()
    block.get_by_role("button", name="Copy code to clipboard").click()
    expect(block.locator(".copy-button")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("import asyncio")
    assert "asyncio.gather" in copied
    assert "Copy" not in copied.splitlines()[-1]


def test_dark_mode_toggle_is_remembered(page: Page, server: RunningServer):
    page.emulate_media(color_scheme="light")
    page.goto(server.url + "/")
    html = page.locator("html")
    expect(html).to_have_attribute("data-theme", "light")
    toggle = page.get_by_role("button", name="Dark mode")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(html).to_have_attribute("data-theme", "dark")
    # One way to say the state: pressed, under a label that stays the same.
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_text("Dark mode")
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    page.goto(server.url + "/lessons/async-views/")
    expect(html).to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(16, 20, 18)"
    screenshot(page, "lesson-dark")


def test_dark_mode_follows_the_system_until_chosen(page: Page, server: RunningServer):
    page.emulate_media(color_scheme="dark")
    page.goto(server.url + "/")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")


def test_search_finds_lesson_by_identifier(page: Page, server: RunningServer):
    page.goto(server.url + "/")
    page.keyboard.press("/")
    expect(page.locator("#search-input")).to_be_focused()
    page.keyboard.type("sync_to_async")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=sync_to_async"))
    # The lesson about sync_to_async ranks first; the flagship lesson mentions it too.
    results = page.locator(".search-result")
    expect(results.first.get_by_role("link")).to_contain_text("sync_to_async and async_to_sync")
    expect(results.first.locator("mark").first).to_have_text("sync_to_async")
    expect(
        page.get_by_role("link", name="What are Django's asynchronous views (ASGI)?")
    ).to_be_visible()


def test_keyboard_previous_and_next(page: Page, server: RunningServer):
    page.goto(server.url + "/lessons/async-views/")
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"/lessons/wsgi-vs-asgi/$"))
    page.wait_for_load_state()  # the shortcut handler is attached once scripts have run
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"/lessons/async-views/$"))
    page.wait_for_load_state()
    # Arrows typed into the search box stay there.
    page.locator("#search-input").focus()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"/lessons/async-views/$"))


def test_new_and_broken_files_without_restart(page: Page, server: RunningServer):
    write_lesson(
        server.lessons_dir / "async",
        "97-dropped-in.md",
        lesson_text("dropped-in", title="A lesson dropped in", order=97),
    )
    write_lesson(server.lessons_dir / "async", "96-broken.md", "---\ntitle: [oops\n---\n")
    page.goto(server.url + "/")
    expect(page.get_by_role("link", name="A lesson dropped in")).to_be_visible()
    track = page.get_by_role("region", name="Async Django and ASGI")
    expect(
        track.get_by_role("link", name="What are Django's asynchronous views (ASGI)?")
    ).to_be_visible()
    assert "lesson problem" in server.log() and "96-broken.md:2" in server.log()


def test_friendly_404(page: Page, server: RunningServer):
    response = page.goto(server.url + "/lessons/no-such-lesson/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("That page isn't here")


def test_readable_on_a_phone(browser, server: RunningServer):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(server.url + "/lessons/async-views/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the phone screen"
    screenshot(page, "lesson-phone")
    context.close()


def test_reaching_the_end_of_a_cached_lesson_marks_it_read(page: Page, server: RunningServer):
    """The page carries no CSRF token: the read is posted with the csrftoken cookie's."""
    page.goto(server.url + "/lessons/sync-to-async/")
    with page.expect_response(re.compile(r"/practice/api/read$")) as reply:
        page.locator(".pager").scroll_into_view_if_needed()
    assert reply.value.status == 200
    page.reload()
    expect(page.locator(".lesson-header .progress-badge").first).to_have_text("read")
