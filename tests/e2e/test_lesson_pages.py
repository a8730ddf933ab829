"""Lesson pages as a learner meets them: predictions before answers, the way through a track."""

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
