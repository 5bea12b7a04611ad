import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cutover.settings")

app = Celery("cutover")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")
