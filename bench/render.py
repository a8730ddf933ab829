"""Lesson rendering cost: an uncached render vs a cached lesson page vs a bare view, and what
looking for changed lesson and exercise files costs; and what a full garbage collection
costs once start-up is done.

    .venv/bin/python bench/render.py

The uncached costs (the longest lesson's Markdown, its page's templates, a look at every
content file) are what production keeps off the request path: it reads the files once and
renders every page at start-up (config/asgi.py); development pays the look on every request.
The pages are measured in-process through Django's ASGI handler and the full middleware stack
(AsyncClient), in production settings, so the difference between the cached page and the bare
view is what the lesson page itself adds.
"""

import asyncio
import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + "x" * 50)
if "DJANGO_STATIC_ROOT" not in os.environ:
    from tests.servers import scratch_dir  # noqa: E402

    os.environ["DJANGO_STATIC_ROOT"] = str(scratch_dir("bench-static-"))
os.environ.setdefault("DJANGO_REQUEST_LOG", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

call_command("collectstatic", interactive=False, verbosity=0)  # production serves hashed names

from django.conf import settings  # noqa: E402
from django.test import AsyncClient  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from exercises.catalog import get_catalog as get_exercises  # noqa: E402
from lessons import pages  # noqa: E402
from lessons.catalog import _signature, get_catalog  # noqa: E402
from lessons.parsing import parse_lesson  # noqa: E402


def per_call_ms(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


async def per_request_ms(client: AsyncClient, url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = await client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def summary(times: list[float]) -> str:
    times = sorted(times)
    p99 = times[int(len(times) * 0.99) - 1]
    return f"median {statistics.median(times):7.3f} ms   p99 {p99:7.3f} ms"


def main() -> None:
    catalog = get_catalog()
    longest = max(catalog.lessons.values(), key=lambda lesson: lesson.path.stat().st_size)
    text = longest.path.read_text()
    print(f"Lesson: {longest.slug} ({len(text):,} bytes of Markdown)")

    uncached = per_call_ms(lambda: parse_lesson(longest.path, text, display_path=longest.path), 30)
    print(f"uncached render (parse + Markdown + Pygments + nh3): {summary(uncached)}")
    page_render = per_call_ms(lambda: pages.render_page(catalog, longest), 30)
    print(f"uncached page (the lesson's templates, once a lesson): {summary(page_render)}")
    lessons_dir, exercises_dir = Path(settings.LESSONS_DIR), Path(settings.EXERCISES_DIR)
    look = per_call_ms(lambda: (_signature(lessons_dir), _signature(exercises_dir)), 200)
    print(f"a look for changed lesson/exercise files (development, per request): {summary(look)}")
    kept = per_call_ms(lambda: (get_catalog(), get_exercises()), 2000)
    print(f"the kept catalogs (production, per request):         {summary(kept)}")
    pages.warm(catalog)

    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["testserver"]):
        client = AsyncClient()
        url = f"/lessons/{longest.slug}/"

        async def measure() -> tuple[list[float], list[float]]:
            await per_request_ms(client, url, 50)  # warm up
            await per_request_ms(client, "/bench/bare/", 50)
            return (
                await per_request_ms(client, "/bench/bare/", 2000),
                await per_request_ms(client, url, 2000),
            )

        bare, page = asyncio.run(measure())
    print(f"bare view:                                             {summary(bare)}")
    print(f"cached lesson page:                                    {summary(page)}")
    added = statistics.median(page) - statistics.median(bare)
    print(f"cached lesson page adds {added:.3f} ms over a bare view (target: under 1 ms)")
    print(f"Lessons in catalog: {len(catalog.lessons)}; LESSONS_DIR={settings.LESSONS_DIR}")
    collections()


def collections() -> None:
    """A full garbage collection once start-up is done, with what start-up made frozen out of
    the collector's sight (as config/asgi.py leaves it) and without."""
    import config.asgi  # noqa: F401  (start-up: every lesson page made and kept, then frozen)

    frozen = per_call_ms(gc.collect, 10)
    tracked = len(gc.get_objects())
    gc.unfreeze()
    whole = per_call_ms(gc.collect, 10)
    count = len(gc.get_objects())
    print(f"a full garbage collection after start-up ({count:,} objects): {summary(whole)}")
    print(f"  with start-up frozen (config/asgi.py; {tracked:,} objects left): {summary(frozen)}")


if __name__ == "__main__":
    main()
