"""The practice clock: real time, unless PRACTICE_CLOCK_FILE names a file holding an offset.

Spaced repetition is about days and weeks; tests (and an instructor previewing a schedule)
move the clock forward by writing a number of seconds into that file, instead of waiting.
"""

from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone


def offset() -> timedelta:
    path = settings.PRACTICE_CLOCK_FILE
    if not path:
        return timedelta()
    try:
        return timedelta(seconds=float(Path(path).read_text().strip() or 0))
    except (OSError, ValueError):
        return timedelta()


def now() -> datetime:
    return timezone.now() + offset()
