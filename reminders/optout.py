"""Opting out of optional emails (digests): the signed unsubscribe link and the opt-out itself."""

from django.core import signing

from .models import ReminderOptOut
from .recipients import normalise_email

# The salt names the module the links were first made in: changing it would break every link sent.
UNSUBSCRIBE_SALT = "cutover.reminders.unsubscribe"


def unsubscribe_token(email: str) -> str:
    """The secret part of an unsubscribe link: the address, signed with SECRET_KEY, so nobody can
    make a link for someone else's address. It does not expire: an old email's link still works."""
    return signing.dumps(normalise_email(email), salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_email(token: str) -> str | None:
    """The address a link was made for, or None if it was not made by us (or was altered)."""
    try:
        email = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return email if isinstance(email, str) else None


def reminder_opt_out(*, email: str) -> ReminderOptOut:
    """Stop the optional emails (digests) to this address; deadline reminders still go.

    Whoever holds the signed link acts here, and has no account, so there is no ``by``: the row's
    creation time is the record. Opting out twice is the same as once."""
    opt_out, _ = ReminderOptOut.objects.get_or_create(email=normalise_email(email))
    return opt_out


def reminder_is_opted_out(*, email: str) -> bool:
    return ReminderOptOut.objects.filter(email=normalise_email(email)).exists()
