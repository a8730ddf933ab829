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


def start_mock(page: Page, url: str, count: int, at_end: bool = False) -> list[str]:
    page.goto(url + "/practice/")
    page.locator("select[name=track]").select_option("async")
    page.locator("input[name=n]").fill(str(count))
    if at_end:
        page.get_by_label(re.compile("Model answers only at the end")).check()
    page.get_by_role("button", name="Start the mock interview").click()
    expect(page.locator("[data-practice][data-ready]")).to_be_attached()  # scripts have run
    return page.locator("[data-rehearsal]").evaluate_all("all => all.map(r => r.dataset.lesson)")


def reload_past_the_warning(page: Page) -> None:
    """Reload, answering the "leave this page?" warning the interview must ask first."""
    asked: list[str] = []

    def leave(dialog) -> None:
        asked.append(dialog.type)
        dialog.accept()

    page.once("dialog", leave)
    page.reload()
    expect(page.locator("[data-practice][data-ready]")).to_be_attached()
    assert asked == ["beforeunload"]


def test_a_mock_interview_survives_a_reload_with_skip_and_summary(page: Page, site):
    holder, _ = site
    drawn = start_mock(page, holder["server"].url, 3)
    progress = page.locator("[data-mock-progress]")
    expect(progress).to_have_text("Question 1 of 3")
    question = page.locator("[data-mock-question]:visible")
    question.locator("[data-answer]").fill("answer 1")
    question.get_by_role("button", name=re.compile("Reveal")).click()
    question.locator("[data-point='0']").check()
    question.locator("[data-rating='1']").click()
    expect(question.locator("[data-rated]")).to_contain_text("Saved.")
    next_button = page.locator("[data-mock-next]")
    expect(next_button).to_be_focused()
    reload_past_the_warning(page)
    # The same interview: the same questions, the rating kept, still changeable.
    assert (
        page.locator("[data-rehearsal]").evaluate_all("all => all.map(r => r.dataset.lesson)")
        == drawn
    )
    expect(progress).to_have_text("Question 1 of 3")
    question = page.locator("[data-mock-question]:visible")
    expect(question.locator("[data-rating='1']")).to_have_attribute("aria-pressed", "true")
    question.locator("[data-rating='2']").click()
    expect(question.locator("[data-rated]")).to_contain_text("Changed to Hard.")
    next_button.click()
    expect(progress).to_have_text("Question 2 of 3")
    page.locator("[data-mock-question]:visible [data-answer]").fill("a draft, half done")
    reload_past_the_warning(page)
    expect(progress).to_have_text("Question 2 of 3")
    question = page.locator("[data-mock-question]:visible")
    expect(question.locator("[data-answer]")).to_have_value("a draft, half done")
    expect(question.locator("[data-draft-note]")).to_be_visible()
    page.get_by_role("button", name="Skip this question").click()
    expect(progress).to_have_text("Question 3 of 3")
    question = page.locator("[data-mock-question]:visible")
    question.get_by_role("button", name=re.compile("Reveal")).click()
    question.locator("[data-rating='4']").click()
    expect(next_button).to_have_text("See the summary")
    next_button.click()
    summary = page.locator("[data-mock-summary]")
    expect(summary).to_be_visible()
    rows = summary.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Hard")
    expect(rows.nth(0).locator("td").nth(1)).to_have_text(re.compile(r"^1 of \d+$"))
    expect(rows.nth(1)).to_contain_text("skipped")
    expect(rows.nth(2)).to_contain_text("Easy")
    expect(rows.nth(1).get_by_role("link")).to_have_attribute("href", f"/practice/{drawn[1]}/")
    expect(summary.locator("[data-summary-advice]")).to_contain_text("Review first:")
    screenshot(page, "practice-mock-summary")
    # A finished interview asks nothing on leaving, and a reload shows its summary.
    page.reload()
    expect(page.locator("[data-mock-summary]")).to_be_visible()
    expect(page.locator("[data-mock-summary] tbody tr")).to_have_count(3)


def test_a_mock_with_model_answers_at_the_end_and_ended_early(page: Page, site):
    holder, _ = site
    start_mock(page, holder["server"].url, 3, at_end=True)
    progress = page.locator("[data-mock-progress]")
    for number in (1, 2):
        question = page.locator("[data-mock-question]:visible")
        expect(progress).to_have_text(f"Question {number} of 3")
        expect(question.get_by_role("button", name=re.compile("Reveal"))).to_be_hidden()
        question.locator("[data-answer]").fill(f"answer {number}")
        page.keyboard.press("Escape")
        page.keyboard.press("Space")  # reveals nothing: the answers come at the end
        expect(question.locator("[data-revealed]")).to_be_hidden()
        page.get_by_role(
            "button", name=re.compile("^(Next question|On to the model answers)$")
        ).click()
    page.get_by_role("button", name="Skip this question").click()  # the third, unanswered
    expect(progress).to_have_text("Model answers: question 1 of 3")
    question = page.locator("[data-mock-question]:visible")
    expect(question.locator("[data-answer]")).to_have_value("answer 1")
    expect(question.locator(".model-answer")).to_be_visible()
    question.locator("[data-rating='3']").click()
    page.get_by_role("button", name="Next question").click()
    expect(progress).to_have_text("Model answers: question 2 of 3")
    page.get_by_role("button", name="End the interview now").click()
    rows = page.locator("[data-mock-summary] tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Good")
    expect(rows.nth(1)).to_contain_text("not reached")
    expect(rows.nth(2)).to_contain_text("skipped")
    expect(progress).to_have_text("Done: 1 of 3 questions rated.")


def test_the_clock_starts_on_start_says_times_up_and_keeps_the_answers_time(page: Page, site):
    holder, _ = site
    server = holder["server"]
    page.clock.install()
    page.goto(server.url + "/practice/caching/")
    timer = page.locator("[data-timer]")
    expect(timer).to_have_text("2:00")
    page.clock.fast_forward(20_000)
    expect(timer).to_have_text("2:00")  # not started: nothing counts
    page.get_by_role("button", name="Start the clock").click()
    page.clock.fast_forward(70_000)
    expect(timer).to_have_text("0:50")
    expect(page.locator("[data-time-up]")).to_have_text("")
    page.locator("[data-timer-length]").select_option("60")  # shorter: time is up already
    expect(timer).to_have_text("-0:10")
    expect(page.locator("[data-time-up]")).to_have_text(
        "Time's up. Finish your sentence, then reveal the model answer."
    )
    page.locator("[data-timer-length]").select_option("180")
    expect(timer).to_have_text("1:50")
    expect(page.locator("[data-time-up]")).to_have_text("")
    page.clock.fast_forward(5_000)
    page.get_by_role("button", name=re.compile("Reveal")).click()
    page.locator("[data-rating='3']").click()
    expect(page.locator("[data-rated]")).to_contain_text("Saved.")
    [(duration,)] = server.query("SELECT duration_ms FROM practice_review WHERE lesson = 'caching'")
    assert 70_000 <= duration < 80_000  # from Start to Reveal, whatever the length did


def test_an_answer_typed_before_a_reload_is_still_there(page: Page, site):
    holder, _ = site
    url = holder["server"].url + "/practice/transactions/"
    page.goto(url)
    timer = page.locator("[data-timer]")
    page.locator("[data-answer]").press_sequentially("atomic() opens")
    expect(page.get_by_role("button", name="Start the clock")).to_be_hidden()  # typing started it
    expect(timer).not_to_have_text("2:00")
    page.reload()
    expect(page.locator("[data-answer]")).to_have_value("atomic() opens")
    expect(page.locator("[data-draft-note]")).to_be_visible()
    page.get_by_role("button", name=re.compile("Reveal")).click()
    page.locator("[data-rating='3']").click()
    expect(page.locator("[data-rated]")).to_contain_text("Saved.")
    page.reload()  # rated: the draft went with the review
    expect(page.locator("[data-answer]")).to_have_value("")


def test_touch_screens_show_no_keyboard_hints(browser: Browser, site):
    holder, _ = site
    context = browser.new_context(
        has_touch=True, is_mobile=True, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    page.goto(holder["server"].url + "/practice/async-views/")
    expect(page.locator(".keys")).to_be_hidden()
    expect(page.locator("[data-reveal] kbd")).to_be_hidden()
    expect(page.locator("[data-answer]")).to_have_attribute(
        "placeholder", re.compile("^(?!.*Ctrl)")
    )
    context.close()
    desktop = browser.new_context()
    page = desktop.new_page()
    page.goto(holder["server"].url + "/practice/async-views/")
    expect(page.locator(".keys")).to_be_visible()
    desktop.close()


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
    expect(page.locator(".site-header .account-link")).to_have_text("Signed in as learner1")
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


def test_sign_up_errors_look_like_errors_next_to_the_password_rules(page: Page, site):
    holder, _ = site
    page.goto(holder["server"].url + "/accounts/signup/")
    expect(page.locator(".site-header .account-link")).to_have_text("Log in")
    expect(page.get_by_text("Your password must contain at least 8 characters.")).to_be_visible()
    page.get_by_label("Username").fill("learner2")
    page.get_by_label(re.compile(r"^Password:?$")).fill("12345678")
    page.get_by_label("Password confirmation").fill("12345678")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_role("alert")).to_contain_text("The account was not created")
    error = page.locator(".errorlist").first
    expect(error).to_contain_text("This password is too common.")
    help_colour = page.locator(".helptext").first.evaluate("e => getComputedStyle(e).color")
    error_colour = error.evaluate("e => getComputedStyle(e).color")
    assert error_colour != help_colour  # not the muted grey of the help text
    expect(page.get_by_label("Password confirmation")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "signup-errors")


def test_the_header_links_are_apart(page: Page, site):
    holder, _ = site
    page.goto(holder["server"].url + "/")
    nav = page.get_by_role("navigation", name="Site")
    practice = nav.get_by_role("link", name="Practice").bounding_box()
    playground = nav.get_by_role("link", name="Playground").bounding_box()
    assert playground["x"] - (practice["x"] + practice["width"]) >= 12  # px: a gap, not a space


def test_a_bad_import_file_is_explained_and_progress_kept(page: Page, site, tmp_path: Path):
    holder, _ = site
    url = holder["server"].url
    page.goto(url + "/practice/deployment/")
    page.get_by_role("button", name=re.compile("Reveal")).click()
    page.locator("[data-rating='3']").click()
    expect(page.locator("[data-rated]")).to_contain_text("Saved.")
    broken = tmp_path / "progress.json"
    cut_short = '{"format": "interview-lab-progress", "version": 1, "progress": ['
    broken.write_text(cut_short)
    page.goto(url + "/practice/")
    page.locator("input[type=file]").set_input_files(str(broken))
    page.get_by_role("button", name="Import", exact=True).click()
    flash = page.locator(".flash-error")
    expect(flash).to_have_text(
        "Could not import: the file is not JSON: it stops making sense at line 1, column "
        f"{len(cut_short) + 1} (was it cut short or edited?). Your progress is unchanged."
    )
    expect(page.locator("[data-queue='upcoming']")).to_contain_text("deploy")
