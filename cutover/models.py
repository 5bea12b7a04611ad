"""The cutover itself: a practice's migration from one clinical system to another."""

import dataclasses
import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from practices.models import (
    Organisation,
    Practice,
    practice_covered_condition,
    practice_managed_condition,
    practice_role_column,
    practice_visible_condition,
)

from . import timeline


def default_legacy_support_days() -> int:
    return settings.LEGACY_SUPPORT_DAYS


class MigrationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MigrationQuerySet":
        """The one place that decides which migrations a user may see."""
        # A condition on the migration's own query (EXISTS), not "practice IN (a subquery)".
        return self.filter(practice_visible_condition(user, via="practice__"))

    def with_role_of(self, user) -> "MigrationQuerySet":
        """Each migration with `user`'s role at its practice (``viewer_role``, None if not a member),
        read in the same query; ``cutover.access.viewer_role`` reads it back for that user only."""
        if not user.is_authenticated:
            return self
        return self.annotate(
            viewer_role=practice_role_column(user, via="practice__"),
            viewer_pk=models.Value(user.pk, output_field=models.IntegerField()),
        )

    def visible_with_role_of(self, user) -> "MigrationQuerySet":
        """``visible_to(user).with_role_of(user)`` with one subquery fewer: a role at the practice
        already says the user may see it, so only the ICB-or-partner condition is asked besides."""
        if not user.is_authenticated or not user.is_active or user.is_superuser:
            return self.visible_to(user).with_role_of(user)
        return self.with_role_of(user).filter(
            models.Q(viewer_role__isnull=False) | practice_covered_condition(user, via="practice__")
        )

    def editable_by(self, user) -> "MigrationQuerySet":
        return self.filter(practice_managed_condition(user, via="practice__"))

    def active(self) -> "MigrationQuerySet":
        return self.filter(status=Migration.Status.ACTIVE)


class Migration(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="migrations")
    current_system = models.CharField("current clinical system", max_length=100)
    current_supplier = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.SUPPLIER},
        verbose_name="current supplier",
    )
    new_system = models.CharField("new clinical system", max_length=100)
    new_supplier = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.SUPPLIER},
        verbose_name="new supplier",
    )
    fdp_date = models.DateField("final data production (FDP) date", validators=[timeline.validate_plannable_date])
    go_live_date = models.DateField("go-live date", validators=[timeline.validate_plannable_date])
    legacy_support_days = models.PositiveSmallIntegerField(
        "legacy support (days after go-live)",
        default=default_legacy_support_days,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="How long the old system stays supported and readable after go-live. The NHS guidance says 90.",
    )
    planning_meeting_date = models.DateField(
        "planning meeting held on",
        null=True,
        blank=True,
        validators=[timeline.validate_plannable_date],
        help_text="Fill in once the meeting has taken place.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # The lifecycle before the cutover (timeline.LIFECYCLE_DATES): optional, each worked back from
    # FDP when empty. The `*_on` properties give the date in force.
    order_date = models.DateField(
        "system ordered on", null=True, blank=True, validators=[timeline.validate_plannable_date]
    )
    kickoff_date = models.DateField(
        "kick-off meeting", null=True, blank=True, validators=[timeline.validate_plannable_date]
    )
    idp_date = models.DateField(
        "initial data production (IDP)", null=True, blank=True, validators=[timeline.validate_plannable_date]
    )
    data_signoff_due = models.DateField(
        "data checking sign-off due", null=True, blank=True, validators=[timeline.validate_plannable_date]
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The manager's word that the practice has no linked third-party systems, for this migration.
    # Adding a system withdraws it (systems/third_party.py); the dashboard reads it (dashboard/rag.py).
    no_linked_systems_reason = models.TextField("why the practice has no linked systems", blank=True)
    no_linked_systems_at = models.DateTimeField("no linked systems confirmed at", null=True, blank=True)
    no_linked_systems_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="no linked systems confirmed by",
    )

    history = HistoricalRecords()
    objects = MigrationQuerySet.as_manager()

    class Meta:
        ordering = ["fdp_date", "practice__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice"],
                condition=models.Q(status="active"),
                name="one_active_migration_per_practice",
                violation_error_message="This practice already has an active migration.",
            ),
            # The lifecycle dates in order when both of a pair are set (timeline.lifecycle_date_errors
            # gives the field errors, also against the defaults of those left empty).
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{earlier}__isnull": True})
                    | models.Q(**{f"{later}__isnull": True})
                    | models.Q(**{f"{earlier}__{op}": models.F(later)}),
                    name=f"{earlier}_before_{later}",
                )
                for earlier, later, op in [
                    ("order_date", "kickoff_date", "lte"),
                    ("kickoff_date", "idp_date", "lt"),
                    ("idp_date", "data_signoff_due", "lt"),
                ]
            ),
            models.CheckConstraint(
                condition=models.Q(data_signoff_due__isnull=True) | models.Q(data_signoff_due__lt=models.F("fdp_date")),
                name="data_signoff_due_before_fdp",
            ),
            models.CheckConstraint(
                condition=models.Q(go_live_date__gt=models.F("fdp_date")),
                name="go_live_after_fdp",
                violation_error_message="Go-live must be after the FDP date.",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    no_linked_systems_at__isnull=True, no_linked_systems_by__isnull=True, no_linked_systems_reason=""
                )
                | (
                    models.Q(no_linked_systems_at__isnull=False, no_linked_systems_by__isnull=False)
                    & ~models.Q(no_linked_systems_reason="")
                ),
                name="no_linked_systems_confirmed_with_who_when_and_why",
                violation_error_message="Say why the practice has no linked systems.",
            ),
        ]

    def __str__(self):
        return f"{self.practice.name}: {self.current_system} to {self.new_system}"

    def get_absolute_url(self):
        return reverse("migration-detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        """Completed or cancelled: read-only for everyone (lifecycle/closing.py closes and reopens)."""
        return self.status != self.Status.ACTIVE

    @property
    def no_linked_systems_confirmed(self) -> bool:
        return self.no_linked_systems_at is not None

    @property
    def cutover_days(self) -> int:
        return (self.go_live_date - self.fdp_date).days

    @property
    def legacy_support_end(self) -> datetime.date:
        return timeline.legacy_support_end(self.go_live_date, self.legacy_support_days)

    @property
    def lifecycle_given(self) -> dict[str, datetime.date | None]:
        return {field: getattr(self, field) for field in timeline.LIFECYCLE_FIELDS}

    @property
    def planned_on(self) -> datetime.date:
        """The day the migration was planned (created): no lifecycle date left empty falls before it."""
        if not self.created_at:
            return timeline.local_today()
        # The site's time zone named outright: the sweep asks this of every migration, and looking up
        # the "current" time zone each time costs more than the rest of the date sums.
        return timezone.localtime(self.created_at, timezone.get_default_timezone()).date()

    @property
    def lifecycle_dates(self) -> dict[str, datetime.date]:
        """Each lifecycle date in force: as set, or worked back from FDP (never before `planned_on`)."""
        return timeline.lifecycle_dates(self.fdp_date, self.lifecycle_given, planned_on=self.planned_on)

    @property
    def order_on(self) -> datetime.date:
        return self.lifecycle_dates["order_date"]

    @property
    def kickoff_on(self) -> datetime.date:
        return self.lifecycle_dates["kickoff_date"]

    @property
    def idp_on(self) -> datetime.date:
        return self.lifecycle_dates["idp_date"]

    @property
    def data_signoff_due_on(self) -> datetime.date:
        return self.lifecycle_dates["data_signoff_due"]

    @property
    def planning_meeting_due(self) -> datetime.date:
        return timeline.planning_meeting_due(self.fdp_date)

    def key_dates(self, today: datetime.date | None = None) -> list[timeline.KeyDate]:
        dates = timeline.key_dates(
            fdp=self.fdp_date,
            go_live=self.go_live_date,
            legacy_support_days=self.legacy_support_days,
            planning_meeting_held=self.planning_meeting_date,
            today=today,
            lifecycle=self.lifecycle_given,
            planned_on=self.planned_on,
        )
        if self.is_closed:
            # Nothing more will be done: a warning asking for action would only mislead.
            return [dataclasses.replace(date, warning="") for date in dates]
        return dates

    def stage(self, today: datetime.date | None = None) -> str:
        today = today or timeline.local_today()
        if self.status != self.Status.ACTIVE:
            return "closed"
        if today < self.planning_meeting_due and self.planning_meeting_date is None:
            return "planning"
        if today < self.fdp_date:
            return "preparation"
        if today < self.go_live_date:
            return "cutover"
        return "after go-live"
