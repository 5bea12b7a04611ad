"""Celery jobs of the practices app. They hold no rules: each calls a function in this app."""

from celery import shared_task

from . import invitations


@shared_task(name="practices.jobs.send_invitations", ignore_result=True)
def send_invitations(invitation_ids: list[int]) -> int:
    """Email a wave's invitations, after the wave has committed; returns how many were sent."""
    return invitations.invitations_send(ids=invitation_ids)
