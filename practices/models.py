"""Who takes part in a cutover: organisations, practices, people and their roles."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .validators import ods_organisation_code_validator, uk_phone_validator

ods_practice_code_validator = RegexValidator(
    r"^[A-Z][0-9]{5}$",
    "Enter the practice's ODS code: one capital letter then five digits, for example A81001.",
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class StakeholderRole(models.TextChoices):
    """The nine kinds of people the NHS guidance names for a cutover.

    Used for a migration's stakeholders and for each plan task's default owner.
    """

    PRACTICE_MANAGER = "practice_manager", "Practice manager"
    PRACTICE_STAFF = "practice_staff", "Practice staff"
    ICB = "icb", "Integrated care board (ICB)"
    DELIVERY_PARTNER = "delivery_partner", "IT delivery partner"
    IT_LEAD = "it_lead", "IT lead"
    CURRENT_SUPPLIER = "current_supplier", "Current clinical system supplier"
    NEW_SUPPLIER = "new_supplier", "New clinical system supplier"
    THIRD_PARTY_SUPPLIER = "third_party_supplier", "Third-party system supplier"
    PATHOLOGY_LAB = "pathology_lab", "Pathology lab provider"


class User(AbstractUser):
    """A person who signs in. People sign in with their email address."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        # Stored lower-case so "Manager@Example.org" is the same person.
        self.email = self.email.lower()
        super().save(*args, **kwargs)


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ICB = "icb", "Integrated care board (ICB)"
        DELIVERY_PARTNER = "delivery_partner", "IT delivery partner"
        SUPPLIER = "supplier", "Clinical system supplier"
        THIRD_PARTY_SUPPLIER = "third_party_supplier", "Third-party system supplier"
        PATHOLOGY_LAB = "pathology_lab", "Pathology lab provider"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    ods_code = models.CharField(
        "ODS code",
        max_length=10,
        blank=True,
        validators=[ods_organisation_code_validator],
        help_text="The NHS Organisation Data Service code, where it has one: 3 to 5 letters or digits.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Upper("ods_code"),
                condition=~models.Q(ods_code=""),
                name="organisation_ods_code_unique",
                violation_error_message="Another organisation already has this ODS code.",
            ),
        ]

    def __str__(self):
        return self.name


class Practice(models.Model):
    name = models.CharField(max_length=200)
    ods_code = models.CharField(
        "ODS code",
        max_length=6,
        unique=True,
        validators=[ods_practice_code_validator],
        help_text="One capital letter then five digits, for example A81001.",
        error_messages={"unique": "A practice with this ODS code is already registered."},
    )
    icb = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="icb_practices",
        limit_choices_to={"kind": Organisation.Kind.ICB},
        verbose_name="ICB",
    )
    delivery_partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="partner_practices",
        limit_choices_to={"kind": Organisation.Kind.DELIVERY_PARTNER},
        null=True,
        blank=True,
        verbose_name="IT delivery partner",
    )
    dispensing = models.BooleanField(
        "dispensing practice", default=False, help_text="Dispensing practices also run down and re-enter their stock."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.ods_code})"

    def save(self, *args, **kwargs):
        self.ods_code = self.ods_code.upper()
        super().save(*args, **kwargs)


class PracticeMembership(models.Model):
    class Role(models.TextChoices):
        PRACTICE_MANAGER = "practice_manager", "Practice manager"
        PRACTICE_STAFF = "practice_staff", "Practice staff"
        IT_LEAD = "it_lead", "IT lead"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="practice_memberships")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["practice__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="one_membership_per_user_and_practice"),
        ]

    def __str__(self):
        return f"{self.user}, {self.get_role_display()} at {self.practice.name}"


class OrganisationMembership(models.Model):
    """A person of an ICB or IT delivery partner: they see that organisation's practices."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="organisation_memberships")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        limit_choices_to={"kind__in": [Organisation.Kind.ICB, Organisation.Kind.DELIVERY_PARTNER]},
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_user_and_organisation"),
        ]

    def __str__(self):
        return f"{self.user} at {self.organisation}"


def practices_visible_to(user) -> models.QuerySet[Practice]:
    """Every practice a user may look at: their own, and those their ICB or partner covers."""
    if not user.is_authenticated or not user.is_active:
        return Practice.objects.none()
    if user.is_superuser:
        return Practice.objects.all()
    org_ids = OrganisationMembership.objects.filter(user=user).values("organisation_id")
    return Practice.objects.filter(
        models.Q(memberships__user=user) | models.Q(icb_id__in=org_ids) | models.Q(delivery_partner_id__in=org_ids)
    ).distinct()


def practices_managed_by(user) -> models.QuerySet[Practice]:
    """Practices where the user may plan and change the cutover."""
    if not user.is_authenticated or not user.is_active:
        return Practice.objects.none()
    if user.is_superuser:
        return Practice.objects.all()
    return Practice.objects.filter(
        memberships__user=user, memberships__role=PracticeMembership.Role.PRACTICE_MANAGER
    ).distinct()


# People and third parties of a migration ------------------------------------------------------


def _who_and_when_together(step: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{step}_at__isnull": True, f"{step}_by__isnull": True})
        | models.Q(**{f"{step}_at__isnull": False, f"{step}_by__isnull": False}),
        name=f"third_party_{step}_who_and_when",
    )


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
        return f"People of {self.migration} confirmed on {self.confirmed_at:%-d %b %Y}"


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


class ThirdPartySystem(models.Model):
    """A system or service linked to the practice's clinical system, such as document management."""

    class Category(models.TextChoices):
        DOCUMENT_MANAGEMENT = "document_management", "Document management"
        ONLINE_CONSULTATION = "online_consultation", "Online consultation"
        MESSAGING = "messaging", "Messaging"
        PATHOLOGY_LINK = "pathology_link", "Pathology link"
        OTHER = "other", "Other"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="third_party_systems")
    name = models.CharField(max_length=200, help_text="For example Docman or Apollo Scan.")
    category = models.CharField(max_length=32, choices=Category.choices)
    supplier_name = models.CharField("supplier", max_length=200, blank=True)
    contact_name = models.CharField("supplier contact's name", max_length=200, blank=True)
    contact_email = models.EmailField("supplier contact's email address", blank=True)
    contact_phone = models.CharField(
        "supplier contact's phone number", max_length=32, blank=True, validators=[uk_phone_validator]
    )
    backed_up_by_current_supplier = models.BooleanField(
        "the current clinical system supplier backs it up",
        default=False,
        help_text="If not, the practice takes its own backup before FDP.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "practice",
                Lower("name"),
                name="third_party_system_name_unique_per_practice",
                violation_error_message="The practice already has a system with this name.",
            ),
        ]

    def __str__(self):
        return self.name


class ThirdPartyState(models.Model):
    """Where one third-party system stands in one migration: each step with who and when.

    Steps: notified of the cutover; backup taken (only when the current supplier does not
    back it up); links switched off (due in the switch-off window before FDP); switched
    back on and checked (from go-live). Or not applicable, with a reason. The rules live in
    practices/third_party.py; the ones the database can hold are constraints here.
    """

    class Step(models.TextChoices):
        NOTIFIED = "notified", "Notified of the cutover"
        BACKED_UP = "backed_up", "Backup taken"
        SWITCHED_OFF = "switched_off", "Links switched off"
        BACK_ON = "back_on", "Switched back on and checked"

    migration = models.ForeignKey("cutover.Migration", on_delete=models.CASCADE, related_name="third_party_states")
    system = models.ForeignKey(ThirdPartySystem, on_delete=models.CASCADE, related_name="states")
    notified_at = models.DateTimeField(null=True, blank=True)
    notified_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    backed_up_at = models.DateTimeField(null=True, blank=True)
    backed_up_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    switched_off_at = models.DateTimeField(null=True, blank=True)
    switched_off_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    switched_off_late = models.BooleanField(
        default=False, help_text="Recorded after the switch-off window, so messages may have reached the old system."
    )
    back_on_at = models.DateTimeField(null=True, blank=True)
    back_on_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    not_applicable_reason = models.TextField("why it does not apply", blank=True)
    not_applicable_at = models.DateTimeField(null=True, blank=True)
    not_applicable_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["system__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["migration", "system"], name="one_state_per_system_and_migration"),
            models.CheckConstraint(
                condition=models.Q(back_on_at__isnull=True) | models.Q(switched_off_at__isnull=False),
                name="third_party_back_on_after_switched_off",
                violation_error_message="Links must be recorded as switched off before they are back on.",
            ),
            models.CheckConstraint(
                condition=models.Q(switched_off_late=False) | models.Q(switched_off_at__isnull=False),
                name="third_party_late_only_when_switched_off",
            ),
            models.CheckConstraint(
                condition=models.Q(not_applicable_at__isnull=True, not_applicable_reason="")
                | (models.Q(not_applicable_at__isnull=False) & ~models.Q(not_applicable_reason="")),
                name="third_party_not_applicable_has_a_reason",
                violation_error_message="Say why this system does not apply.",
            ),
            _who_and_when_together("notified"),
            _who_and_when_together("backed_up"),
            _who_and_when_together("switched_off"),
            _who_and_when_together("back_on"),
            _who_and_when_together("not_applicable"),
        ]

    def __str__(self):
        return f"{self.system} in {self.migration}"

    @property
    def needs_backup(self) -> bool:
        return not self.system.backed_up_by_current_supplier

    @property
    def is_not_applicable(self) -> bool:
        return self.not_applicable_at is not None

    def done_at(self, step: str):
        return getattr(self, f"{step}_at")

    def done_by(self, step: str):
        return getattr(self, f"{step}_by")

    def is_done(self, step: str) -> bool:
        return self.done_at(step) is not None
