"""The practice's linked third-party systems, and where each stands in one migration."""

import unicodedata

from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ..validators import uk_phone_validator
from .people import Practice, User


def _who_and_when_together(step: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{step}_at__isnull": True, f"{step}_by__isnull": True})
        | models.Q(**{f"{step}_at__isnull": False, f"{step}_by__isnull": False}),
        name=f"third_party_{step}_who_and_when",
    )


def name_key(name: str) -> str:
    """The one rule for "the same name": what the form checks and the unique constraint holds.

    Compatibility-decomposed (NFKD) with accents and other combining marks dropped, case-folded,
    and spaces collapsed, so "PİLOT LINK", "Pilot  link" and "PILOT LINK" are one name. Worked out
    in Python and stored, because databases lower-case differently (SQLite only ASCII; PostgreSQL
    by its locale) and a form comparing one way while an index compares another answers 500.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


class NationalService(models.Model):
    """One national service in the catalogue every migration starts with (EPS, PCSE, GP2GP...).

    Superusers edit it in the admin. A migration takes a copy of the notice and the task lines when
    it is created (on its ThirdPartyState), so an edit here changes migrations created afterwards
    and never the dates of one already planned.
    """

    class CountedFrom(models.TextChoices):
        FDP = "fdp", "FDP"
        GO_LIVE = "go_live", "Go-live"

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField("what it is", max_length=1000, validators=[MaxLengthValidator(1000)])
    # Half a year of working days at most: a longer notice is a typing slip, not a service's rule.
    notice_working_days = models.PositiveSmallIntegerField(
        "notice in working days",
        validators=[MaxValueValidator(130)],
        help_text="How many working days before the date below it must be told.",
    )
    notice_counted_from = models.CharField(
        "notice counted back from", max_length=8, choices=CountedFrom.choices, default=CountedFrom.FDP
    )
    task_lines = models.TextField(
        "what to do",
        max_length=4000,
        blank=True,
        validators=[MaxLengthValidator(4000)],
        help_text="One task a line, in the order they are done.",
    )
    active = models.BooleanField(default=True, help_text="Only active services are added to new migrations.")
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name", "pk"]

    def __str__(self):
        return self.name


class ThirdPartySystem(models.Model):
    """A system or service linked to the practice's clinical system, such as document management.

    A national service from the catalogue is one too (``national_service`` set), so it goes through
    the same steps, warnings, reminders and dashboard counts as the practice's own systems.
    """

    class Category(models.TextChoices):
        DOCUMENT_MANAGEMENT = "document_management", "Document management"
        ONLINE_CONSULTATION = "online_consultation", "Online consultation"
        MESSAGING = "messaging", "Messaging"
        PATHOLOGY_LINK = "pathology_link", "Pathology link"
        NATIONAL_SERVICE = "national_service", "National service"
        OTHER = "other", "Other"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="third_party_systems")
    name = models.CharField(max_length=200, help_text="For example Docman or Apollo Scan.")
    # name_key(name), kept with the name (save() and clean()) so the database can hold it unique.
    name_key = models.TextField(editable=False, default="")
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
    notes = models.TextField(max_length=2000, blank=True, validators=[MaxLengthValidator(2000)])
    # PROTECT: a service the practice has worked with stays named; the catalogue retires it with `active`.
    national_service = models.ForeignKey(
        NationalService, on_delete=models.PROTECT, null=True, blank=True, related_name="practice_systems"
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "national_service"],
                condition=models.Q(national_service__isnull=False),
                name="one_system_per_national_service_and_practice",
            ),
            models.UniqueConstraint(
                fields=["practice", "name_key"],
                name="third_party_system_name_key_unique_per_practice",
                violation_error_message="The practice already has a system with this name.",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Derived, like User.email's lower case: the key can never disagree with the name.
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)

    def clean(self):
        self.name_key = name_key(self.name)


class ThirdPartyStateQuerySet(models.QuerySet):
    def settled(self) -> "ThirdPartyStateQuerySet":
        """The one definition of a linked system being dealt with for the cutover: its links are
        confirmed switched off, or it is marked not applicable. Reminders, the systems page and the
        dashboard all ask this."""
        return self.filter(models.Q(switched_off_at__isnull=False) | models.Q(not_applicable_at__isnull=False))


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
    # Before the window opens the link is off while the practice still works on the current system:
    # what it would have sent has to reach the practice another way, so the reason is kept and shown.
    switched_off_early = models.BooleanField(
        "switched off before the switch-off window",
        default=False,
        help_text="Recorded before the switch-off window opened; the reason says why.",
    )
    switched_off_early_reason = models.TextField("why links were switched off early", blank=True)
    back_on_at = models.DateTimeField(null=True, blank=True)
    back_on_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    not_applicable_reason = models.TextField(
        "why it does not apply", max_length=500, blank=True, validators=[MaxLengthValidator(500)]
    )
    not_applicable_at = models.DateTimeField(null=True, blank=True)
    not_applicable_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # A national service's notice and task lines as the catalogue had them when the migration was
    # created: the migration keeps its plan when the catalogue changes later. Empty for the practice's
    # own systems.
    notice_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    notice_counted_from = models.CharField(max_length=8, choices=NationalService.CountedFrom.choices, blank=True)
    task_lines = models.TextField(blank=True)
    history = HistoricalRecords()
    objects = ThirdPartyStateQuerySet.as_manager()

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
                condition=models.Q(switched_off_early=False, switched_off_early_reason="")
                | (
                    models.Q(switched_off_early=True, switched_off_at__isnull=False, switched_off_late=False)
                    & ~models.Q(switched_off_early_reason="")
                ),
                name="third_party_early_switch_off_has_a_reason",
                violation_error_message="Say why links were switched off before the switch-off window.",
            ),
            models.CheckConstraint(
                condition=models.Q(not_applicable_at__isnull=True, not_applicable_reason="")
                | (models.Q(not_applicable_at__isnull=False) & ~models.Q(not_applicable_reason="")),
                name="third_party_not_applicable_has_a_reason",
                violation_error_message="Say why this system does not apply.",
            ),
            models.CheckConstraint(
                condition=models.Q(notice_working_days__isnull=True, notice_counted_from="")
                | models.Q(notice_working_days__isnull=False) & ~models.Q(notice_counted_from=""),
                name="third_party_notice_counted_from_a_date",
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
