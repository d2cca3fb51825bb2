"""The Celery app: configured from Django settings (CELERY_*), tasks found in each app's tasks.py.

Periodic tasks live in the database (django-celery-beat) so admins can change them; their
defaults are declared in one place, `personalization.services.setup.PERIODIC_TASKS`.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamflix.settings")

app = Celery("streamflix")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
