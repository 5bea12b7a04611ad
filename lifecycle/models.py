"""The record of a migration being closed (and, perhaps, reopened)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from cutover.models import Migration


class ClosureQuerySet(models.QuerySet):
    def standing(self) -> "ClosureQuerySet":
        """Closures not undone by a reopening: at most one per migration."""
        return self.filter(reopened_at__isnull=True)


class Closure(models.Model):
    """Who closed a migration, when, with what outcome and why; and who reopened it, if anyone did.

    `Migration.status` stays the one truth the stage, dashboard and reminders read; this row says
    who and why, and keeps the close-out figures as they stood on the day (`summary`), since the
    tasks overdue at close or the re-entry counts mean nothing if worked out again later.
    """

    class Outcome(models.TextChoices):
        COMPLETED = Migration.Status.COMPLETED.value, "Completed"
        CANCELLED = Migration.Status.CANCELLED.value, "Cancelled"

    migration = models.ForeignKey(Migration, on_delete=models.PROTECT, related_name="closures")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    # Lessons learned when completed; the reason when cancelled.
    note = models.TextField()
    summary = models.JSONField(default=dict, blank=True)
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reopen_reason = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = ClosureQuerySet.as_manager()

    class Meta:
        ordering = ["-closed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["migration"],
                condition=Q(reopened_at__isnull=True),
                name="one_standing_closure_per_migration",
                violation_error_message="This migration is already closed.",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="closure_says_why"),
            models.CheckConstraint(
                condition=Q(reopened_at__isnull=True, reopened_by__isnull=True, reopen_reason="")
                | (Q(reopened_at__isnull=False, reopened_by__isnull=False) & ~Q(reopen_reason="")),
                name="reopened_with_who_when_and_why",
                violation_error_message="Say why the migration is reopened.",
            ),
        ]

    def __str__(self):
        return f"{self.migration}: {self.get_outcome_display().lower()} on {self.closed_at:%Y-%m-%d}"


class SignOff(models.Model):
    """A sign-off on a migration: who, when, the decision and what they said.

    Data checking is signed off by the practice's clinical lead, go or no-go (a no-go moves FDP and
    go-live, with the reason); go-live by the practice manager from go-live day; close-out when the
    migration is completed (lifecycle/closing.py). The ICB and delivery partner see them all.
    """

    class Kind(models.TextChoices):
        DATA_CHECKING = "data_checking", "Data checking"
        GO_LIVE = "go_live", "Go-live"
        CLOSE_OUT = "close_out", "Close-out"

    class Decision(models.TextChoices):
        GO = "go", "Go"
        NO_GO = "no_go", "No-go"

    migration = models.ForeignKey(Migration, on_delete=models.PROTECT, related_name="sign_offs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    decision = models.CharField(max_length=8, choices=Decision.choices, default=Decision.GO)
    comment = models.TextField(blank=True)
    # Data checking only: which reports were compared and what is still open with the supplier.
    reports_compared = models.TextField("reports compared", blank=True)
    open_issues = models.TextField("issues still open", blank=True)
    signed_at = models.DateTimeField()
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="go") | Q(kind="data_checking"),
                name="only_data_checking_can_be_no_go",
            ),
            models.CheckConstraint(
                condition=~Q(decision="no_go") | ~Q(comment=""),
                name="no_go_says_why",
                violation_error_message="Say why the data is not ready.",
            ),
            # One "go" of each kind: a no-go may be followed by another check, but not a second go.
            models.UniqueConstraint(
                fields=["migration", "kind"], condition=Q(decision="go"), name="one_go_per_sign_off_kind"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} sign-off ({self.get_decision_display()}) for {self.migration}"


class PatientComparison(models.Model):
    """One test patient's record compared between the two systems, by outcome only.

    Deliberately no identifier and no free text: the practice compares the records in the two
    clinical systems, and this log holds only what the ICB may see too (how many, and how they came out).
    """

    class Outcome(models.TextChoices):
        MATCHES = "matches", "Matches"
        MINOR = "minor", "Minor differences"
        SIGNIFICANT = "significant", "Significant differences"

    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="patient_comparisons")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return f"Test patient compared: {self.get_outcome_display().lower()}"


class ReportComparison(models.Model):
    """A practice report run in both systems: its figure in each and whether a difference is explained."""

    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="report_comparisons")
    name = models.CharField("report", max_length=120)
    old_figure = models.IntegerField("figure in the current system")
    new_figure = models.IntegerField("figure in the new system")
    explanation = models.TextField("why they differ", blank=True, max_length=1000)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return f"{self.name}: {self.old_figure} and {self.new_figure}"

    @property
    def matches(self) -> bool:
        return self.old_figure == self.new_figure

    @property
    def explained(self) -> bool:
        return self.matches or bool(self.explanation)


class SupplierIssue(models.Model):
    """A data problem raised with the new supplier during data checking, and where it stands."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        FIXED = "fixed", "Fixed"
        ACCEPTED = "accepted", "Accepted as it is"

    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="supplier_issues")
    summary = models.CharField(max_length=300)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    raised_at = models.DateTimeField(auto_now_add=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["raised_at", "pk"]

    def __str__(self):
        return f"Issue raised with the supplier ({self.get_state_display().lower()})"
