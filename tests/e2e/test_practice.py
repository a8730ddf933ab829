"""Practice in a real browser against the real server, with a clock the test can move."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import screenshot
from tests.servers import RunningServer, restart, start_daphne

pytestmark = pytest.mark.e2e


class Clock:
    """Moves the server's practice clock (PRACTICE_CLOCK_FILE) instead of waiting."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.set(0)

    def set(self, seconds: float) -> None:
        self.path.write_text(str(seconds))


@pytest.fixture(scope="module")
def practice_server(tmp_path_factory) -> Iterator[tuple[RunningServer, Clock]]:
    workdir = tmp_path_factory.mktemp("practice-server")
    clock = Clock(workdir / "clock")
    server = start_daphne(workdir, PRACTICE_CLOCK_FILE=str(clock.path))
    holder = {"server": server}
    yield holder, clock
    holder["server"].stop()


@pytest.fixture
def site(practice_server):
    holder, clock = practice_server
    clock.set(0)
    return holder, clock


def test_practise_with_the_keyboard_only_and_come_back_when_due(page: Page, site):
    holder, clock = site
    url = holder["server"].url
    page.goto(url + "/practice/async-orm/")
    timer = page.locator("[data-timer]")
    expect(timer).to_have_text(re.compile(r"^[12]:\d\d$"))
    expect(page.locator("[data-answer]")).to_be_focused()  # ready to type
    page.keyboard.type("Each a-method wraps the sync ORM in sync_to_async.")
    page.keyboard.press("Control+Enter")
    revealed = page.locator("[data-revealed]")
    expect(revealed).to_be_visible()
    expect(revealed.locator(".model-answer")).to_contain_text("sync_to_async")
    expect(revealed.locator(".checklist li")).to_have_count(6)
    page.keyboard.press("Space")  # ticks the focused first key point
    expect(revealed.locator("[data-point='0']")).to_be_checked()
    good = page.locator("[data-rating='3']")
    expect(good).to_contain_text("back in 10 min")
    screenshot(page, "practice-revealed")
    page.keyboard.press("3")
    expect(page.locator("[data-rated]")).to_have_text("Saved. This question comes back in 10 min.")
    page.goto(url + "/practice/")
    expect(page.locator("[data-queue='upcoming']")).to_contain_text("How does Django's async ORM")
    expect(page.locator("[data-queue='due']")).to_have_count(0)
    # Eleven minutes later (by the server's clock) it is due.
    clock.set(11 * 60)
    page.reload()
    due = page.locator("[data-queue='due']")
    expect(due).to_contain_text("How does Django's async ORM")
    screenshot(page, "practice-queue")
    page.locator("#start-review").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/practice/async-orm/\?queue=1$"))
    expect(page.locator("[data-practice][data-ready]")).to_be_attached()
    expect(page.locator("[data-answer]")).to_be_focused()
    page.keyboard.press("Escape")  # rehearsed aloud: leave the box
    page.keyboard.press("Space")
    expect(page.locator("[data-revealed]")).to_be_visible()
    page.keyboard.press("4")
    expect(page.locator("[data-rated]")).to_contain_text("comes back in")


def test_rating_easy_shows_the_same_schedule_on_the_queue_page(page: Page, site):
    holder, _ = site
    url = holder["server"].url
    page.goto(url + "/practice/async-views/")
    page.get_by_role("button", name=re.compile("Reveal")).click()
    easy = page.locator("[data-rating='4'] .comes-back")
    promised = easy.inner_text().removeprefix("back in ")
    assert promised.endswith("days")
    page.locator("[data-rating='4']").click()
    expect(page.locator("[data-rated]")).to_have_text(
        f"Saved. This question comes back in {promised}."
    )
    page.goto(url + "/practice/")
    entry = page.locator("[data-queue='upcoming'] li", has_text="asynchronous views")
    expect(entry).to_contain_text(f"in {promised}")
    body = page.locator("main").inner_text()
    assert f"The next question comes back in {promised}." in body
    assert "0 minutes" not in body


def test_reveal_goes_away_and_a_mis_clicked_rating_can_be_changed(page: Page, site):
    holder, _ = site
    server = holder["server"]
    page.goto(server.url + "/practice/wsgi-vs-asgi/")
    reveal = page.get_by_role("button", name=re.compile("Reveal"))
    reveal.click()
    expect(reveal).to_be_hidden()
    again, easy = page.locator("[data-rating='1']"), page.locator("[data-rating='4']")
    easy_in = easy.locator(".comes-back").inner_text().removeprefix("back in ")
    again.click()
    expect(page.locator("[data-rated]")).to_contain_text("Saved.")
    expect(again).to_have_attribute("aria-pressed", "true")
    easy.click()
    expect(page.locator("[data-rated]")).to_have_text(
        f"Changed to Easy. This question comes back in {easy_in}."
    )
    expect(easy).to_have_attribute("aria-pressed", "true")
    expect(again).to_have_attribute("aria-pressed", "false")
    rows = server.query(
        "SELECT r.rating, r.due_after, p.due, p.reviews FROM practice_review r "
        "JOIN practice_progress p ON p.learner_id = r.learner_id AND p.lesson = r.lesson "
        "WHERE r.lesson = 'wsgi-vs-asgi'"
    )
    assert len(rows) == 1
    rating, due_after, due, reviews = rows[0]
    assert (rating, reviews) == (4, 1)
    assert str(due_after) == str(due)
    page.goto(server.url + "/practice/")
    entry = page.locator("[data-queue='upcoming'] li", has_text="WSGI")
    expect(entry).to_contain_text(f"in {easy_in}")


def test_a_prediction_is_recorded_and_a_wrong_one_brings_the_question_forward(page: Page, site):
    holder, _ = site
    server = holder["server"]
    page.goto(server.url + "/lessons/async-views/")
    quiz = page.locator("form[data-quiz]").first
    quiz.get_by_label("async ≈ 900 ms, sync ≈ 900 ms").check()
    quiz.get_by_role("button", name="Check my answer").click()
    expect(quiz.locator(".quiz-verdict")).to_have_text("Not quite.")
    expect(quiz.locator(".quiz-recorded")).to_have_text(
        "Kept in your practice record (predicted right 0 of 1): this question is now due "
        "for review."
    )
    # Answering again, after the explanation, does not change the prediction.
    quiz.get_by_label("async ≈ 300 ms, sync ≈ 900 ms").check()
    quiz.get_by_role("button", name="Check my answer").click()
    expect(quiz.locator(".quiz-verdict")).to_have_text("Right.")
    expect(quiz.locator(".quiz-recorded")).to_have_count(1)
    page.goto(server.url + "/practice/")
    expect(page.locator("[data-predictions]")).to_contain_text("Predicted right 0 of 1")
    due = page.locator("[data-queue='due'] li", has_text="asynchronous views")
    expect(due).to_contain_text("your prediction missed")
    # Back on the lesson another day, the first answer still stands.
    page.goto(server.url + "/lessons/async-views/")
    quiz = page.locator("form[data-quiz]").first
    quiz.get_by_label("async ≈ 300 ms, sync ≈ 900 ms").check()
    quiz.get_by_role("button", name="Check my answer").click()
    expect(quiz.locator(".quiz-recorded")).to_have_text(
        "Your first answer to this quiz stays your prediction: predicted right 0 of 1."
    )


def test_mock_interview_of_three_questions(page: Page, site):
    holder, _ = site
    page.goto(holder["server"].url + "/practice/")
    page.locator("select[name=track]").select_option("async")
    page.locator("input[name=n]").fill("3")
    page.get_by_role("button", name="Start the mock interview").click()
    expect(page.locator("[data-practice][data-ready]")).to_be_attached()  # scripts have run
    expect(page.locator("[data-mock-progress]")).to_have_text("Question 1 of 3")
    for number, rating in enumerate(("1", "3", "4"), start=1):
        question = page.locator("[data-mock-question]:visible")
        expect(page.locator("[data-mock-progress]")).to_have_text(f"Question {number} of 3")
        question.locator("[data-answer]").fill(f"answer {number}")
        question.get_by_role("button", name=re.compile("Reveal")).click()
        question.locator(f"[data-rating='{rating}']").click()
        if number < 3:
            expect(page.locator("[data-mock-progress]")).to_have_text(f"Question {number + 1} of 3")
    summary = page.locator("[data-mock-summary]")
    expect(summary).to_be_visible()
    expect(summary.locator("tbody tr")).to_have_count(3)
    expect(summary.locator("[data-summary-advice]")).to_contain_text("Review first:")
    screenshot(page, "practice-mock-summary")


def test_progress_survives_a_restart_and_moves_by_export_import(
    browser: Browser, site, tmp_path: Path
):
    holder, _ = site
    context = browser.new_context()
    page = context.new_page()
    url = holder["server"].url
    page.goto(url + "/practice/blocking-the-event-loop/")
    page.get_by_role("button", name=re.compile("Reveal")).click()
    page.locator("[data-rating='3']").click()
    expect(page.locator("[data-rated]")).to_contain_text("Saved.")
    holder["server"] = restart(holder["server"])
    url = holder["server"].url
    page.goto(url + "/practice/")
    expect(page.locator("[data-queue='upcoming']")).to_contain_text("What blocks the event loop")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export progress (JSON)").click()
    exported = tmp_path / "progress.json"
    download.value.save_as(exported)
    data = json.loads(exported.read_text())
    assert [p["lesson"] for p in data["progress"]] == ["blocking-the-event-loop"]
    context.close()

    fresh = browser.new_context()
    other = fresh.new_page()
    other.goto(url + "/practice/")
    expect(other.locator("[data-queue='upcoming']")).to_have_count(0)
    other.locator("input[type=file]").set_input_files(str(exported))
    other.get_by_role("button", name="Import", exact=True).click()
    expect(other.locator(".flash")).to_contain_text("Imported 1 lessons, 1 reviews")
    expect(other.locator("[data-queue='upcoming']")).to_contain_text("What blocks the event loop")
    fresh.close()


def test_signing_up_keeps_the_anonymous_progress(browser: Browser, site):
    holder, _ = site
    context = browser.new_context()
    page = context.new_page()
    url = holder["server"].url
    page.goto(url + "/practice/streaming-and-disconnects/")
    page.get_by_role("button", name=re.compile("Reveal")).click()
    page.locator("[data-rating='2']").click()
    expect(page.locator("[data-rated]")).to_contain_text("Saved.")
    page.goto(url + "/accounts/signup/")
    page.get_by_label("Username").fill("learner1")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a-long-pass-phrase-9")
    page.get_by_label("Password confirmation").fill("a-long-pass-phrase-9")
    page.get_by_role("button", name="Create the account").click()
    expect(page).to_have_url(re.compile(r"/practice/$"))
    expect(page.locator(".account")).to_contain_text("Signed in as learner1")
    expect(page.locator("[data-queue='upcoming']")).to_contain_text("Streaming responses")
    page.get_by_role("button", name="Log out").click()
    # Another browser, logging in, finds the same progress.
    context.close()
    other_context = browser.new_context()
    other = other_context.new_page()
    other.goto(url + "/accounts/login/")
    other.get_by_label("Username").fill("learner1")
    other.get_by_label("Password").fill("a-long-pass-phrase-9")
    other.get_by_role("button", name="Log in").click()
    expect(other.locator("[data-queue='upcoming']")).to_contain_text("Streaming responses")
    other_context.close()
