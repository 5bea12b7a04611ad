"""Inviting someone to join a practice by email, with a one-time link that expires.

The link carries a value signed with Django's signing tools (SECRET_KEY, a salt of its own
and a timestamp checked against INVITATION_VALID_DAYS), so it cannot be forged or edited.
"One-time" is the Invitation row's job: accepting claims it with a conditional UPDATE.
"""

import contextlib
import datetime
import logging
import smtplib

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from .models import Invitation, Practice, PracticeMembership, Stakeholder, User
from .signals import contact_joined
from .stakeholders import MEMBERSHIP_TO_STAKEHOLDER_ROLE, DuplicateStakeholder, stakeholder_create

logger = logging.getLogger(__name__)

SALT = "practices.invitation"
# The same invitation submitted again within this time (a double click, a form sent twice at once)
# is the same invitation: it is not replaced and its email is not sent again.
REPEAT_WINDOW = datetime.timedelta(minutes=1)


class AlreadyMember(Exception):
    pass


class InvitationProblem(Exception):
    """Why a link cannot be used, said plainly for the page that shows it."""

    def __init__(self, kind: str, title: str, message: str, status: int):
        self.kind, self.title, self.message, self.status = kind, title, message, status
        super().__init__(message)


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "p": invitation.practice_id}, salt=SALT, compress=True)


def invitation_url(invitation: Invitation) -> str:
    path = reverse("invitation-accept", args=[invitation.practice.ods_code, invitation_token(invitation)])
    return settings.SITE_URL + path


def invitation_create(*, practice: Practice, email: str, role: str, by, migration=None) -> Invitation:
    """Invite `email` to join `practice` as `role` and send the link once the invitation is saved.

    A newer invitation to the same address replaces the older one, whose link then stops working;
    the same invitation again within REPEAT_WINDOW returns the one just made (one invitation, one
    email), unless its email failed, when inviting again is how the manager sends it again.
    """
    email = email.strip().lower()
    if PracticeMembership.objects.filter(practice=practice, user__email__iexact=email).exists():
        raise AlreadyMember(f"{email} is already a member of {practice.name}.")
    try:
        with transaction.atomic():
            # Invitations to one practice are decided one at a time: submits arriving together queue
            # on the practice's row, so each sees what the one before it did instead of racing to insert.
            list(Practice.objects.select_for_update().filter(pk=practice.pk))
            now = timezone.now()
            open_invitations = Invitation.objects.filter(
                practice=practice, email__iexact=email, accepted_at__isnull=True, replaced_at__isnull=True
            )
            repeated = _repeat_of(open_invitations.first(), role=role, migration=migration, now=now)
            if repeated is not None:
                return repeated
            for older in open_invitations.select_for_update():
                older.replaced_at = now
                older.save(update_fields=["replaced_at"])
            invitation = Invitation.objects.create(
                practice=practice, migration=migration, email=email, role=role, invited_by=by, created_at=now
            )
            transaction.on_commit(lambda: invitation_send(invitation))
    except IntegrityError:
        # Only where the row lock does not serialise (SQLite): another submit made it first.
        existing = Invitation.objects.filter(
            practice=practice, email__iexact=email, accepted_at__isnull=True, replaced_at__isnull=True
        ).first()
        if existing is None:
            raise
        return existing
    return invitation


def invitations_create(*, wanted: list[tuple[Practice, str, object]], role: str, by) -> None:
    """``invitation_create`` for many (practice, email, migration) at once (a wave), skipping people
    already members. The usual case, nobody open-invited to that practice yet, is saved in bulk;
    anyone else goes through invitation_create one by one, so the replacing and repeat rules stay
    in one place. Each email goes once the invitations are saved, as invitation_create's does, but
    the bulk ones from a worker job of their own: thousands of emails to a mail server would
    otherwise hold up the job creating the wave (see invitations_send_soon).
    """
    wanted = [(practice, email.strip().lower(), migration) for practice, email, migration in wanted]
    practice_ids = {practice.pk for practice, _, _ in wanted}
    members = set(
        PracticeMembership.objects.filter(practice_id__in=practice_ids)
        .annotate(address=Lower("user__email"))
        .values_list("practice_id", "address")
    )
    invited = set(
        Invitation.objects.filter(practice_id__in=practice_ids, accepted_at__isnull=True, replaced_at__isnull=True)
        .annotate(address=Lower("email"))
        .values_list("practice_id", "address")
    )
    now = timezone.now()
    fresh, one_by_one = [], []
    for practice, email, migration in wanted:
        key = (practice.pk, email)
        if key in members:
            continue
        if key in invited:
            one_by_one.append((practice, email, migration))
            continue
        invited.add(key)
        fresh.append(
            Invitation(practice=practice, migration=migration, email=email, role=role, invited_by=by, created_at=now)
        )
    with transaction.atomic():
        # Audit: the Invitation row is its own record (audit/coverage.py), as invitation_create's is.
        saved = Invitation.objects.bulk_create(fresh, batch_size=1_000)
        if saved:
            transaction.on_commit(lambda: invitations_send_soon([invitation.pk for invitation in saved]))
        for practice, email, migration in one_by_one:
            with contextlib.suppress(AlreadyMember):
                invitation_create(practice=practice, email=email, role=role, by=by, migration=migration)


def _repeat_of(invitation: Invitation | None, *, role: str, migration, now) -> Invitation | None:
    if invitation is None or invitation.email_failed_at is not None:
        return None
    same = invitation.role == role and invitation.migration_id == (migration.pk if migration else None)
    return invitation if same and now - invitation.created_at < REPEAT_WINDOW else None


def invitations_send_soon(ids: list[int]) -> None:
    """Hand these saved invitations' emails to a worker; called after commit.

    A broker that is down must not lose them: they are sent here and now instead, slowly.
    """
    from .jobs import send_invitations  # jobs imports this module

    try:
        send_invitations.delay(ids)
    except (OperationalError, RedisError, OSError) as exc:
        logger.warning("Broker unavailable (%s): sending %s invitations here", exc.__class__.__name__, len(ids))
        invitations_send(ids=ids)


def invitations_send(*, ids: list[int]) -> int:
    """Email each of these invitations that can still be accepted; returns how many were sent.

    One accepted or replaced by a newer one before the job ran is skipped: its link would not work.
    """
    sendable = Invitation.objects.filter(pk__in=ids, accepted_at__isnull=True, replaced_at__isnull=True)
    sent = 0
    for invitation in sendable.select_related("practice", "invited_by").order_by("pk"):
        sent += invitation_send(invitation)
    return sent


def invitation_send(invitation: Invitation) -> bool:
    """Email the invitation's link; False (and the invitation marked) if the mail server refused it."""
    context = {
        "invitation": invitation,
        "practice": invitation.practice,
        "inviter": invitation.invited_by,
        "role": invitation.get_role_display(),
        "url": invitation_url(invitation),
        "expires": invitation.expires_at,
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    subject = render_to_string("practices/emails/invitation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("practices/emails/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("practices/emails/invitation.html", context), "text/html")
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        # This runs after the invitation is saved: a mail server that is down must not turn the
        # request into an error page. The people page says the email did not go.
        logger.warning("Invitation %s could not be emailed (%s)", invitation.pk, exc.__class__.__name__)
        # Audit: not a change to anyone's record; the invitation keeps no history (see its docstring).
        Invitation.objects.filter(pk=invitation.pk).update(email_failed_at=timezone.now())
        invitation.email_failed_at = timezone.now()
        return False
    logger.info("Sent invitation %s to join practice %s", invitation.pk, invitation.practice_id)
    return True


def invitation_open(token: str, *, ods_code: str) -> Invitation:
    """The invitation behind a link, or InvitationProblem saying why it cannot be used."""
    try:
        data = signing.loads(token, salt=SALT, max_age=datetime.timedelta(days=settings.INVITATION_VALID_DAYS))
    except signing.SignatureExpired:
        raise InvitationProblem(
            "expired",
            "This invitation has expired",
            f"Invitation links work for {settings.INVITATION_VALID_DAYS} days. "
            "Ask your practice manager to send you a new one.",
            410,
        ) from None
    except signing.BadSignature:
        raise _not_valid() from None
    invitation = (
        Invitation.objects.select_related("practice", "invited_by", "migration").filter(pk=data.get("i")).first()
    )
    if invitation is None or invitation.practice_id != data.get("p"):
        raise _not_valid()
    if invitation.practice.ods_code != ods_code.upper():
        raise InvitationProblem(
            "wrong_practice",
            "This link is for a different practice",
            "The invitation and the practice in this link do not match. Open the link exactly as it arrived "
            "in your email, or ask your practice manager to send a new one.",
            404,
        )
    if invitation.accepted_at:
        raise InvitationProblem(
            "used",
            "This invitation has already been used",
            f"It was accepted on {date_format(timezone.localtime(invitation.accepted_at), 'DATE_FORMAT')}. "
            "If that was you, sign in with your email address.",
            410,
        )
    if invitation.replaced_at:
        raise InvitationProblem(
            "replaced",
            "This invitation has been replaced",
            "A newer invitation was sent to the same address. Use the link in the most recent email.",
            410,
        )
    return invitation


def _not_valid() -> InvitationProblem:
    return InvitationProblem(
        "invalid",
        "This invitation link is not valid",
        "It may have been copied only in part. Open the link exactly as it arrived in your email.",
        404,
    )


def invitation_accept(*, invitation: Invitation, user: User) -> PracticeMembership:
    """Join the practice (and the migration's people, if the invitation came from one).

    Someone who is already a member keeps the role they have: an invitation never
    changes a role behind the practice manager's back.
    """
    if user.email.lower() != invitation.email.lower():
        raise InvitationProblem(
            "wrong_person",
            "This invitation was sent to someone else",
            f"You are signed in as {user.email}, but the invitation was sent to {invitation.email}. "
            "Sign out and open the link again, or ask for an invitation to your own address.",
            403,
        )
    with transaction.atomic():
        # Audit: an UPDATE with no history row on purpose. The claim columns (accepted_at, accepted_by)
        # are the record of who accepted and when, and Invitation has no other history (see its docstring).
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, replaced_at__isnull=True
        ).update(accepted_at=timezone.now(), accepted_by=user)
        if not claimed:
            raise InvitationProblem(
                "used", "This invitation has already been used", "Sign in with your email address.", 410
            )
        membership = PracticeMembership.objects.filter(user=user, practice=invitation.practice).first()
        if membership is None:
            membership = PracticeMembership(user=user, practice=invitation.practice, role=invitation.role)
            membership._history_user = invitation.invited_by
            membership.save()
        migration = invitation.migration
        if migration is not None and migration.status == migration.Status.ACTIVE:
            role = MEMBERSHIP_TO_STAKEHOLDER_ROLE[membership.role]
            # Someone recorded as a contact with this address until they joined (the wave import
            # records invited practice managers so) becomes this user, rather than a second entry.
            stand_in = migration.stakeholders.current().filter(role=role, user=None, email__iexact=user.email).first()
            already = migration.stakeholders.current().filter(role=role, user=user).exists()
            if stand_in is not None and not already:
                contact_joined.send(sender=Stakeholder, contact=stand_in, user=user, by=invitation.invited_by)
                stand_in.user = user
                stand_in.name = stand_in.email = stand_in.organisation_name = stand_in.organisation_ods_code = ""
                stand_in._history_user = invitation.invited_by
                stand_in.save()
            else:
                # Someone the manager already added by hand stays as they are.
                with contextlib.suppress(DuplicateStakeholder):
                    stakeholder_create(migration=migration, role=role, user=user, by=invitation.invited_by)
    return membership


def invitation_accept_as_new_user(*, invitation: Invitation, first_name: str, last_name: str, password: str) -> User:
    """Create the invited person's account with the password they chose, then accept.

    The invitation is locked first, so of several submits at once one creates the account and the
    others find the invitation used, rather than racing to create the same user.
    """
    with transaction.atomic():
        if not Invitation.objects.select_for_update().filter(
            pk=invitation.pk, accepted_at__isnull=True, replaced_at__isnull=True
        ):
            raise InvitationProblem(
                "used", "This invitation has already been used", "Sign in with your email address.", 410
            )
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=invitation.email, password=password, first_name=first_name, last_name=last_name
                )
        except IntegrityError:
            # An administrator made the account since the page was opened.
            raise InvitationProblem(
                "account_exists",
                "You already have an account",
                "Sign in with your email address, then open the invitation link again to accept it.",
                409,
            ) from None
        invitation_accept(invitation=invitation, user=user)
    return user
