"""Every shipped exercise, in the real sandbox: its solution passes every check, its starter
fails at least one (with a message that says why)."""

import pytest

from exercises.catalog import get_catalog
from exercises.running import submit

SLUGS = sorted(get_catalog().exercises)


def test_there_are_at_least_ten_and_each_belongs_to_a_lesson():
    from lessons.catalog import get_catalog as lessons

    assert len(SLUGS) >= 10 and not get_catalog().problems
    assert all(e.lesson in lessons().lessons for e in get_catalog().exercises.values())


@pytest.mark.parametrize("slug", SLUGS)
def test_the_solution_passes_every_check(real_sandbox, slug):
    exercise = get_catalog().exercises[slug]
    report = submit(exercise, exercise.solution)
    assert report.status == "pass", [t.as_json() for t in report.tests] or report.message
    assert len(report.tests) == len(exercise.checks)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_starter_fails_a_check_and_says_why(real_sandbox, slug):
    exercise = get_catalog().exercises[slug]
    report = submit(exercise, exercise.starter)
    assert report.status == "fail", report.message
    failed = [t for t in report.tests if t.status == "fail"]
    assert failed and all(t.message and any(c.isdigit() for c in t.message) for t in failed)


FEED_CLEANED_UP_AFTER_THE_LOOP = """
import asyncio

from django.http import StreamingHttpResponse

from lab.models import Subscription


async def prices(request):
    subscription = await Subscription.objects.acreate(channel="prices")

    async def ticks():
        sent = 0
        for n in range(20):
            await asyncio.sleep(0.1)
            sent += 1
            yield f"data: tick {n}\\n\\n"
        await Subscription.objects.filter(pk=subscription.pk).aupdate(active=False, ticks_sent=sent)

    return StreamingHttpResponse(ticks(), content_type="text/event-stream")
"""


def test_a_stream_that_forgets_to_clean_up_is_told_where_the_cleanup_goes(real_sandbox):
    # It streams, but a client that leaves cancels the generator before the cleanup is reached.
    exercise = get_catalog().exercises["stream-and-clean-up"]
    report = submit(exercise, FEED_CLEANED_UP_AFTER_THE_LOOP)
    by_name = {t.name: t for t in report.tests}
    assert by_name["The first tick reaches the client within 300 ms"].status == "pass"
    closed = by_name["The subscription is closed when the client leaves"]
    assert closed.status == "fail" and "finally" in closed.message


EVENTS_WITH_IDS_THAT_NEVER_RESUME = """
import asyncio

from django.http import StreamingHttpResponse


async def events(request):
    async def steps():
        for step in range(1, 7):
            await asyncio.sleep(0.1)
            yield f"id: {step}\\ndata: {{\\"step\\": {step}}}\\n\\n"

    return StreamingHttpResponse(steps(), content_type="text/event-stream")
"""


def test_a_stream_with_ids_that_ignores_last_event_id_is_told_what_it_resent(real_sandbox):
    exercise = get_catalog().exercises["resume-an-event-stream"]
    report = submit(exercise, EVENTS_WITH_IDS_THAT_NEVER_RESUME)
    statuses = {test.name: test.status for test in report.tests}
    assert statuses == {
        "The first event reaches the client within 300 ms": "pass",
        "Every event has an id: line, its step number": "pass",
        "A reconnect with Last-Event-ID is sent only the steps after it": "fail",
        "A Last-Event-ID that is not a step starts from step 1": "pass",
    }
    [resume] = [test for test in report.tests if test.status == "fail"]
    assert "Last-Event-ID: 3 was sent steps [1, 2, 3, 4, 5, 6]" in resume.message
