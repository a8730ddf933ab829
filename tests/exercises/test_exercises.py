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
