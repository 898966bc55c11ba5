"""The Celery app: tasks are autodiscovered from each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "funnel_crm.settings")

app = Celery("funnel_crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
