"""Celery jobs for wave imports. They only call services; the services hold the rules and
claim the batch first, so a job delivered twice does its work once."""

from celery import shared_task
from django.conf import settings

from . import services
from .rag_watch import rag_watch


# Time limits: the soft one raises inside the job, which marks the batch as failed with a message;
# the hard one ends a worker that did not stop. Memory is bounded by what wave_file/limits.py lets a file hold,
# and the worker's --max-memory-per-child replaces a process that grew.
@shared_task(time_limit=settings.IMPORT_CHECK_TIME_LIMIT, soft_time_limit=settings.IMPORT_CHECK_TIME_LIMIT - 60)
def check_import_batch(batch_id: int) -> None:
    services.import_batch_check(batch_id=batch_id)


# The soft limit raises inside the job, which then marks the batch as failed (nothing is created).
@shared_task(time_limit=settings.IMPORT_CREATE_TIME_LIMIT, soft_time_limit=settings.IMPORT_CREATE_TIME_LIMIT - 60)
def create_import_batch(batch_id: int) -> None:
    services.import_batch_create(batch_id=batch_id)


@shared_task(name="dashboard.jobs.watch_rag", ignore_result=True)
def watch_rag() -> int:
    """Run by the beat entry ``dashboard-rag-watch``; returns how many migrations turned red."""
    return len(rag_watch().turned_red)
