"""Celery jobs of the accounts app. They hold no rules: each calls a function in this app."""

from celery import shared_task

from . import passwords


@shared_task(name="accounts.jobs.send_password_reset", ignore_result=True)
def send_password_reset(email: str) -> int:
    """Send the reset link(s) for an address someone typed on the reset page; 0 for an unknown one."""
    return passwords.password_reset_send(email=email)
