"""The Celery app: `celery -A playground.celery_app worker`.

Used only when CELERY_BROKER_URL is set, for CPU-bound demo work (without a broker it goes to a
process pool) and for exercise runs (on their own queue, EXERCISES_CELERY_QUEUE).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("interview_lab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # every installed app's tasks.py
