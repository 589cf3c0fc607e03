"""Celery application.

With ``REDIS_URL`` set the broker is Redis and a worker + beat run the tasks; without it
settings turn on ``task_always_eager`` so a single web process is the whole platform.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adplatform.settings.base")

app = Celery("adplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
