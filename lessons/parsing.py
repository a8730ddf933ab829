"""Turn one lesson file into a Lesson, or into the problems that stop it being one.

Every problem carries the file and line an instructor should look at.
"""

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.template.loader import render_to_string
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from .blocks import BlockError, DemoBlock, Quiz, parse_demo, parse_quiz
from .rendering import PageRenderer, render_inline, render_markdown
from .tracks import LEVELS, TRACKS

PREDICT = "Predict first"  # every quiz lives here, before any text that answers it
SECTIONS = (
    "Why interviewers ask this",
    PREDICT,
    "Short answer",
    "Answer",
    "Pro tip",
    "Common mistakes",
    "Follow-up questions",
)
OPTIONAL_SECTIONS = {"Common mistakes"}
REQUIRED_KEYS = ("title", "slug", "track", "level", "order", "tags", "related", "key_points")
OPTIONAL_KEYS = ("summary",)
KEY_POINTS = (3, 8)  # how many key points a lesson lists for the practice checklist
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILENAME_RE = re.compile(r"^\d{2}-(?P<slug>[a-z0-9-]+)\.md$")
FENCE_OPEN_RE = re.compile(r"^ {0,3}(?P<marker>`{3,}|~{3,})\s*(?P<lang>[^\s`]*)")
HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
IDENTIFIER_RE = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]{2,}\b")
PLACEHOLDER = "LESSON-WIDGET-{}-PLACEHOLDER"
PLACEHOLDER_RE = re.compile(r"<p>LESSON-WIDGET-(\d+)-PLACEHOLDER</p>")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Lesson:
    slug: str
    title: str
    track: str
    level: str
    order: int
    tags: list[str]
    related: list[str]
    summary: str
    key_points: list[SafeString]  # rendered inline Markdown, for the practice checklist
    path: Path
    html: SafeString
    toc: list[dict]
    demos: list[DemoBlock]
    quizzes: list[Quiz]
    text: str  # plain text, for search
    identifiers: set[str]  # names used in code blocks, for search
    related_line: int = 1
    code_blocks: list["Fence"] = field(default_factory=list)  # every fenced block but widgets
    sections: dict[str, "Section"] = field(default_factory=dict)  # in page order


@dataclass(frozen=True)
class Section:
    """One `## ` section: its Markdown as written, and that Markdown rendered on its own.

    In a template `{{ section }}` is its body's HTML.
    """

    title: str
    line: int  # 1-based line of the `## ` heading
    end_line: int  # 1-based last line of the section
    markdown: str  # the body below the heading, fenced widgets included
    html: SafeString  # the body rendered through the pipeline, widgets in place
    heading_html: SafeString
    text: str  # the body as plain text, widgets left out (for search and summaries)
    toc: dict  # this section's table-of-contents entry, its `###` headings as children

    def __str__(self) -> str:
        return self.html

    def __html__(self) -> str:
        return self.html


@dataclass
class Fence:
    lang: str
    line: int  # 1-based line of the opening fence
    end_line: int  # 1-based line of the closing fence
    source: str


class ContentFileError(Exception):
    """A lesson or exercise file that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class LessonFileError(ContentFileError):
    pass


def parse_lesson(path: Path, text: str, *, display_path: Path) -> Lesson:
    """Parse and render one lesson file; raise LessonFileError listing every problem."""
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(display_path, line, message))

    meta, key_lines, body, body_line = _split_front_matter(text, problem)
    if meta is None:
        raise LessonFileError(problems)

    _check_front_matter(path, meta, key_lines, problem)
    body_lines = body.splitlines()
    fences, headings = _scan(body_lines, body_line, problem)
    spans = _check_sections(headings, body_lines, body_line, problem)

    demos: list[DemoBlock] = []
    quizzes: list[Quiz] = []
    widgets: list[str] = []
    out_lines = list(body_lines)
    for fence in fences:
        if fence.lang not in {"demo", "quiz"}:
            if not fence.lang:
                problem(fence.line, "code block must name its language (```python, ```text, ...)")
            continue
        try:
            if fence.lang == "demo":
                block = parse_demo(fence.source, fence.line)
                demos.append(block)
                # The first panel of a demo is #demo-<id>; a second one on the page, -2.
                seen = sum(1 for other in demos if other.demo_id == block.demo_id)
                anchor = f"demo-{block.demo_id}" + (f"-{seen}" if seen > 1 else "")
                widget = render_to_string(
                    "playground/_panel.html", {"block": block, "anchor": anchor}
                )
            else:
                quiz = parse_quiz(fence.source, fence.line)
                quizzes.append(quiz)
                widget = render_to_string("lessons/_quiz.html", _quiz_context(quiz, len(quizzes)))
        except BlockError as exc:
            problem(fence.line, str(exc))
            continue
        # Swap the fenced block for a placeholder paragraph; the widget goes in after
        # sanitising, since it is our own template output rather than lesson text.
        start, end = fence.line - body_line, fence.end_line - body_line
        out_lines[start] = "\n" + PLACEHOLDER.format(len(widgets)) + "\n"
        for index in range(start + 1, min(end + 1, len(out_lines))):
            out_lines[index] = ""
        widgets.append(widget)
    _check_quizzes(fences, quizzes, demos, spans, body_line, problem)

    if problems:
        raise LessonFileError(problems)

    sections = _render_sections(spans, body_lines, out_lines, body_line, widgets)
    page_html = "\n".join(f"{s.heading_html}\n{s.html}" for s in sections.values())
    plain = " ".join(f"{s.title} {s.text}" for s in sections.values())
    identifiers = {
        name
        for fence in fences
        if fence.lang not in {"demo", "quiz", "text"}
        for name in IDENTIFIER_RE.findall(fence.source)
    }
    summary = meta.get("summary") or _first_sentence(sections["Short answer"].text)
    return Lesson(
        slug=meta["slug"],
        title=meta["title"],
        track=meta["track"],
        level=meta["level"],
        order=meta["order"],
        tags=list(meta["tags"]),
        related=list(meta["related"]),
        summary=summary,
        key_points=[
            mark_safe(render_inline(point))  # sanitised by the pipeline
            for point in meta["key_points"]
        ],
        path=path,
        html=mark_safe(page_html),  # sanitised by nh3 + our own templates
        toc=[section.toc for section in sections.values()],
        demos=demos,
        quizzes=quizzes,
        text=plain,
        identifiers=identifiers,
        related_line=key_lines.get("related", 1),
        code_blocks=[fence for fence in fences if fence.lang not in {"demo", "quiz"}],
        sections=sections,
    )


def _split_front_matter(text: str, problem) -> tuple[dict | None, dict[str, int], str, int]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        problem(1, "lesson must start with YAML front matter between '---' lines")
        return None, {}, "", 1
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problem(1, "front matter is not closed with a '---' line")
        return None, {}, "", 1
    source = "\n".join(lines[1:end])
    try:
        node = yaml.compose(source)
        meta = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc)
        problem(line, f"front matter is not valid YAML: {reason}")
        return None, {}, "", 1
    if not isinstance(meta, dict) or node is None:
        problem(2, "front matter must be a set of 'key: value' lines")
        return None, {}, "", 1
    key_lines = {key.value: key.start_mark.line + 2 for key, _ in node.value}
    body = "\n".join(lines[end + 1 :])
    return meta, key_lines, body, end + 2


def _check_front_matter(path: Path, meta: dict, key_lines: dict[str, int], problem) -> None:
    def line(key: str) -> int:
        return key_lines.get(key, 1)

    for key in REQUIRED_KEYS:
        if key not in meta:
            problem(1, f"front matter is missing '{key}:'")
    for key in meta:
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            problem(line(key), f"unknown front matter key '{key}'")

    title = meta.get("title")
    if "title" in meta and (not isinstance(title, str) or not title.strip()):
        problem(line("title"), "title must be text")
    slug = meta.get("slug")
    if "slug" in meta:
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            problem(line("slug"), "slug must be lowercase words joined by hyphens")
        else:
            match = FILENAME_RE.match(path.name)
            if not match or match.group("slug") != slug:
                problem(line("slug"), f"file name must be NN-{slug}.md to match the slug")
    track = meta.get("track")
    if "track" in meta:
        if track not in TRACKS:
            problem(line("track"), f"unknown track {track!r} (known: {', '.join(TRACKS)})")
        elif path.parent.name != track:
            problem(line("track"), f"a lesson of track '{track}' belongs in content/{track}/")
    if "level" in meta and meta["level"] not in LEVELS:
        problem(line("level"), f"level must be one of {', '.join(LEVELS)}")
    if "order" in meta and (not isinstance(meta["order"], int) or isinstance(meta["order"], bool)):
        problem(line("order"), "order must be a whole number")
    for key in ("tags", "related"):
        value = meta.get(key)
        if key in meta and (
            not isinstance(value, list) or not all(isinstance(v, str) and v for v in value)
        ):
            problem(line(key), f"{key} must be a list of text, e.g. [a, b] (may be empty)")
    if "summary" in meta and not isinstance(meta["summary"], str):
        problem(line("summary"), "summary must be text")
    points = meta.get("key_points")
    low, high = KEY_POINTS
    if "key_points" in meta and (
        not isinstance(points, list)
        or not all(isinstance(point, str) and point.strip() for point in points)
        or not low <= len(points) <= high
    ):
        problem(
            line("key_points"),
            f"key_points must list {low} to {high} points the practice checklist ticks off",
        )


def _scan(lines: list[str], first_line: int, problem) -> tuple[list[Fence], list[tuple]]:
    """Find fenced blocks and headings outside them."""
    fences: list[Fence] = []
    headings: list[tuple[int, int, str]] = []  # (line, level, text)
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = FENCE_OPEN_RE.match(line)
        if opening:
            marker = opening.group("marker")
            close = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*$")
            end = next((j for j in range(index + 1, len(lines)) if close.match(lines[j])), None)
            if end is None:
                problem(first_line + index, "code block is never closed")
                end = len(lines)
            fences.append(
                Fence(
                    lang=opening.group("lang").lower(),
                    line=first_line + index,
                    end_line=first_line + end,
                    source="\n".join(lines[index + 1 : end]),
                )
            )
            index = end + 1
            continue
        heading = HEADING_RE.match(line)
        if heading:
            headings.append((first_line + index, len(heading.group("hashes")), heading["text"]))
        index += 1
    return fences, headings


@dataclass(frozen=True)
class _Span:
    """Where a section sits in the body: lines are 1-based file lines."""

    title: str  # the canonical title from SECTIONS
    line: int  # the heading
    end_line: int  # the last line before the next heading (or the file's end)


def _check_sections(headings, lines: list[str], first_line: int, problem) -> list[_Span]:
    """Check the sections are the known ones, in order, not empty; return where each sits."""
    for line, level, _text in headings:
        if level == 1:
            problem(line, "no '# ' headings in the body: the title comes from the front matter")
    canonical = {s.lower(): s for s in SECTIONS}
    last_line = first_line + len(lines) - 1
    h2 = [(line, text.strip()) for line, level, text in headings if level == 2]
    spans = []
    for index, (line, text) in enumerate(h2):
        end = h2[index + 1][0] - 1 if index + 1 < len(h2) else last_line
        if text.lower() not in canonical:
            problem(line, f"unknown section '## {text}' (sections: {', '.join(SECTIONS)})")
            continue
        spans.append(_Span(canonical[text.lower()], line, end))
        body = lines[line - first_line + 1 : end - first_line + 1]
        if not "\n".join(body).strip():
            problem(line, f"section '## {text}' is empty")
    before = h2[0][0] if h2 else last_line + 1
    stray = next((i for i in range(first_line, before) if lines[i - first_line].strip()), None)
    if stray is not None:
        problem(stray, f"text before '## {SECTIONS[0]}' belongs in a section")

    found = {span.title: span.line for span in spans}
    for title in (s for s in SECTIONS if s not in OPTIONAL_SECTIONS):
        if title not in found:
            problem(first_line, f"missing section '## {title}'")
    order = [span.title for span in spans]
    if order != sorted(order, key=SECTIONS.index) or len(set(order)) != len(order):
        problem(
            spans[0].line, f"sections must come once each, in this order: {', '.join(SECTIONS)}"
        )
    return spans


def _check_quizzes(fences, quizzes, demos, spans, first_line: int, problem) -> None:
    """Every quiz sits in Predict first, there is at least one, and its demo is on the page."""
    predict = next((span for span in spans if span.title == PREDICT), None)
    quiz_fences = [fence for fence in fences if fence.lang == "quiz"]
    for fence in quiz_fences:
        if predict is None or not predict.line < fence.line <= predict.end_line:
            problem(
                fence.line,
                f"a quiz belongs in '## {PREDICT}', so the learner predicts before any text "
                "answers it",
            )
    if not quiz_fences:
        problem(
            predict.line if predict else first_line,
            f"'## {PREDICT}' needs at least one quiz block: a prediction to make before reading on",
        )
    embedded = {demo.demo_id for demo in demos}
    for quiz in quizzes:
        if quiz.demo is not None and quiz.demo not in embedded:
            problem(quiz.line, f"quiz names demo {quiz.demo!r}, which this lesson does not embed")


def _render_sections(spans, lines, out_lines, first_line: int, widgets) -> dict[str, Section]:
    """Render each section's Markdown on its own, heading ids unique across the page."""
    renderer = PageRenderer()
    sections = {}
    for span in spans:
        start, end = span.line - first_line, span.end_line - first_line
        heading = renderer.render(f"## {span.title}")
        body = renderer.render("\n".join(out_lines[start + 1 : end + 1]))
        html = PLACEHOLDER_RE.sub(lambda m: widgets[int(m.group(1))], body.html)
        sections[span.title] = Section(
            title=span.title,
            line=span.line,
            end_line=span.end_line,
            markdown="\n".join(lines[start + 1 : end + 1]).strip("\n"),
            html=mark_safe(html),  # sanitised by nh3 + our own templates
            heading_html=mark_safe(heading.html),  # sanitised by nh3
            text=_plain_text(PLACEHOLDER_RE.sub("", body.html)),
            toc={**heading.toc[0], "children": body.toc},
        )
    return sections


def _plain_text(page_html: str) -> str:
    page_html = re.sub(r'<a [^>]*class="headerlink"[^>]*>.*?</a>', "", page_html)
    return re.sub(r"\s+", " ", html.unescape(strip_tags(page_html))).strip()


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else text


def _quiz_context(quiz: Quiz, number: int) -> dict:
    return {
        "quiz": quiz,
        "number": number,
        "question_html": mark_safe(render_markdown(quiz.question).html),
        "explanation_html": mark_safe(render_markdown(quiz.explanation).html),
        "options": [
            {"index": i, "html": mark_safe(render_inline(option))}
            for i, option in enumerate(quiz.options)
        ],
    }
