"""Content and code must not drift apart: every lesson's code runs, every API it names exists,
every demo it embeds exists and every demo is embedded somewhere."""

import re
from functools import cache
from pathlib import Path

import django
import pytest
from django.core.cache.backends.base import BaseCache
from django.db.models import Model, QuerySet

from lessons.catalog import get_catalog
from playground.models import Author
from playground.registry import DEMOS

LESSONS = sorted(get_catalog().lessons.values(), key=lambda lesson: (lesson.track, lesson.order))
CODE = [
    pytest.param(lesson, block, id=f"{lesson.slug}:{block.line}")
    for lesson in LESSONS
    for block in lesson.code_blocks
    if block.lang == "python"
]
# `await qs.acount()` in code, or `acount()` / `aget` in the prose.
ASYNC_CALL = re.compile(r"\.(a[a-z_]{2,})\(")
INLINE_CODE = re.compile(r"<code>([^<]+)</code>")
INLINE_ASYNC_NAME = re.compile(r"^(?:\w+\.)*(a[a-z_]{2,})(?:\(.*\))?$")


@cache
def django_async_names() -> frozenset[str]:
    """Every `async def a...` that Django 5.2 defines, read from its installed source."""
    root = Path(django.__file__).parent
    names = set()
    for path in root.rglob("*.py"):
        names.update(re.findall(r"async def (a[a-z_]+)\(", path.read_text(encoding="utf-8")))
    return frozenset(names)


def sync_twin_exists(name: str) -> bool:
    """Does `name` look like an a-prefixed twin of a sync ORM, model or cache method?"""
    rest = name[1:]
    related = Author.books.related_manager_cls
    return any(hasattr(owner, rest) for owner in (QuerySet, Model, BaseCache, related))


def test_there_are_lessons():
    assert LESSONS


def test_every_lesson_embeds_a_demo():
    assert [lesson.slug for lesson in LESSONS if not lesson.demos] == []


def test_every_quiz_names_the_demo_that_checks_it():
    assert [
        f"{lesson.slug}:{quiz.line}"
        for lesson in LESSONS
        for quiz in lesson.quizzes
        if not quiz.demo
    ] == []


def test_every_demo_is_embedded_by_some_lesson():
    embedded = {demo.demo_id for lesson in LESSONS for demo in lesson.demos}
    assert sorted(set(DEMOS) - embedded) == []


@pytest.mark.parametrize(("lesson", "block"), CODE)
def test_python_blocks_run(lesson, block):
    """Each ```python block is module-level code that imports and defines; run it."""
    namespace = {"__name__": f"lesson_{lesson.slug.replace('-', '_')}"}
    exec(compile(block.source, f"{lesson.path}:{block.line}", "exec"), namespace)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_async_orm_names_exist_in_django(lesson):
    used = set()
    for block in lesson.code_blocks:
        used.update(ASYNC_CALL.findall(block.source))
    for code in INLINE_CODE.findall(lesson.html):
        match = INLINE_ASYNC_NAME.match(code.strip())
        if match:
            used.add(match.group(1))
    looks_like_django = {name for name in used if sync_twin_exists(name)}
    missing = sorted(looks_like_django - django_async_names())
    if "apaginate" in missing or any("Paginator" in name for name in missing):
        pytest.fail("async pagination (AsyncPaginator) is Django 6.0, not 5.2")
    assert missing == [], f"{lesson.slug} names async methods Django 5.2 lacks: {missing}"


def test_the_checker_catches_an_invented_method():
    assert sync_twin_exists("aget") and "aget" in django_async_names()
    assert sync_twin_exists("avalues_list") and "avalues_list" not in django_async_names()
