"""Celery jobs of the re-entry log. They hold no rules: each calls a function in retention.py."""

from celery import shared_task

from . import retention


@shared_task(name="reentry.jobs.purge_identifiers", ignore_result=True)
def purge_identifiers() -> int:
    """Run daily by beat; returns how many entries lost their identifiers. Safe to run twice."""
    return sum(result.removed for result in retention.identifiers_remove_due())
