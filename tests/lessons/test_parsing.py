from pathlib import Path

import pytest

from lessons.parsing import SECTIONS, LessonFileError, parse_lesson
from tests.helpers import QUIZ as HELPER_QUIZ
from tests.helpers import lesson_text

PATH = Path("content/async/01-sample.md")


def parse(text: str, path: Path = PATH):
    return parse_lesson(path, text, display_path=path)


def problems(text: str, path: Path = PATH) -> list[str]:
    with pytest.raises(LessonFileError) as info:
        parse(text, path)
    return [str(problem) for problem in info.value.problems]


def test_valid_lesson_parses_with_sections_toc_and_highlighting():
    lesson = parse(lesson_text("sample", title="Sample things"))
    assert lesson.slug == "sample"
    assert lesson.title == "Sample things"
    assert [item["name"] for item in lesson.toc] == [
        "Why interviewers ask this",
        "Predict first",
        "Short answer",
        "Answer",
        "Pro tip",
        "Follow-up questions",
    ]
    assert '<h2 id="short-answer">' in lesson.html
    assert '<div class="highlight">' in lesson.html  # Pygments ran
    assert 'class="k"' in lesson.html  # the `def` keyword got a token class
    assert "sample" in lesson.identifiers
    assert lesson.summary == "Sample things is explained here in one sentence."
    assert "Measure it." in lesson.sections["Pro tip"].html


def test_sections_are_structured_each_rendered_on_its_own():
    lesson = parse(lesson_text("sample", title="Sample things"))
    assert list(lesson.sections) == [s for s in SECTIONS if s != "Common mistakes"]
    short = lesson.sections["Short answer"]
    assert short.markdown == "Sample things is explained here in one sentence. Then more."
    assert short.html == "<p>Sample things is explained here in one sentence. Then more.</p>"
    assert str(short) == short.html  # a template prints the body
    assert short.text == short.markdown
    assert lesson.html.startswith(lesson.sections["Why interviewers ask this"].heading_html)
    assert '<h2 id="short-answer">' in short.heading_html
    # The quiz widget sits in its own section's HTML, and in no other.
    assert 'class="quiz"' in lesson.sections["Predict first"].html
    assert 'class="quiz"' not in lesson.sections["Answer"].html
    text = lesson_text("sample")
    assert text.splitlines()[lesson.sections["Answer"].line - 1] == "## Answer"


def test_subheadings_become_toc_children_with_ids_unique_across_sections():
    text = (
        lesson_text("sample")
        .replace("Some detail", "### Example\n\nOne.\n\nSome detail")
        .replace("Measure it.", "### Example\n\nTwo.")
    )
    lesson = parse(text)
    answer = next(item for item in lesson.toc if item["name"] == "Answer")
    tip = next(item for item in lesson.toc if item["name"] == "Pro tip")
    assert [child["id"] for child in answer["children"]] == ["example"]
    assert [child["id"] for child in tip["children"]] == ["example_1"]
    assert '<h3 id="example_1">' in lesson.sections["Pro tip"].html


def test_bad_front_matter_yaml_is_reported_with_its_line():
    text = lesson_text("sample").replace("level: beginner", "level: [beginner")
    [message] = problems(text)
    assert message.startswith(f"{PATH}:")
    line = int(message.split(":")[1])
    assert text.splitlines()[line - 1].startswith(("level", "order"))
    assert "not valid YAML" in message


def test_missing_front_matter_key_and_unknown_level():
    text = (
        lesson_text("sample")
        .replace("level: beginner\n", "")
        .replace("track: async", "track: async\nlevel: expert\nlevels: 2")
    )
    found = problems(text)
    assert f"{PATH}:5: level must be one of beginner, intermediate, advanced" in found
    assert f"{PATH}:6: unknown front matter key 'levels'" in found


def test_missing_section_names_it():
    text = lesson_text("sample").replace("## Pro tip\n\nMeasure it.\n", "")
    assert problems(text) == [f"{PATH}:11: missing section '## Pro tip'"]


def test_unknown_section_and_stray_text_are_reported_at_their_lines():
    text = lesson_text("sample").replace("## Pro tip", "## Extra\n\nMore.\n\n## Pro tip")
    [message] = problems(text)
    assert text.splitlines()[int(message.split(":")[1]) - 1] == "## Extra"
    assert "unknown section '## Extra'" in message
    text = lesson_text("sample").replace("## Why", "A stray line.\n\n## Why")
    [message] = problems(text)
    assert text.splitlines()[int(message.split(":")[1]) - 1] == "A stray line."
    assert "belongs in a section" in message


def test_empty_section_and_wrong_order_are_reported():
    text = lesson_text("sample").replace("Measure it.", "")
    [message] = problems(text)
    assert "section '## Pro tip' is empty" in message
    swapped = (
        lesson_text("sample")
        .replace("## Short answer", "## Tmp")
        .replace("## Why interviewers ask this", "## Short answer")
        .replace("## Tmp", "## Why interviewers ask this")
    )
    assert any("in this order" in m for m in problems(swapped))


def test_slug_must_match_file_name_and_track_its_folder():
    found = problems(lesson_text("sample"), Path("content/async/01-other.md"))
    assert any("file name must be NN-sample.md" in m for m in found)
    found = problems(lesson_text("sample"), Path("content/database/01-sample.md"))
    assert any("belongs in content/async/" in m for m in found)


def test_code_block_without_language_is_reported_at_its_line():
    text = lesson_text("sample").replace("```python", "```")
    [message] = problems(text)
    line = int(message.split(":")[1])
    assert text.splitlines()[line - 1] == "```"
    assert "must name its language" in message


def test_demo_block_becomes_a_panel_with_parameters():
    text = lesson_text("sample").replace(
        "Some detail", "```demo\nid: fanout\ncalls: 4\nlatency_ms: 200\n```\n\nSome detail"
    )
    lesson = parse(text)
    [demo] = lesson.demos
    assert demo.demo_id == "fanout"
    assert demo.params["calls"] == 4 and demo.params["latency_ms"] == 200
    assert demo.given == {"calls": 4, "latency_ms": 200}
    assert 'data-demo="fanout"' in lesson.html
    assert "PLACEHOLDER" not in lesson.html
    assert "```" not in lesson.html


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("id: nope", "unknown demo id 'nope'"),
        ("calls: 3", "needs an 'id:'"),
        ("id: fanout\ncalls: 500", "calls must be from 1 to 50, not 500"),
        ("id: fanout\ncalls: many", "calls must be a whole number"),
        ("id: fanout\nspeed: 3", "unknown parameter 'speed'"),
        ("id: [fanout", "not valid YAML"),
    ],
)
def test_bad_demo_blocks_are_reported_at_the_fence(block, expected):
    text = lesson_text("sample").replace("Some detail", f"```demo\n{block}\n```\n\nSome detail")
    [message] = problems(text)
    line = int(message.split(":")[1])
    assert text.splitlines()[line - 1] == "```demo"
    assert expected in message


QUIZ = """```quiz
question: "Which is faster?"
options: ["gather", "a loop"]
answer: "gather"
explanation: "Because the calls **overlap**."
```
"""
DEMO = "```demo\nid: fanout\n```\n\nSome detail"


def with_quiz(quiz: str) -> str:
    """The test lesson with `quiz` in Predict first instead of the helper's quiz."""
    return lesson_text("sample").replace(HELPER_QUIZ, quiz)


def test_quiz_block_renders_options_answer_and_hidden_explanation():
    lesson = parse(with_quiz(QUIZ))
    [quiz] = lesson.quizzes
    assert quiz.options == ("gather", "a loop")
    assert quiz.answer == 0
    assert quiz.demo is None
    assert 'data-answer="0"' in lesson.html
    assert "<strong>overlap</strong>" in lesson.html
    assert 'class="quiz-result" hidden' in lesson.html


def test_quiz_comes_before_the_short_answer_on_the_page():
    lesson = parse(with_quiz(QUIZ))
    assert lesson.html.index('class="quiz"') < lesson.html.index('id="short-answer"')


def test_quiz_outside_predict_first_is_reported_at_its_line():
    text = lesson_text("sample").replace("Some detail", QUIZ + "\nSome detail")
    [message] = problems(text)
    line = int(message.split(":")[1])
    assert text.splitlines()[line - 1] == "```quiz"
    assert text.splitlines().index("## Answer") < line - 1
    assert "a quiz belongs in '## Predict first'" in message


def test_lesson_without_a_quiz_is_reported():
    text = lesson_text("sample").replace(HELPER_QUIZ, "Think about it first.\n")
    [message] = problems(text)
    line = int(message.split(":")[1])
    assert text.splitlines()[line - 1] == "## Predict first"
    assert "needs at least one quiz" in message


def test_lesson_without_predict_first_is_reported():
    text = lesson_text("sample").replace("## Predict first\n\n" + HELPER_QUIZ, "")
    found = problems(text)
    assert any("missing section '## Predict first'" in m for m in found)
    assert any("needs at least one quiz" in m for m in found)


def test_quiz_names_the_demo_it_predicts():
    quiz = QUIZ.replace('question: "Which', 'demo: fanout\nquestion: "Which')
    lesson = parse(with_quiz(quiz).replace("Some detail", DEMO))
    [quiz_block] = lesson.quizzes
    assert quiz_block.demo == "fanout"


@pytest.mark.parametrize("demo", ["blocking", "no-such-demo"])
def test_quiz_naming_a_demo_the_lesson_does_not_embed_is_reported(demo):
    quiz = QUIZ.replace('question: "Which', f'demo: {demo}\nquestion: "Which')
    text = with_quiz(quiz).replace("Some detail", DEMO)
    [message] = problems(text)
    assert text.splitlines()[int(message.split(":")[1]) - 1] == "```quiz"
    assert f"quiz names demo '{demo}', which this lesson does not embed" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('answer: "gather"', 'answer: "neither"'), "must be one of the options"),
        (('options: ["gather", "a loop"]', 'options: ["gather"]'), "at least two entries"),
        (('explanation: "Because the calls **overlap**."', ""), "needs an 'explanation:'"),
        (('question: "Which is faster?"', 'question: "Which?"\nhint: x'), "unknown key 'hint'"),
        (('question: "Which is faster?"', 'question: "Which?"\ndemo: [x]'), "must name a demo"),
    ],
)
def test_bad_quiz_blocks_are_reported(change, expected):
    [message] = problems(with_quiz(QUIZ.replace(*change)))
    assert expected in message


def test_script_and_event_handlers_in_a_lesson_are_inert():
    hostile = (
        "<script>alert('x')</script>\n\n"
        '<img src="x.png" onerror="alert(1)">\n\n'
        '<a href="javascript:alert(2)">click</a>\n\n'
        '<div onclick="alert(3)" style="color:red">styled</div>\n\n'
    )
    lesson = parse(lesson_text("sample").replace("Some detail", hostile + "Some detail"))
    html = str(lesson.html)
    assert "<script" not in html
    assert "alert('x')" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "javascript:" not in html
    assert "style=" not in html
    assert '<img src="x.png">' in html


def test_hostile_quiz_text_is_inert():
    quiz = QUIZ.replace("Which is faster?", "<img src=x onerror=alert(1)> Which?")
    lesson = parse(with_quiz(quiz))
    assert "onerror" not in str(lesson.html)
