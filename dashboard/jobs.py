"""Celery jobs for wave imports. They only call services; the services hold the rules and
claim the batch first, so a job delivered twice does its work once."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task
def check_import_batch(batch_id: int) -> None:
    services.import_batch_check(batch_id=batch_id)


# The soft limit raises inside the job, which then marks the batch as failed (nothing is created).
@shared_task(time_limit=settings.IMPORT_CREATE_TIME_LIMIT, soft_time_limit=settings.IMPORT_CREATE_TIME_LIMIT - 60)
def create_import_batch(batch_id: int) -> None:
    services.import_batch_create(batch_id=batch_id)
