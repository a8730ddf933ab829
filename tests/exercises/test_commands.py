"""manage.py check_exercises: lint the files, run each solution and starter in the sandbox."""

import pytest
from django.core.management import CommandError, call_command

from tests.exercises.conftest import exercise_text

PASSES = (
    "from django.http import JsonResponse\n\n\n"
    "async def attack(request):\n    return JsonResponse({})\n"
)
BROKEN = "async def attack(request):\n    return None\n"


@pytest.fixture
def exercises_dir(tmp_path, settings):
    target = tmp_path / "content"
    (target / "async").mkdir(parents=True)
    settings.EXERCISES_DIR = target
    return target


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_good_exercise_passes(real_sandbox, exercises_dir, capsys):
    text = exercise_text(starter=BROKEN, solution=PASSES)
    (exercises_dir / "async" / "01-probe-exercise.md").write_text(text)
    call_command("check_exercises")
    assert "1 exercise OK, each solution passes and each starter fails" in capsys.readouterr().out


def test_a_failing_solution_and_a_passing_starter_are_reported_with_their_lines(
    real_sandbox, exercises_dir, capsys
):
    text = exercise_text(starter=PASSES, solution=BROKEN)
    (exercises_dir / "async" / "01-probe-exercise.md").write_text(text)
    with pytest.raises(CommandError, match="2 problems in exercise files"):
        call_command("check_exercises")
    err = capsys.readouterr().err.splitlines()
    where = f"{exercises_dir.name}/async/01-probe-exercise.md"
    assert err == [
        f"{where}:{line_of(text, '```python solution')}: the solution does not pass check "
        "'answers' (fail): an assertion failed",
        f"{where}:{line_of(text, '```python starter')}: the starter passes every check: "
        "it must fail at least one",
    ]


def test_lint_problems_are_reported_without_running_anything(exercises_dir, capsys):
    text = exercise_text(lesson="no-such-lesson")
    (exercises_dir / "async" / "01-probe-exercise.md").write_text(text)
    with pytest.raises(CommandError, match="1 problem in exercise files"):
        call_command("check_exercises", "--lint-only")
    assert "lesson 'no-such-lesson' does not exist" in capsys.readouterr().err
