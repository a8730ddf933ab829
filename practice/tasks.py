from celery import shared_task

from .learners import clean_stale


@shared_task(name="practice.clean_learners")
def clean_learners(days: int = 90) -> int:
    """Run daily by Celery beat when a broker is configured (see CELERY_BEAT_SCHEDULE)."""
    from django.core.management import call_command

    removed = clean_stale(days)
    call_command("clearsessions")
    return removed
