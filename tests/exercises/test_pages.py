"""The exercise pages, the blocks in lessons, the solution's gate and the learner's progress."""

import json
import re

import pytest
from django.test import Client

from exercises.catalog import get_catalog
from exercises.pool import SandboxPool
from practice.learners import SESSION_KEY
from practice.models import ExerciseResult, Learner

TOKEN = "a" * 32
pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(settings) -> Client:
    settings.EXERCISES_RATE_LIMIT = 10_000
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    client.cookies["csrftoken"] = TOKEN
    return client


def run(client: Client, slug: str, code: str):
    return client.post(
        f"/exercises/api/{slug}/run",
        json.dumps({"code": code}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=TOKEN,
    )


def learner_of(client: Client) -> Learner:
    return Learner.objects.get(pk=client.session[SESSION_KEY])


def passed_by(client: Client, slug: str) -> None:
    """Record a pass for this client's learner without a sandbox."""
    from practice import progress

    learner = Learner.objects.create()
    session = client.session
    session[SESSION_KEY] = str(learner.pk)
    session.save()
    exercise = get_catalog().exercises[slug]
    progress.record_exercise_run(learner, exercise=slug, lesson=exercise.lesson, status="pass")


def test_the_index_lists_every_exercise_by_track(client):
    html = client.get("/exercises/").content.decode()
    for exercise in get_catalog().exercises.values():
        assert f'href="/exercises/{exercise.slug}/"' in html
    assert '<h2 id="track-async">' in html and '<h2 id="track-database">' in html
    assert 'href="/exercises/"' in client.get("/").content.decode()  # the nav link


def test_an_exercise_page_has_the_task_the_starter_and_no_answers(client):
    exercise = get_catalog().exercises["lost-update"]
    response = client.get("/exercises/lost-update/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<exercise-block class="exercise" id="exercise-lost-update"' in html
    assert 'data-run-url="/exercises/api/lost-update/run"' in html
    assert 'data-solution-url="/exercises/api/lost-update/solution"' in html
    assert 'data-attempted="false"' in html
    assert "await account.asave(update_fields=[&quot;balance&quot;])" in html  # the starter
    for check in exercise.checks:
        assert check.name in html
    for secret in ("aupdate(", "async def scenario", "def check_nothing_lost"):
        assert secret not in html
    assert "vendor/codemirror/codemirror.js" in html
    assert client.get("/exercises/no-such-thing/").status_code == 404


def test_a_lesson_embeds_its_exercises_and_only_its_own(client):
    html = client.get("/lessons/select-for-update/").content.decode()
    assert html.count("<exercise-block") == 1 and 'id="exercise-lost-update"' in html
    assert 'id="exercises"' in html and "js/exercise/block.js" in html
    assert 'data-exercise-badge="new"' in html
    lessons_with = {e.lesson for e in get_catalog().exercises.values()}
    from lessons.catalog import get_catalog as lessons

    without = next(slug for slug in lessons().lessons if slug not in lessons_with)
    assert "<exercise-block" not in client.get(f"/lessons/{without}/").content.decode()


def test_without_a_sandbox_the_page_says_so_and_has_no_run_button(client, settings, tmp_path):
    settings.EXERCISES_SANDBOX_VENV = tmp_path / "no-venv"
    html = client.get("/exercises/lost-update/").content.decode()
    assert "Exercises cannot run on this server: the sandbox&#x27;s Python environment" in html
    assert "exercise-run" not in html and "Show a solution" not in html
    assert 'data-unavailable="true"' in html


def test_the_solution_opens_only_after_this_learner_tried(browser, client):
    url = "/exercises/api/lost-update/solution"
    refused = browser.get(url)
    assert refused.status_code == 403 and "at least once" in refused.json()["error"]
    assert not Learner.objects.exists()  # asking creates nobody
    starter = get_catalog().exercises["lost-update"].starter
    assert run(browser, "lost-update", starter).json()["status"] == "fail"
    answer = browser.get(url)
    assert answer.status_code == 200 and answer["Cache-Control"].startswith("max-age=0")
    assert answer.json()["solution"] == get_catalog().exercises["lost-update"].solution
    assert client.get(url).status_code == 403  # another learner has not tried
    result = ExerciseResult.objects.get(learner=learner_of(browser))
    assert (result.attempts, result.passes, result.last_status) == (1, 0, "fail")
    assert 'data-attempted="true"' in browser.get("/exercises/lost-update/").content.decode()


def test_a_refused_run_is_no_attempt(browser):
    response = run(browser, "lost-update", "x" * 30_000)
    assert response.status_code == 400
    assert not ExerciseResult.objects.exists()


def test_a_pass_is_progress_on_the_lesson_the_index_and_practice(client):
    passed_by(client, "lost-update")
    total = len(get_catalog().exercises)
    lesson = client.get("/lessons/select-for-update/").content.decode()
    assert 'data-exercise-badge="passed"' in lesson and "exercise passed" in lesson
    assert '<span class="exercise-state is-passed">passed</span>' in lesson
    index = client.get("/exercises/").content.decode()
    assert 'data-exercise="lost-update" data-state="passed"' in index
    assert f"You have passed <strong>1</strong> of {total}." in index
    practice = client.get("/practice/").content.decode()
    assert f"Exercises passed: <strong>1</strong> of {total}." in practice
    assert re.search(r'data-lesson="select-for-update">.*?1 of 1 passed', practice, re.S)
    detail = client.get("/exercises/api/lost-update").json()
    assert detail["attempted"] is True and detail["passed"] is True


def test_exercise_results_survive_export_and_import(client):
    passed_by(client, "lost-update")
    exported = client.get("/practice/export.json").json()
    assert [e["exercise"] for e in exported["exercises"]] == ["lost-update"]
    other = Client(HTTP_HOST="127.0.0.1")
    response = other.post(
        "/practice/import/", json.dumps(exported), content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["imported"]["exercises"] == 1
    practice = other.get("/practice/").content.decode()
    assert "Exercises passed: <strong>1</strong>" in practice


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"exercise": "Not A Slug!"}, "exercises entry 1: exercise"),
        ({"lesson": "no-such-lesson"}, "unknown lesson 'no-such-lesson'"),
        ({"passes": 5}, "passes cannot outnumber attempts"),
        ({"passed_at": None}, "passed_at is set exactly when passes is more than 0"),
        ({"last_status": "great"}, "last_status"),
        ({"attempts": "3"}, "attempts must be a whole number"),
    ],
)
def test_a_bad_exercise_entry_refuses_the_whole_file(client, change, message):
    passed_by(client, "lost-update")
    exported = client.get("/practice/export.json").json()
    exported["exercises"][0].update(change)
    other = Client(HTTP_HOST="127.0.0.1")
    response = other.post(
        "/practice/import/", json.dumps(exported), content_type="application/json"
    )
    assert response.status_code == 400 and message in response.json()["error"]
    assert ExerciseResult.objects.count() == 1  # the original only: nothing was written


def test_a_waiting_run_can_ask_for_its_place_in_the_queue():
    pool = SandboxPool(size=1, max_queue=5, queue_seconds=1, start=lambda: None)
    running = pool.admit("first")
    pool._waiting.popleft()  # it got the slot
    pool._running = 1
    pool.admit("second")
    pool.admit("third")
    assert pool.position("second") == 1 and pool.position("third") == 2
    assert pool.position("first") is None and pool.position("") is None
    assert running.key == "first"


def test_the_status_endpoint_answers_a_tickets_position(client):
    body = client.get("/exercises/api/status?ticket=nobody").json()
    assert body["position"] is None and body["runs_on"] == "this server"
