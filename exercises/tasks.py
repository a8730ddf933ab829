"""Exercise runs on Celery workers (when CELERY_BROKER_URL is set), on their own queue
(EXERCISES_CELERY_QUEUE), so that web workers never start a sandbox. The worker runs the
sandbox and sends back its raw outcome; the web process reads it and runs the checks."""

from celery import shared_task

from .running import run_locally


@shared_task(name="exercises.run_in_sandbox")
def run_in_sandbox(job: dict) -> dict:
    return run_locally(job)
