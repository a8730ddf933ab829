from celery import shared_task

from .cpu_work import burn_and_say_where


@shared_task(name="playground.burn")
def burn(cpu_ms: float) -> str:
    return "celery " + burn_and_say_where(cpu_ms)
