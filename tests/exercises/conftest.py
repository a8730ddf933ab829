import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from exercises.parsing import Exercise, parse_exercise
from exercises.running import Report, judge
from exercises.sandbox import Outcome, Sandbox, processes_of, unavailable_reason

ATTACK_SCENARIO = """
async def scenario(h):
    await h.get("/attack", label="attack")
"""


def exercise_text(
    *,
    slug: str = "probe-exercise",
    lesson: str = "async-views",
    track: str = "async",
    routes: str = '{"/attack": attack}',
    starter: str = "async def attack(request):\n    return None\n",
    solution: str | None = None,
    scenario: str = ATTACK_SCENARIO,
    checks: str = "def check_answers(run):\n    assert run.request('attack').status == 200\n",
    extra: str = "",
) -> str:
    solution = solution or starter
    fence = "```"
    return (
        f"---\ntitle: A test exercise\nslug: {slug}\ntrack: {track}\nlesson: {lesson}\n"
        f"level: beginner\norder: 1\nroutes: {routes}\n{extra}---\n\nDo the thing.\n\n"
        f"{fence}python starter\n{starter}{fence}\n\n{fence}python solution\n{solution}{fence}\n\n"
        f"{fence}python scenario\n{textwrap.dedent(scenario)}{fence}\n\n"
        f"{fence}python checks\n{checks}{fence}\n"
    )


def make_exercise(**kwargs) -> Exercise:
    path = Path(f"/nowhere/content/{kwargs.get('track', 'async')}/01-probe-exercise.md")
    return parse_exercise(path, exercise_text(**kwargs), display_path=path)


def descendants(pid: int) -> list[int]:
    """Every live process below `pid`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children.get(child, [])
    return found


@dataclass
class SandboxRun:
    outcome: Outcome
    report: Report
    uid: int
    left_behind: list[int]  # live processes of the sandbox's uid after the run


@pytest.fixture(scope="session")
def real_sandbox() -> None:
    """Every test using this runs learner code in the real sandbox; there is no other way."""
    reason = unavailable_reason()
    assert reason is None, f"no sandbox on this machine: {reason} (./run test sets one up)"


@pytest.fixture
def run_attack(real_sandbox, settings) -> Iterator:
    """Run `code` as the learner's module in a fresh sandbox of its own (no pool: so that its
    uid is known and checked for leftovers before any other sandbox could take it)."""

    def run(code: str, **exercise) -> SandboxRun:
        if "attack" not in code:
            code += "\n\nasync def attack(request):\n    return None\n"
        subject = make_exercise(**exercise)
        sandbox = Sandbox.start()
        uid = sandbox.uid
        outcome = sandbox.run(subject.job(textwrap.dedent(code)))
        return SandboxRun(outcome, judge(subject, outcome), uid, processes_of(uid))

    yield run
