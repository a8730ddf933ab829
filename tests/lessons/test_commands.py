from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.helpers import lesson_text, write_lesson


def test_check_lessons_passes_on_the_real_content():
    out = StringIO()
    call_command("check_lessons", stdout=out)
    assert "lessons OK" in out.getvalue()


def test_check_lessons_fails_naming_file_and_line(lessons_dir: Path):
    text = lesson_text("bad").replace("## Pro tip\n\nMeasure it.\n", "")
    write_lesson(lessons_dir / "async", "77-bad.md", text)
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem in lesson files"):
        call_command("check_lessons", stderr=err)
    assert "77-bad.md:11: missing section '## Pro tip'" in err.getvalue()


def test_new_lesson_writes_a_skeleton_that_passes_once_filled(lessons_dir: Path):
    call_command("new_lesson", "async", "brand-new", stdout=StringIO())
    [path] = (lessons_dir / "async").glob("*-brand-new.md")
    # Empty sections fail the lint until the instructor writes them.
    with pytest.raises(CommandError):
        call_command("check_lessons", stderr=StringIO())
    filled = path.read_text()
    for heading in (
        "Why interviewers ask this",
        "Predict first",
        "Short answer",
        "Answer",
        "Pro tip",
        "Common mistakes",
        "Follow-up questions",
    ):
        filled = filled.replace(f"## {heading}\n", f"## {heading}\n\nWritten.\n")
    # ...its key points...
    for number in (1, 2, 3):
        filled = filled.replace('  - ""', f'  - "Point {number}"', 1)
    # ...and its quiz, which is still invalid until it is filled in.
    path.write_text(filled)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("check_lessons", stderr=err)
    assert "quiz block needs a 'question:'" in err.getvalue()
    filled = (
        filled.replace('question: ""', 'question: "Which?"')
        .replace('  - ""', '  - "this"', 1)
        .replace('  - ""', '  - "that"', 1)
        .replace('answer: ""', 'answer: "this"')
        .replace('explanation: ""', 'explanation: "Because."')
    )
    path.write_text(filled)
    call_command("check_lessons", stdout=StringIO())


def test_check_lessons_reports_a_misplaced_quiz_with_its_line(lessons_dir: Path):
    text = lesson_text("misplaced")
    quiz = text[text.index("```quiz") : text.index("## Short answer")]
    moved = text.replace(quiz, "").replace("## Pro tip\n", f"## Pro tip\n\n{quiz}")
    moved = moved.replace("## Predict first\n\n", "## Predict first\n\nGuess first.\n")
    path = write_lesson(lessons_dir / "async", "78-misplaced.md", moved)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("check_lessons", stderr=err)
    line = path.read_text().splitlines().index("```quiz") + 1
    assert f"78-misplaced.md:{line}: a quiz belongs in '## Predict first'" in err.getvalue()


def test_new_lesson_refuses_bad_input(lessons_dir: Path):
    with pytest.raises(CommandError, match="unknown track"):
        call_command("new_lesson", "nope", "x")
    with pytest.raises(CommandError, match="slug must be"):
        call_command("new_lesson", "async", "Bad Slug")
    with pytest.raises(CommandError, match="already exists"):
        call_command("new_lesson", "async", "async-views")
