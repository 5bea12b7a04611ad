"""The re-entry log: what a practice did for patients during cutover, kept until it is typed into the new system.

This app is the only place that holds patient identifiers (NHS numbers, and the name, date of birth and
address of a new registration), so who may see them and how long they are kept is decided here alone.
Entries are never deleted: a mistake is voided with a reason and stays in the history.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cutover.formatting import day_text, moment_text
from cutover.models import Migration

from .nhs_number import format_nhs_number, validate_nhs_number


class DeletionRefused(Exception):
    """The re-entry log keeps everything: an entry made in error is voided, never deleted."""

    def __init__(self, message: str = "Entries in the re-entry log are never deleted. Void the entry instead."):
        super().__init__(message)


class Kind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    PRESCRIPTION_REQUEST = "prescription_request", "Prescription request"
    HOME_VISIT = "home_visit", "Home visit"
    TELEPHONE_CALL = "telephone_call", "Telephone call"
    NEW_REGISTRATION = "new_registration", "New patient registration (in person)"
    PATHOLOGY_RESULT = "pathology_result", "Pathology result"
    REFERRAL = "referral", "Referral"
    SCANNED_DOCUMENT = "scanned_document", "Scanned document"
    CORRESPONDENCE = "correspondence", "111 message or clinical correspondence"
    OUT_OF_HOURS_REPORT = "out_of_hours_report", "Out-of-hours report"
    DISPENSARY_STOCK = "dispensary_stock", "Dispensary stock"
    OTHER = "other", "Other"


# Kinds about a patient who already has an NHS number: everything but new registrations and stock.
PATIENT_KINDS = [kind for kind in Kind.values if kind not in (Kind.NEW_REGISTRATION, Kind.DISPENSARY_STOCK)]
# A summary is what the re-entering person types in; registrations and stock carry it in their own fields.
SUMMARY_OPTIONAL_KINDS = [Kind.NEW_REGISTRATION, Kind.DISPENSARY_STOCK]
# The fields each kind of entry carries; the others stay empty. The form and the service that
# records an entry take them from here; the constraints on Entry hold the same rule in the database.
PATIENT_FIELDS = ("nhs_number",)
REGISTRATION_FIELDS = ("patient_name", "patient_date_of_birth", "patient_address")
STOCK_FIELDS = ("stock_item", "stock_quantity", "stock_unit")
FIELDS_BY_KIND: dict[str, tuple[str, ...]] = dict.fromkeys(PATIENT_KINDS, PATIENT_FIELDS) | {
    Kind.NEW_REGISTRATION: REGISTRATION_FIELDS,
    Kind.DISPENSARY_STOCK: STOCK_FIELDS,
}
KIND_FIELDS = PATIENT_FIELDS + REGISTRATION_FIELDS + STOCK_FIELDS
# What could identify a patient: kept from error reports, removed by retention (retention.py).
IDENTIFYING_FIELDS = (
    "nhs_number",
    "patient_name",
    "patient_date_of_birth",
    "patient_address",
    "summary",
    "void_reason",
)
_NULLABLE = {"patient_date_of_birth", "stock_quantity"}


def empty_value(name: str):
    """What an entry field holds when it has nothing: None for the date and the quantity, else ""."""
    return None if name in _NULLABLE else ""


def kinds_for(migration: Migration) -> list[tuple[str, str]]:
    """The kinds a practice can record: dispensary stock only where the practice dispenses."""
    return [
        (value, label)
        for value, label in Kind.choices
        if value != Kind.DISPENSARY_STOCK or migration.practice.dispensing
    ]


@dataclass(frozen=True)
class RecordingWindow:
    """When a migration's activities may be recorded, and which dates they may carry.

    Recording opens on FDP day. An activity must have happened between the start of FDP day and the
    end of go-live day (the new system often only comes up during go-live day, so that morning's work
    still needs recording). After go-live day, only entries copied from paper are keyed in, each with
    its original date and time.
    """

    fdp: datetime.date
    go_live: datetime.date

    @property
    def starts(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.fdp, datetime.time.min))

    @property
    def ends(self) -> datetime.datetime:
        """The first moment after the window (midnight at the end of go-live day)."""
        next_day = self.go_live + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))

    def is_open(self, today: datetime.date) -> bool:
        return today >= self.fdp

    def paper_only(self, today: datetime.date) -> bool:
        return today > self.go_live

    def contains(self, moment: datetime.datetime) -> bool:
        return self.starts <= moment < self.ends


def recording_window(migration: Migration) -> RecordingWindow:
    return RecordingWindow(fdp=migration.fdp_date, go_live=migration.go_live_date)


def re_entry_open(migration: Migration, today: datetime.date) -> bool:
    """Re-entering starts on go-live day, the first day the new system is there to type into."""
    return today >= migration.go_live_date


def check_occurred_at(migration: Migration, occurred_at: datetime.datetime, *, now: datetime.datetime) -> None:
    """Raise a ValidationError when an activity's date and time cannot belong to this cutover."""
    window = recording_window(migration)
    if occurred_at > now:
        raise ValidationError("The date and time cannot be in the future.", code="future")
    if not window.contains(occurred_at):
        raise ValidationError(
            "The activity must have happened during the cutover, between FDP on %(fdp)s and the end of "
            "go-live day, %(go_live)s. Activities outside it are in the old or the new system already.",
            code="outside_cutover",
            params={"fdp": day_text(window.fdp), "go_live": day_text(window.go_live)},
        )


def still_to_re_enter(via: str = "") -> Q:
    """The one definition of "still to re-enter": neither re-entered nor voided.

    `via` reaches the entries through a relation, e.g. "reentry_entries__" from a migration.
    Everything that counts a backlog (the log's filters, the counts, retention, the dashboard and
    the weekly reminder) builds on this.
    """
    return Q(**{f"{via}voided_at__isnull": True, f"{via}re_entered_at__isnull": True})


class EntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> "EntryQuerySet":
        """Entries a user may see: only the practice's own members, never its ICB or delivery partner."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(migration__practice__memberships__user=user)

    def not_voided(self) -> "EntryQuerySet":
        return self.filter(voided_at__isnull=True)

    def to_re_enter(self) -> "EntryQuerySet":
        return self.filter(still_to_re_enter())

    def delete(self):
        raise DeletionRefused()


class Entry(models.Model):
    """One activity done for a patient (or to dispensary stock) during cutover, to be re-entered after go-live."""

    migration = models.ForeignKey(Migration, on_delete=models.PROTECT, related_name="reentry_entries")
    kind = models.CharField(max_length=32, choices=Kind.choices)

    nhs_number = models.CharField("NHS number", max_length=10, blank=True, validators=[validate_nhs_number])
    patient_name = models.CharField("patient's full name", max_length=200, blank=True)
    patient_date_of_birth = models.DateField("patient's date of birth", null=True, blank=True)
    patient_address = models.TextField("patient's address", max_length=500, blank=True)

    stock_item = models.CharField("item", max_length=200, blank=True)
    stock_quantity = models.DecimalField("quantity", max_digits=10, decimal_places=2, null=True, blank=True)
    stock_unit = models.CharField("unit", max_length=50, blank=True)

    occurred_at = models.DateTimeField("date and time of the activity", default=timezone.now)
    from_paper = models.BooleanField("copied from a paper form", default=False)
    summary = models.TextField("what must be re-entered", max_length=1000, blank=True)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="recorded by"
    )
    recorded_at = models.DateTimeField("recorded at", default=timezone.now)
    re_entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="re-entered by",
    )
    re_entered_at = models.DateTimeField("re-entered at", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="checked by",
    )
    checked_at = models.DateTimeField("checked at", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="voided by",
    )
    voided_at = models.DateTimeField("voided at", null=True, blank=True)
    void_reason = models.CharField("reason for voiding", max_length=500, blank=True)
    # Set by the retention job (reentry/retention.py) when the patient details and the free text are
    # cleared. The kind, dates and who did what stay, so counts and the audit trail still add up.
    identifiers_removed_at = models.DateTimeField("patient details removed at", null=True, blank=True)

    # Sent with the form, so a double click or a retried request records the activity once.
    idempotency_token = models.UUIDField(default=uuid.uuid4, editable=False)

    history = HistoricalRecords()
    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "re-entry log entry"
        verbose_name_plural = "re-entry log entries"
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["migration", "occurred_at"], name="reentry_entry_migration_when")]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_token"], name="reentry_entry_token_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values),
                name="reentry_entry_kind_known",
                violation_error_message="Unknown kind.",
            ),
            # Once the retention job has removed the identifiers, every identifying field is empty.
            models.CheckConstraint(
                condition=Q(identifiers_removed_at__isnull=True)
                | Q(
                    nhs_number="",
                    patient_name="",
                    patient_date_of_birth__isnull=True,
                    patient_address="",
                    summary="",
                    void_reason="",
                ),
                name="reentry_entry_removed_identifiers_are_empty",
            ),
            # The identifiers a kind needs are required until the retention job removes them.
            models.CheckConstraint(
                condition=~Q(kind__in=PATIENT_KINDS)
                | (
                    Q(
                        patient_name="",
                        patient_date_of_birth__isnull=True,
                        patient_address="",
                        stock_item="",
                        stock_quantity__isnull=True,
                        stock_unit="",
                    )
                    & (Q(nhs_number__regex=r"^[0-9]{10}$") | Q(identifiers_removed_at__isnull=False))
                ),
                name="reentry_entry_patient_kinds_have_nhs_number",
                violation_error_message="This kind of entry needs the patient's 10-digit NHS number and nothing else.",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.NEW_REGISTRATION)
                | (
                    Q(nhs_number="", stock_item="", stock_quantity__isnull=True, stock_unit="")
                    & (
                        Q(patient_date_of_birth__isnull=False) & ~Q(patient_name="") & ~Q(patient_address="")
                        | Q(identifiers_removed_at__isnull=False)
                    )
                ),
                name="reentry_entry_registration_has_name_dob_address",
                violation_error_message="A new registration needs the patient's name, date of birth and address.",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.DISPENSARY_STOCK)
                | (
                    # Spelled out: NULL > 0 is unknown, and a CHECK that comes out unknown passes.
                    Q(stock_quantity__isnull=False, stock_quantity__gt=0)
                    & ~Q(stock_item="")
                    & ~Q(stock_unit="")
                    & Q(nhs_number="", patient_name="", patient_date_of_birth__isnull=True, patient_address="")
                ),
                name="reentry_entry_stock_has_item_quantity_unit",
                violation_error_message="A dispensary stock entry needs the item, a quantity above 0 and its unit.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SUMMARY_OPTIONAL_KINDS) | ~Q(summary="") | Q(identifiers_removed_at__isnull=False),
                name="reentry_entry_summary_required",
                violation_error_message="Say briefly what must be re-entered.",
            ),
            models.CheckConstraint(
                condition=Q(occurred_at__lte=F("recorded_at")),
                name="reentry_entry_occurred_before_recorded",
                violation_error_message="An activity cannot be recorded before it happened.",
            ),
            models.CheckConstraint(
                condition=Q(re_entered_by__isnull=True, re_entered_at__isnull=True)
                | Q(re_entered_by__isnull=False, re_entered_at__isnull=False),
                name="reentry_entry_re_entered_by_and_at",
            ),
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True, checked_at__isnull=True)
                | (
                    Q(checked_by__isnull=False, checked_at__isnull=False, re_entered_by__isnull=False)
                    & ~Q(checked_by=F("re_entered_by"))
                ),
                name="reentry_entry_checked_by_a_second_person",
                violation_error_message="An entry is checked after it is re-entered, by someone else.",
            ),
            models.CheckConstraint(
                condition=Q(voided_by__isnull=True, voided_at__isnull=True, void_reason="")
                | (
                    Q(voided_by__isnull=False, voided_at__isnull=False)
                    & (~Q(void_reason="") | Q(identifiers_removed_at__isnull=False))
                ),
                name="reentry_entry_void_has_reason",
                violation_error_message="Say why the entry is void.",
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | Q(re_entered_at__isnull=True),
                name="reentry_entry_not_both_voided_and_re_entered",
                violation_error_message="A voided entry is never re-entered.",
            ),
        ]

    def __str__(self):
        # Deliberately free of identifiers: this string can end up in logs and the admin.
        return f"Re-entry log entry {self.pk} ({self.get_kind_display()})"

    def get_absolute_url(self):
        return reverse("reentry-entry", args=[self.migration_id, self.pk])

    def delete(self, *args, **kwargs):
        raise DeletionRefused()

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    @property
    def is_re_entered(self) -> bool:
        return self.re_entered_at is not None

    @property
    def is_checked(self) -> bool:
        return self.checked_at is not None

    @property
    def identifiers_removed(self) -> bool:
        return self.identifiers_removed_at is not None

    @property
    def needs_gms_registration(self) -> bool:
        """New patients registered in person during cutover must be fully re-registered (GMS) after go-live."""
        return self.kind == Kind.NEW_REGISTRATION

    @property
    def status(self) -> str:
        if self.is_voided:
            return "Voided"
        if self.is_checked:
            return "Re-entered and checked"
        if self.is_re_entered:
            return "Re-registered" if self.needs_gms_registration else "Re-entered"
        return "To re-register" if self.needs_gms_registration else "To re-enter"

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number)

    @property
    def subject(self) -> str:
        """Whom or what the entry is about, as shown in lists."""
        if self.kind == Kind.DISPENSARY_STOCK:
            return f"{self.stock_item}: {self.stock_quantity.normalize():f} {self.stock_unit}"
        if self.identifiers_removed:
            return "Patient details removed"
        if self.kind == Kind.NEW_REGISTRATION:
            return f"{self.patient_name} (born {day_text(self.patient_date_of_birth)})"
        return self.nhs_number_display


class AccessEventQuerySet(models.QuerySet):
    def delete(self):
        raise DeletionRefused("The record of who looked at patient identifiers is never deleted.")


class AccessEvent(models.Model):
    """Someone looked at patient identifiers from the log: who, when, and what they saw."""

    class Action(models.TextChoices):
        VIEWED_ENTRY = "viewed_entry", "Viewed an entry"
        VIEWED_WORKLIST = "viewed_worklist", "Viewed the re-entry worklist"
        VIEWED_LOG = "viewed_log", "Viewed the whole log"
        EXPORTED_CSV = "exported_csv", "Exported the log as CSV"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=32, choices=Action.choices)
    migration = models.ForeignKey(Migration, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="access_events", null=True, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["migration", "at"], name="reentry_access_migration_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(action="viewed_entry", entry__isnull=False) | (~Q(action="viewed_entry")),
                name="reentry_access_entry_view_names_the_entry",
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} ({moment_text(self.at)})"

    def delete(self, *args, **kwargs):
        raise DeletionRefused("The record of who looked at patient identifiers is never deleted.")
