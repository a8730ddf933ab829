from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lessons.parsing import SLUG_RE
from lessons.tracks import TRACKS

SKELETON = """---
title: "{title}?"
slug: {slug}
track: {track}
level: intermediate
order: {order}
tags: []
related: []
key_points:
  - ""
  - ""
  - ""
---

## Why interviewers ask this

## Predict first

```quiz
question: ""
options:
  - ""
  - ""
answer: ""
explanation: ""
demo:
```

## Short answer

## Answer

## Pro tip

## Common mistakes

## Follow-up questions
"""


class Command(BaseCommand):
    help = "Write a lesson skeleton to lessons/content/<track>/NN-<slug>.md."

    def add_arguments(self, parser) -> None:
        parser.add_argument("track", help=f"one of: {', '.join(TRACKS)}")
        parser.add_argument("slug", help="lowercase words joined by hyphens")

    def handle(self, *args, track: str, slug: str, **options) -> None:
        if track not in TRACKS:
            raise CommandError(f"unknown track {track!r} (known: {', '.join(TRACKS)})")
        if not SLUG_RE.match(slug):
            raise CommandError("slug must be lowercase words joined by hyphens, e.g. async-views")
        folder = Path(settings.LESSONS_DIR) / track
        folder.mkdir(parents=True, exist_ok=True)
        if any(folder.glob(f"[0-9][0-9]-{slug}.md")):
            raise CommandError(f"a lesson with slug {slug!r} already exists in {folder}")
        order = len(list(folder.glob("*.md"))) + 1
        path = folder / f"{order:02d}-{slug}.md"
        title = slug.replace("-", " ").capitalize()
        path.write_text(SKELETON.format(title=title, slug=slug, track=track, order=order))
        self.stdout.write(f"Wrote {path}")
        self.stdout.write(
            "Fill in every section and the quiz (name the demo it predicts in `demo:`, "
            "or delete that line), then run `python manage.py check_lessons`. "
            "See docs/authoring.md for demo and quiz blocks."
        )
