"""Adding a demo means writing its module and a lesson that embeds it: nothing else."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import lesson_text, write_lesson
from tests.playground.http import get
from tests.servers import BASE_DIR, RunningServer, start_daphne

pytestmark = pytest.mark.server

MODULE = '''"""A throwaway demo, written by a test."""

from ..registry import Demo, Param

echo = Demo(
    id="{demo_id}",
    title="Throwaway echo",
    description="Says back how many times it was asked to.",
    params={{"times": Param(2, 1, 5, "how many echoes")}},
)


@echo.variant("async", title="async echo")
async def echo_async(request, params, trace):
    with trace.span("echo", "sleep"):
        return {{"echoes": params["times"]}}
'''


@pytest.fixture
def throwaway_demo(tmp_path) -> Iterator[tuple[str, RunningServer]]:
    demo_id = f"throwaway-{uuid.uuid4().hex[:8]}"
    module = BASE_DIR / "playground" / "demos" / f"_throwaway_{demo_id[10:]}.py"
    module.write_text(MODULE.format(demo_id=demo_id))
    try:
        server = start_daphne(tmp_path)
        try:
            yield demo_id, server
        finally:
            server.stop()
    finally:
        module.unlink()


def test_a_new_demo_module_is_found_and_embeds_in_a_lesson(throwaway_demo):
    demo_id, server = throwaway_demo
    demos = get(f"{server.url}/playground/api/demos").json()["demos"]
    found = next(demo for demo in demos if demo["id"] == demo_id)
    assert found["variants"] == ["async"]
    assert found["params"]["times"]["max"] == 5

    run = get(f"{server.url}/playground/api/{demo_id}/async?times=3").json()
    assert run["result"] == {"echoes": 3} and run["spans"][0]["label"] == "echo"

    body = lesson_text("echo-lesson").replace(
        "## Pro tip", f"```demo\nid: {demo_id}\ntimes: 4\n```\n\n## Pro tip"
    )
    write_lesson(Path(server.lessons_dir) / "async", "90-echo-lesson.md", body)
    page = get(f"{server.url}/lessons/echo-lesson/")
    assert page.status == 200
    assert f'data-demo="{demo_id}"' in page.text
    assert 'name="times" value="4"' in page.text
