from pathlib import Path

from lessons.catalog import get_catalog
from tests.helpers import lesson_text, write_lesson


def test_real_lessons_load_without_problems():
    catalog = get_catalog()
    assert catalog.problems == []
    assert "async-views" in catalog.lessons


def test_new_file_appears_without_restart(lessons_dir: Path):
    before = get_catalog()
    assert "fresh-lesson" not in before.lessons
    write_lesson(lessons_dir / "async", "90-fresh-lesson.md", lesson_text("fresh-lesson"))
    assert "fresh-lesson" in get_catalog().lessons


def test_edited_file_is_re_rendered(lessons_dir: Path):
    path = write_lesson(lessons_dir / "async", "90-edited.md", lesson_text("edited"))
    assert "Measure it." in get_catalog().lessons["edited"].html
    path.write_text(lesson_text("edited").replace("Measure it.", "Measure it twice."))
    assert "Measure it twice." in get_catalog().lessons["edited"].html


def test_unchanged_catalog_is_reused(lessons_dir: Path):
    assert get_catalog() is get_catalog()


def test_broken_file_is_reported_and_the_rest_still_served(lessons_dir: Path):
    write_lesson(lessons_dir / "async", "91-broken.md", "---\ntitle: [oops\n---\n")
    catalog = get_catalog()
    assert "async-views" in catalog.lessons
    [problem] = catalog.problems
    assert problem.path.name == "91-broken.md"
    assert problem.line == 2


def test_duplicate_slug_and_missing_related_are_reported(lessons_dir: Path):
    write_lesson(lessons_dir / "async", "92-async-views.md", lesson_text("async-views"))
    write_lesson(lessons_dir / "async", "93-linked.md", lesson_text("linked", related="[nowhere]"))
    messages = [str(p) for p in get_catalog().problems]
    assert any("slug 'async-views' is also used by" in m for m in messages)
    assert any("93-linked.md:8: related lesson 'nowhere' does not exist" in m for m in messages)


def test_file_outside_a_track_folder_is_reported(lessons_dir: Path):
    write_lesson(lessons_dir, "stray.md", lesson_text("stray"))
    [problem] = get_catalog().problems
    assert "content/<track>/NN-slug.md" in problem.message


def test_neighbours_follow_track_order(lessons_dir: Path):
    write_lesson(lessons_dir / "async", "98-later.md", lesson_text("later", order=98))
    write_lesson(lessons_dir / "async", "99-last.md", lesson_text("last", order=99))
    catalog = get_catalog()
    previous, following = catalog.neighbours(catalog.lessons["later"])
    assert following.slug == "last"
    assert previous is not None and previous.order < 98
