"""The people of one migration: named stakeholders (members or outside contacts), the manager's
confirmation of who is involved, and invitations to join a practice."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from ..validators import ods_organisation_code_validator, uk_phone_validator
from .people import Organisation, Practice, PracticeMembership, StakeholderRole, User


class StakeholderQuerySet(models.QuerySet):
    def current(self) -> "StakeholderQuerySet":
        """The people still involved. A removed stakeholder only stays as the one who held closed tasks."""
        return self.filter(removed_at__isnull=True)


class Stakeholder(models.Model):
    """Someone involved in one migration, in one of the nine roles.

    Either a user of the app (who signs in) or an outside contact (who only gets email
    and never signs in). A user's name and email come from their account, so an
    outside contact's fields stay empty for them; the database insists on it.

    Removing a stakeholder deletes the row, unless done or not-applicable tasks still name
    them as the outside contact who held them: then the row stays, marked removed, so those
    tasks keep their history. Readers ask for `.current()` stakeholders.
    """

    migration = models.ForeignKey("cutover.Migration", on_delete=models.CASCADE, related_name="stakeholders")
    role = models.CharField(max_length=32, choices=StakeholderRole.choices)
    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stakeholder_roles",
        verbose_name="person who signs in",
    )
    name = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="stakeholders"
    )
    organisation_name = models.CharField("organisation", max_length=200, blank=True)
    organisation_ods_code = models.CharField(
        "organisation's ODS code", max_length=5, blank=True, validators=[ods_organisation_code_validator]
    )
    job_title = models.CharField("job title or role", max_length=200, blank=True)
    email = models.EmailField("email address", blank=True)
    phone = models.CharField("phone number", max_length=32, blank=True, validators=[uk_phone_validator])
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    removed_at = models.DateTimeField("removed from the migration", null=True, blank=True)
    history = HistoricalRecords()
    objects = StakeholderQuerySet.as_manager()

    class Meta:
        ordering = ["migration", "role", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, name="", email="", organisation_name="", organisation_ods_code="")
                    | (
                        models.Q(user__isnull=True)
                        & (~models.Q(name="") | models.Q(organisation__isnull=False) | ~models.Q(organisation_name=""))
                    )
                ),
                name="stakeholder_is_a_user_or_an_outside_contact",
                violation_error_message=(
                    "Choose a person who signs in, or fill in an outside contact's name or organisation, not both."
                ),
            ),
            models.UniqueConstraint(
                fields=["migration", "role", "user"],
                condition=models.Q(user__isnull=False, removed_at__isnull=True),
                name="stakeholder_user_once_per_role",
                violation_error_message="This person is already recorded in this role.",
            ),
            models.UniqueConstraint(
                "migration",
                "role",
                Lower("email"),
                condition=models.Q(user__isnull=True, removed_at__isnull=True) & ~models.Q(email=""),
                name="stakeholder_contact_email_once_per_role",
                violation_error_message="A contact with this email address is already recorded in this role.",
            ),
            models.UniqueConstraint(
                fields=["migration", "role", "organisation"],
                condition=models.Q(
                    user__isnull=True, name="", email="", organisation__isnull=False, removed_at__isnull=True
                ),
                name="stakeholder_organisation_once_per_role",
                violation_error_message="This organisation is already recorded in this role.",
            ),
        ]

    def __str__(self):
        return f"{self.display_name}, {self.get_role_display()}"

    @property
    def is_user(self) -> bool:
        return self.user_id is not None

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def display_name(self) -> str:
        if self.user_id:
            return str(self.user)
        return self.name or self.organisation_display

    @property
    def organisation_display(self) -> str:
        return self.organisation.name if self.organisation_id else self.organisation_name

    @property
    def contact_email(self) -> str:
        """Where reminders go: a user's account address, or the contact's own."""
        return self.user.email if self.user_id else self.email


class StakeholderConfirmation(models.Model):
    """The practice manager has confirmed who is involved (the suggestions were reviewed)."""

    migration = models.OneToOneField(
        "cutover.Migration", on_delete=models.CASCADE, related_name="stakeholder_confirmation"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    def __str__(self):
        return f"People of {self.migration} confirmed on {date_format(self.confirmed_at, 'DATE_FORMAT')}"


class Invitation(models.Model):
    """An invitation to join a practice with a role, sent by email as a signed, expiring link.

    The record itself is the audit trail (who invited whom, when, who accepted and when),
    so it has no separate history: accepting claims the row with a conditional UPDATE,
    which is how a link is used only once even when clicked twice at the same moment.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="invitations")
    migration = models.ForeignKey(
        "cutover.Migration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        help_text="If set, the person joins this migration's people when they accept.",
    )
    email = models.EmailField("email address")
    role = models.CharField(max_length=32, choices=PracticeMembership.Role.choices)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations_sent")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    email_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="The mail server refused the invitation email: invite again."
    )
    replaced_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a newer invitation to the same address replaced this one."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "practice",
                condition=models.Q(accepted_at__isnull=True, replaced_at__isnull=True),
                name="one_open_invitation_per_email_and_practice",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True, accepted_by__isnull=True)
                | models.Q(accepted_at__isnull=False, accepted_by__isnull=False),
                name="invitation_accepted_by_someone",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(replaced_at__isnull=True),
                name="invitation_accepted_or_replaced_not_both",
            ),
        ]

    def __str__(self):
        return f"{self.email} to {self.practice.name} as {self.get_role_display()}"

    @property
    def expires_at(self):
        return self.created_at + datetime.timedelta(days=settings.INVITATION_VALID_DAYS)

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at
