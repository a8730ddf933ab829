"""The `demo` and `quiz` fenced blocks a lesson embeds, parsed into structured data."""

from dataclasses import dataclass

import yaml

from playground.registry import ParamError, get_demo


class BlockError(ValueError):
    """A demo or quiz block is malformed; the message says how."""


@dataclass(frozen=True)
class DemoBlock:
    demo_id: str
    params: dict[str, int | float]  # every parameter, lesson values over registry defaults
    given: dict[str, int | float]  # only what the lesson set
    line: int


@dataclass(frozen=True)
class Quiz:
    question: str
    options: tuple[str, ...]
    answer: int  # index into options
    explanation: str
    line: int
    demo: str | None = None  # the demo this quiz predicts, embedded by the same lesson


def _load_mapping(source: str, kind: str) -> dict:
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (block line {mark.line + 1})" if mark else ""
        raise BlockError(f"{kind} block is not valid YAML{where}: {exc}") from None
    if not isinstance(data, dict):
        raise BlockError(f"{kind} block must be a set of 'key: value' lines")
    return data


def parse_demo(source: str, line: int) -> DemoBlock:
    data = _load_mapping(source, "demo")
    demo_id = data.pop("id", None)
    if not isinstance(demo_id, str) or not demo_id:
        raise BlockError("demo block needs an 'id:' naming a playground demo")
    demo = get_demo(demo_id)
    if demo is None:
        raise BlockError(f"unknown demo id {demo_id!r}")
    try:
        params = demo.parse(data)
    except ParamError as exc:
        raise BlockError(f"demo {demo_id!r}: {exc}") from None
    given = {name: params[name] for name in data}
    return DemoBlock(demo_id=demo_id, params=params, given=given, line=line)


def parse_quiz(source: str, line: int) -> Quiz:
    data = _load_mapping(source, "quiz")
    unknown = sorted(set(data) - {"question", "options", "answer", "explanation", "demo"})
    if unknown:
        raise BlockError(f"quiz block has unknown key {unknown[0]!r}")
    question, options = data.get("question"), data.get("options")
    answer, explanation = data.get("answer"), data.get("explanation")
    if not isinstance(question, str) or not question.strip():
        raise BlockError("quiz block needs a 'question:'")
    if (
        not isinstance(options, list)
        or len(options) < 2
        or not all(isinstance(option, str | int | float) for option in options)
    ):
        raise BlockError("quiz block needs 'options:' with at least two entries")
    options = [str(option) for option in options]
    if len(set(options)) != len(options):
        raise BlockError("quiz options must differ from each other")
    if str(answer) not in options:
        raise BlockError(f"quiz 'answer:' must be one of the options exactly, not {answer!r}")
    if not isinstance(explanation, str) or not explanation.strip():
        raise BlockError("quiz block needs an 'explanation:' shown after the learner answers")
    demo = data.get("demo")
    if demo is not None and (not isinstance(demo, str) or not demo.strip()):
        raise BlockError("quiz 'demo:' must name a demo id, e.g. 'demo: fanout'")
    return Quiz(
        question=question.strip(),
        options=tuple(options),
        answer=options.index(str(answer)),
        explanation=explanation.strip(),
        line=line,
        demo=demo.strip() if demo else None,
    )
