"""Lesson files for tests, valid unless a test breaks them on purpose."""

from pathlib import Path

# The one quiz every test lesson starts with; tests swap it for the quiz they need.
QUIZ = """```quiz
question: "Is this worth knowing?"
options: ["yes", "no"]
answer: "yes"
explanation: "It comes up in interviews."
```
"""

BODY = """
## Why interviewers ask this

To see whether you know {topic}.

## Predict first

{quiz}
## Short answer

{topic} is explained here in one sentence. Then more.

## Answer

Some detail about {topic}.

```python
def {ident}():
    return 1
```

## Pro tip

Measure it.

## Follow-up questions

**Why?** Because.
"""


def lesson_text(
    slug: str,
    *,
    title: str | None = None,
    order: int = 50,
    track: str = "async",
    related: str = "[]",
    body: str | None = None,
    extra_meta: str = "",
) -> str:
    title = title or slug.replace("-", " ").capitalize() + "?"
    ident = slug.replace("-", "_")
    meta = (
        f'---\ntitle: "{title}"\nslug: {slug}\ntrack: {track}\nlevel: beginner\n'
        f"order: {order}\ntags: [testing]\nrelated: {related}\n"
        f"key_points: [first point, second point, third point]\n{extra_meta}---\n"
    )
    return meta + (body if body is not None else BODY.format(topic=title, ident=ident, quiz=QUIZ))


def write_lesson(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def lesson_code(slug: str, marker: str) -> dict:
    """Run the ```python block of a real lesson that contains `marker`; return its namespace.

    The lesson's own example is what a test exercises, so the lesson cannot drift from it.
    """
    from lessons.catalog import get_catalog

    lesson = get_catalog().lessons[slug]
    [block] = [b for b in lesson.code_blocks if b.lang == "python" and marker in b.source]
    namespace = {"__name__": f"lesson_{slug.replace('-', '_')}"}
    exec(compile(block.source, f"{lesson.path}:{block.line}", "exec"), namespace)
    return namespace
