"""Exercise files: what an instructor gets told when one is wrong, and what the catalog serves."""

import os
from pathlib import Path

import pytest

from exercises.catalog import get_catalog
from exercises.parsing import ExerciseFileError, parse_exercise
from tests.exercises.conftest import exercise_text


def problems_of(text: str, name: str = "01-probe-exercise.md", track: str = "async") -> list[str]:
    path = Path(f"/x/content/{track}/{name}")
    with pytest.raises(ExerciseFileError) as caught:
        parse_exercise(path, text, display_path=Path(f"content/{track}/{name}"))
    return [str(problem) for problem in caught.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_shipped_exercises_have_no_problems_and_each_belongs_to_a_lesson():
    catalog = get_catalog()
    assert catalog.problems == []
    assert len(catalog.exercises) >= 3
    from lessons.catalog import get_catalog as lessons

    for exercise in catalog.exercises.values():
        assert lessons().lessons[exercise.lesson].track == exercise.track
        assert exercise.checks and exercise.starter != exercise.solution


def test_a_missing_block_is_named():
    text = exercise_text().replace("```python checks", "```python")
    assert any("missing the ```python checks``` block" in p for p in problems_of(text))


def test_a_syntax_error_in_the_solution_points_at_its_line_in_the_file():
    text = exercise_text(solution="async def attack(request):\n    return (\n")
    [problem] = problems_of(text)
    fence = line_of(text, "```python solution")
    assert problem.startswith(f"content/async/01-probe-exercise.md:{fence + 2}: solution:")
    assert "SyntaxError" in problem


def test_a_route_to_a_view_the_code_does_not_define_is_a_problem():
    text = exercise_text(routes='{"/attack": attack, "/other": other}')
    found = problems_of(text)
    assert any("the starter must define other(request), routed to /other" in p for p in found)
    assert any("the solution must define other(request)" in p for p in found)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scenario": "def scenario(h):\n    pass\n"}, "must define `async def scenario(h):`"),
        ({"checks": "def helper(run):\n    pass\n"}, "defines no check_... function"),
        ({"checks": "import no_such_module\n"}, "checks: ModuleNotFoundError"),
        ({"routes": "[]"}, "routes must map paths to view names"),
        ({"routes": '{"attack": attack}'}, "must be a path starting with '/'"),
        ({"extra": "data: [1, 2]\n"}, "data must map a table to its rows"),
        ({"extra": "colour: red\n"}, "unknown front matter key 'colour'"),
        ({"track": "nope"}, "unknown track 'nope'"),
    ],
)
def test_each_problem_says_what_is_wrong(change, message):
    assert any(message in p for p in problems_of(exercise_text(**change))), message


def test_the_file_name_must_match_the_slug():
    found = problems_of(exercise_text(), name="01-other-name.md")
    assert any("file name must be NN-probe-exercise.md" in p for p in found)


def test_check_names_come_from_the_docstring_or_the_function_name():
    checks = (
        'def check_first(run):\n    """Calls overlap."""\n\n\n'
        "def check_second_thing(run):\n    pass\n"
    )
    path = Path("/x/content/async/01-probe-exercise.md")
    exercise = parse_exercise(path, exercise_text(checks=checks), display_path=path)
    assert [c.name for c in exercise.checks] == ["Calls overlap", "second thing"]
    assert exercise.job("x = 1") == {
        "code": "x = 1",
        "routes": [["/attack", "attack"]],
        "scenario": exercise.scenario,
        "data": {},
        "middleware": [],
    }


def test_middleware_must_be_classes_the_code_defines():
    path = Path("/x/content/async/01-probe-exercise.md")
    text = exercise_text(extra="middleware: [Timing]\n")
    with pytest.raises(ExerciseFileError) as caught:
        parse_exercise(path, text, display_path=path)
    assert "the starter must define the middleware Timing" in str(caught.value)
    text = exercise_text(extra="middleware: [not a name]\n")
    with pytest.raises(ExerciseFileError) as caught:
        parse_exercise(path, text, display_path=path)
    assert "middleware must list class names" in str(caught.value)


def test_the_task_is_rendered_without_the_hidden_blocks():
    path = Path("/x/content/async/01-probe-exercise.md")
    exercise = parse_exercise(path, exercise_text(), display_path=path)
    assert "<p>Do the thing.</p>" in exercise.task_html
    assert "scenario" not in exercise.task_html and "check_answers" not in exercise.task_html


@pytest.fixture
def exercises_dir(tmp_path, settings) -> Path:
    target = tmp_path / "content"
    (target / "async").mkdir(parents=True)
    settings.EXERCISES_DIR = target
    return target


def test_a_broken_file_is_reported_and_the_others_are_still_served(exercises_dir, client):
    (exercises_dir / "async" / "01-probe-exercise.md").write_text(exercise_text())
    broken = exercise_text(slug="broken-one", lesson="no-such-lesson")
    (exercises_dir / "async" / "02-broken-one.md").write_text(broken)
    catalog = get_catalog()
    assert list(catalog.exercises) == ["probe-exercise"]
    [problem] = catalog.problems
    assert str(problem) == (
        f"{exercises_dir.name}/async/02-broken-one.md:{line_of(broken, 'lesson:')}: "
        "lesson 'no-such-lesson' does not exist"
    )
    listed = client.get("/exercises/api/").json()["exercises"]
    assert [e["slug"] for e in listed] == ["probe-exercise"]


def test_an_edited_file_is_read_again(exercises_dir):
    path = exercises_dir / "async" / "01-probe-exercise.md"
    path.write_text(exercise_text())
    assert get_catalog().exercises["probe-exercise"].title == "A test exercise"
    path.write_text(exercise_text().replace("A test exercise", "Renamed"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert get_catalog().exercises["probe-exercise"].title == "Renamed"
