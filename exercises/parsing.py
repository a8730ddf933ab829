"""Turn one exercise file into an Exercise, or into the problems that stop it being one.

The format is in docs/exercises.md. Front matter and fenced blocks are read with the lesson
parser's own helpers, so both kinds of file report problems the same way: `path:line: message`.
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from lessons.parsing import (
    FILENAME_RE,
    SLUG_RE,
    ContentFileError,
    Problem,
    _scan,
    _split_front_matter,
)
from lessons.rendering import render_markdown
from lessons.tracks import LEVELS, TRACKS

from .checks import Check, check_name, namespace

REQUIRED_KEYS = ("title", "slug", "track", "lesson", "level", "order", "routes")
OPTIONAL_KEYS = ("data", "summary", "middleware")
BLOCKS = ("starter", "solution", "scenario", "checks")
BLOCK_INFO_RE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})\s*python\s+(?P<role>\S+)\s*$")
ROUTE_RE = re.compile(r"^/[A-Za-z0-9_\-/<>:.]*$")
IDENTIFIER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_CODE = 20_000


@dataclass
class Exercise:
    slug: str
    title: str
    track: str
    lesson: str
    level: str
    order: int
    summary: str
    path: Path
    display_path: Path
    routes: list[tuple[str, str]]  # (path, name of the learner's view)
    middleware: list[str]  # the learner's middleware classes, outermost first
    data: dict
    task_html: str
    starter: str
    solution: str
    scenario: str
    checks: list[Check]
    lines: dict[str, int] = field(default_factory=dict)  # block or key -> line in the file

    def job(self, code: str) -> dict:
        """What the sandbox needs for one run of `code`."""
        return {
            "code": code,
            "routes": [list(route) for route in self.routes],
            "scenario": self.scenario,
            "data": self.data,
            "middleware": self.middleware,
        }


class ExerciseFileError(ContentFileError):
    pass


def parse_exercise(path: Path, text: str, *, display_path: Path) -> Exercise:
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(display_path, line, message))

    meta, key_lines, body, body_line = _split_front_matter(text, problem)
    if meta is None:
        raise ExerciseFileError(problems)
    _check_front_matter(path, meta, key_lines, problem)

    body_lines = body.splitlines()
    fences, _headings = _scan(body_lines, body_line, problem)
    blocks: dict[str, tuple[str, int]] = {}
    task_lines = list(body_lines)
    for fence in fences:
        info = BLOCK_INFO_RE.match(body_lines[fence.line - body_line])
        if not info:
            if not fence.lang:
                problem(fence.line, "code block must name its language (```python, ```text, ...)")
            continue
        role = info.group("role")
        if role not in BLOCKS:
            problem(fence.line, f"unknown block 'python {role}' (known: {', '.join(BLOCKS)})")
            continue
        if role in blocks:
            problem(fence.line, f"a second 'python {role}' block (the first is on line "
                    f"{blocks[role][1]})")  # fmt: skip
            continue
        blocks[role] = (fence.source, fence.line)
        for index in range(
            fence.line - body_line, min(fence.end_line - body_line + 1, len(task_lines))
        ):
            task_lines[index] = ""
    for role in BLOCKS:
        if role not in blocks:
            problem(body_line, f"missing the ```python {role}``` block")
    if problems:
        raise ExerciseFileError(problems)

    routes = [(route, name) for route, name in meta["routes"].items()]
    middleware = [("MIDDLEWARE", name) for name in meta.get("middleware") or []]
    for role in ("starter", "solution"):
        source, line = blocks[role]
        _check_learner_code(source, line, role, routes + middleware, problem)
    _check_scenario(*blocks["scenario"], problem)
    checks = _compile_checks(*blocks["checks"], problem)
    task = "\n".join(task_lines).strip()
    if not task:
        problem(body_line, "the task is empty: say in Markdown what the learner must do")
    if problems:
        raise ExerciseFileError(problems)

    return Exercise(
        slug=meta["slug"],
        title=meta["title"],
        track=meta["track"],
        lesson=meta["lesson"],
        level=meta["level"],
        order=meta["order"],
        summary=meta.get("summary") or "",
        path=path,
        display_path=display_path,
        routes=routes,
        middleware=list(meta.get("middleware") or []),
        data=meta.get("data") or {},
        task_html=render_markdown(task).html,
        starter=blocks["starter"][0].strip("\n") + "\n",
        solution=blocks["solution"][0].strip("\n") + "\n",
        scenario=blocks["scenario"][0],
        checks=checks,
        lines={**key_lines, **{role: line for role, (_, line) in blocks.items()}},
    )


def _check_front_matter(path: Path, meta: dict, key_lines: dict[str, int], problem) -> None:
    def line(key: str) -> int:
        return key_lines.get(key, 1)

    for key in REQUIRED_KEYS:
        if key not in meta:
            problem(1, f"front matter is missing '{key}:'")
    for key in meta:
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            problem(line(key), f"unknown front matter key '{key}'")
    for key in ("title", "lesson", "summary"):
        if key in meta and (not isinstance(meta[key], str) or not meta[key].strip()):
            problem(line(key), f"{key} must be text")
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
            problem(line("track"), f"an exercise of track '{track}' belongs in content/{track}/")
    if "level" in meta and meta["level"] not in LEVELS:
        problem(line("level"), f"level must be one of {', '.join(LEVELS)}")
    if "order" in meta and (not isinstance(meta["order"], int) or isinstance(meta["order"], bool)):
        problem(line("order"), "order must be a whole number")
    routes = meta.get("routes")
    if "routes" in meta:
        if not isinstance(routes, dict) or not routes:
            problem(
                line("routes"),
                'routes must map paths to view names, e.g. {"/dashboard": dashboard}',
            )
        else:
            for route, name in routes.items():
                if not isinstance(route, str) or not ROUTE_RE.match(route):
                    problem(line("routes"), f"route {route!r} must be a path starting with '/'")
                if not isinstance(name, str) or not IDENTIFIER_RE.match(name):
                    problem(
                        line("routes"), f"route {route!r} must name a view function, not {name!r}"
                    )
    middleware = meta.get("middleware")
    if "middleware" in meta and not (
        isinstance(middleware, list)
        and middleware
        and all(isinstance(name, str) and IDENTIFIER_RE.match(name) for name in middleware)
    ):
        problem(line("middleware"), "middleware must list class names, e.g. [TimingMiddleware]")
    data = meta.get("data")
    if "data" in meta and not (
        isinstance(data, dict)
        and all(
            isinstance(name, str)
            and isinstance(rows, list)
            and all(isinstance(row, dict) for row in rows)
            for name, rows in data.items()
        )
    ):
        problem(line("data"), "data must map a table to its rows, e.g. {Account: [{balance: 100}]}")


def _check_learner_code(source: str, fence_line: int, role: str, routes, problem) -> None:
    if len(source) > MAX_CODE:
        problem(fence_line, f"the {role} is longer than {MAX_CODE} characters")
    try:
        tree = ast.parse(source, filename=role)
    except SyntaxError as exc:
        problem(fence_line + (exc.lineno or 0), f"{role}: SyntaxError: {exc.msg}")
        return
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    for route, name in routes:
        if name not in defined and route == "MIDDLEWARE":
            problem(fence_line, f"the {role} must define the middleware {name}")
        elif name not in defined:
            problem(fence_line, f"the {role} must define {name}(request), routed to {route}")


def _check_scenario(source: str, fence_line: int, problem) -> None:
    try:
        tree = ast.parse(source, filename="scenario")
    except SyntaxError as exc:
        problem(fence_line + (exc.lineno or 0), f"scenario: SyntaxError: {exc.msg}")
        return
    if not any(
        isinstance(node, ast.AsyncFunctionDef) and node.name == "scenario" for node in tree.body
    ):
        problem(fence_line, "the scenario block must define `async def scenario(h):`")


def _compile_checks(source: str, fence_line: int, problem) -> list[Check]:
    try:
        code = compile(source, f"checks (line {fence_line})", "exec", dont_inherit=True)
    except SyntaxError as exc:
        problem(fence_line + (exc.lineno or 0), f"checks: SyntaxError: {exc.msg}")
        return []
    scope = namespace()
    try:
        exec(code, scope)  # the instructor's own checks, in the web process
    except Exception as exc:
        problem(fence_line, f"checks: {type(exc).__name__}: {exc}")
        return []
    checks = [
        Check(check_name(value), value, fence_line + value.__code__.co_firstlineno)
        for name, value in scope.items()
        if name.startswith("check_") and callable(value)
    ]
    if not checks:
        problem(fence_line, "the checks block defines no check_... function")
    names = [check.name for check in checks]
    for name in {n for n in names if names.count(n) > 1}:
        problem(fence_line, f"two checks are both called {name!r}")
    return checks
