"""Deployment checks for the Teams webhook key (registered in apps.py)."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_teams_webhook_key(app_configs, **kwargs):
    """Webhook URLs are stored encrypted under TEAMS_WEBHOOK_KEY; without one the key comes from
    SECRET_KEY, which is fine on a laptop and wrong in production (rotating one would lose the other)."""
    key = settings.TEAMS_WEBHOOK_KEY
    if not key:
        return [
            Error(
                "TEAMS_WEBHOOK_KEY is not set.",
                hint='Set it to a Fernet key: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"',
                id="reminders.E001",
            )
        ]
    try:
        Fernet(key)
    except ValueError:
        return [Error("TEAMS_WEBHOOK_KEY is not a Fernet key (32 bytes, url-safe base64).", id="reminders.E002")]
    return []
