"""What must be done: the plan template (the NHS guidance as data) and each migration's plan.

A migration's tasks are copies of the template items taken when the migration is created, so a
superuser editing the template changes migrations created afterwards, never existing ones.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cutover import timeline
from cutover.models import Migration
from cutover.workdays import add_working_days
from practices.models import Organisation, StakeholderRole

MAX_OFFSET_WORKING_DAYS = 250  # about a working year; anything longer is a typing slip


class Phase(models.TextChoices):
    PREPARATION = "preparation", "Preparation"
    DURING_CUTOVER = "during_cutover", "During cutover"
    AFTER_GO_LIVE = "after_go_live", "Go-live and after"


class Anchor(models.TextChoices):
    FDP = "fdp", "FDP"
    GO_LIVE = "go_live", "Go-live"
    PLANNING_MEETING_DUE = "planning_meeting_due", "Planning meeting deadline"
    LEGACY_SUPPORT_END = "legacy_support_end", "End of legacy support"
    # The lifecycle before the cutover (cutover/timeline.py LIFECYCLE_DATES), each as set or worked from FDP.
    ORDER = "order", "System order"
    KICKOFF = "kickoff", "Kick-off meeting"
    IDP = "idp", "Initial data production (IDP)"
    DATA_SIGNOFF_DUE = "data_signoff_due", "Data checking sign-off deadline"
    FIXED = "fixed", "A fixed date"


class Direction(models.TextChoices):
    BEFORE = "before", "before"
    AFTER = "after", "after"


# How each anchor reads inside a sentence such as "5 working days before FDP".
ANCHOR_PHRASES = {
    Anchor.FDP: "FDP",
    Anchor.GO_LIVE: "go-live",
    Anchor.PLANNING_MEETING_DUE: "the planning meeting deadline",
    Anchor.LEGACY_SUPPORT_END: "legacy support ends",
    Anchor.ORDER: "the system order",
    Anchor.KICKOFF: "the kick-off meeting",
    Anchor.IDP: "IDP",
    Anchor.DATA_SIGNOFF_DUE: "the data-checking sign-off deadline",
}
ON_THE_DAY_PHRASES = {
    Anchor.FDP: "On FDP day",
    Anchor.GO_LIVE: "On go-live day",
    Anchor.PLANNING_MEETING_DUE: "By the planning meeting deadline",
    Anchor.LEGACY_SUPPORT_END: "By the day legacy support ends",
    Anchor.ORDER: "On the day the system is ordered",
    Anchor.KICKOFF: "On kick-off day",
    Anchor.IDP: "On IDP day",
    Anchor.DATA_SIGNOFF_DUE: "By the data-checking sign-off deadline",
}


def anchor_date(migration: Migration, anchor: str) -> datetime.date:
    """The migration's date a relative due date counts from."""
    return {
        Anchor.FDP: lambda: migration.fdp_date,
        Anchor.GO_LIVE: lambda: migration.go_live_date,
        Anchor.PLANNING_MEETING_DUE: lambda: migration.planning_meeting_due,
        Anchor.LEGACY_SUPPORT_END: lambda: migration.legacy_support_end,
        Anchor.ORDER: lambda: migration.order_on,
        Anchor.KICKOFF: lambda: migration.kickoff_on,
        Anchor.IDP: lambda: migration.idp_on,
        Anchor.DATA_SIGNOFF_DUE: lambda: migration.data_signoff_due_on,
    }[anchor]()


def counted_due_date(*, migration: Migration, anchor: str, offset_days: int, direction: str) -> datetime.date:
    """Working days counted from the anchor, skipping weekends and England bank holidays, before
    the phase has its say (see due_date_for)."""
    sign = -1 if direction == Direction.BEFORE else 1
    return add_working_days(anchor_date(migration, anchor), sign * offset_days)


def due_date_for(
    *,
    migration: Migration,
    phase: str,
    anchor: str,
    offset_days: int,
    direction: str,
    fixed_date: datetime.date | None = None,
) -> datetime.date:
    """A task's due date: its working days from the anchor, kept inside its phase of the cutover
    (timeline.due_within_phase). A fixed date is the manager's own choice and is kept as it is."""
    if anchor == Anchor.FIXED:
        if fixed_date is None:
            raise ValueError("A fixed-date task needs its date.")
        return fixed_date
    counted = counted_due_date(migration=migration, anchor=anchor, offset_days=offset_days, direction=direction)
    return timeline.due_within_phase(counted, phase=phase, fdp=migration.fdp_date, go_live=migration.go_live_date)


def due_rule_text(*, anchor: str, offset_days: int, direction: str) -> str:
    """The rule as a person reads it: "5 working days before FDP", "On go-live day"."""
    if anchor == Anchor.FIXED:
        return "Fixed date"
    if offset_days == 0:
        text = ON_THE_DAY_PHRASES[anchor]
    else:
        days = "working day" if offset_days == 1 else "working days"
        text = f"{offset_days} {days} {direction} {ANCHOR_PHRASES[anchor]}"
    if anchor == Anchor.PLANNING_MEETING_DUE:
        text += f", the last working day {settings.PLANNING_MEETING_DAYS_BEFORE_FDP} days or more before FDP"
    return text


class PlanItem(models.Model):
    """What a template item and a task have in common: the words, the phase and the due rule."""

    title = models.CharField(max_length=200)
    # Limits keep one plan page small: the longest text of the NHS guidance is about 350 characters.
    # (A TextField's max_length reaches its form field only; the validator holds it in the model too.)
    guidance = models.TextField("what to do", max_length=4000, blank=True, validators=[MaxLengthValidator(4000)])
    why_it_matters = models.TextField(
        "why it matters", max_length=2000, blank=True, validators=[MaxLengthValidator(2000)]
    )
    done_when = models.TextField(
        "what done looks like", max_length=2000, blank=True, validators=[MaxLengthValidator(2000)]
    )
    phase = models.CharField(max_length=20, choices=Phase.choices)
    anchor = models.CharField("due relative to", max_length=24, choices=Anchor.choices)
    offset_days = models.PositiveSmallIntegerField(
        "working days", default=0, validators=[MaxValueValidator(MAX_OFFSET_WORKING_DAYS)]
    )
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.BEFORE)
    default_owner_role = models.CharField("usually done by", max_length=32, choices=StakeholderRole.choices, blank=True)
    dispensing_only = models.BooleanField(
        "dispensing practices only", default=False, help_text="Left out of the plan of a non-dispensing practice."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the phase when dates are equal.")

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    @property
    def due_rule(self) -> str:
        return due_rule_text(anchor=self.anchor, offset_days=self.offset_days, direction=self.direction)

    def due_date_in(self, migration) -> datetime.date:
        """The day this item falls due in a migration's plan, from the migration's dates."""
        return due_date_for(
            migration=migration,
            phase=self.phase,
            anchor=self.anchor,
            offset_days=self.offset_days,
            direction=self.direction,
        )


class PlanTemplateItem(PlanItem):
    """One entry of the default plan. Loaded by a data migration; superusers edit it in the admin."""

    key = models.SlugField(max_length=60, unique=True, help_text="A stable name for this item; never shown.")
    active = models.BooleanField(
        default=True, help_text="Untick to leave this item out of plans created from now on (existing plans keep it)."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "plan template item"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(anchor=Anchor.FIXED),
                name="template_item_due_is_relative",
                violation_error_message="A template item is due relative to a migration date, never on a fixed date.",
            ),
            models.CheckConstraint(
                condition=models.Q(offset_days__lte=MAX_OFFSET_WORKING_DAYS),
                name="template_item_offset_in_range",
            ),
        ]


class LocalPlanItem(PlanItem):
    """A task an ICB or delivery partner adds to the plans of its practices (a local data-quality
    check, say), next to the national template. Its programme lead edits it in the programme app;
    like the template, a change reaches plans created afterwards (or pushed to), never copies made before.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="local_plan_items",
        limit_choices_to={"kind__in": [Organisation.Kind.ICB, Organisation.Kind.DELIVERY_PARTNER]},
    )
    # Retired, never deleted: the tasks copied from it keep pointing here for their "added by" label.
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "retired_at", "phase", "position", "pk"]
        verbose_name = "local plan item"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(anchor=Anchor.FIXED),
                name="local_item_due_is_relative",
                violation_error_message="A local task is due relative to a migration date, never on a fixed date.",
            ),
            models.CheckConstraint(
                condition=models.Q(offset_days__lte=MAX_OFFSET_WORKING_DAYS),
                name="local_item_offset_in_range",
            ),
        ]

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class Task(PlanItem):
    """One item of a migration's plan."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    # No index of its own: the (migration, status, due date) index below starts with it.
    migration = models.ForeignKey(Migration, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    template_item = models.ForeignKey(
        PlanTemplateItem,
        on_delete=models.PROTECT,
        related_name="tasks",
        null=True,
        blank=True,
        help_text="Empty for a task the practice added itself.",
    )
    local_item = models.ForeignKey(
        LocalPlanItem,
        on_delete=models.PROTECT,
        related_name="tasks",
        null=True,
        blank=True,
        help_text="The ICB's or delivery partner's own task this was copied from.",
    )
    fixed_date = models.DateField(null=True, blank=True, validators=[timeline.validate_plannable_date])
    due_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    not_applicable_reason = models.CharField("why it does not apply", max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assigned_tasks", null=True, blank=True
    )
    # An outside contact of the migration (a supplier, a lab) who never signs in but gets reminders.
    # PROTECT: removing a stakeholder who still has tasks must ask what happens to them.
    assigned_contact = models.ForeignKey(
        "practices.Stakeholder",
        on_delete=models.PROTECT,
        related_name="assigned_tasks",
        null=True,
        blank=True,
        verbose_name="assigned outside contact",
    )
    # Every change adds one, so a form that carries an older number is known to be stale.
    version = models.PositiveIntegerField(default=1)

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    # The history row already says who and when, and the version is bookkeeping. History is read by
    # task and by migration (cutover/history.py, audit/activity.py), never by the other keys: each index
    # left off is one less to write for each of a wave's quarter of a million tasks.
    history = HistoricalRecords(
        excluded_fields=["version", "updated_at", "status_changed_at", "status_changed_by"],
        no_db_index=["template_item", "local_item", "assignee", "assigned_contact", "created_by"],
    )

    class Meta:
        ordering = ["due_date", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["migration", "template_item"],
                condition=models.Q(template_item__isnull=False),
                name="one_task_per_template_item_and_migration",
            ),
            # Pushing a local task to open migrations twice adds it once.
            models.UniqueConstraint(
                fields=["migration", "local_item"],
                condition=models.Q(local_item__isnull=False),
                name="one_task_per_local_item_and_migration",
            ),
            models.CheckConstraint(
                condition=models.Q(template_item__isnull=True) | models.Q(local_item__isnull=True),
                name="task_comes_from_one_source",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "done", "not_applicable"]),
                name="task_status_is_known",
            ),
            models.CheckConstraint(
                condition=models.Q(assignee__isnull=True) | models.Q(assigned_contact__isnull=True),
                name="task_has_at_most_one_assignee",
                violation_error_message="A task goes to one person: a practice member or an outside contact.",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="not_applicable") & ~models.Q(not_applicable_reason="")
                    | ~models.Q(status="not_applicable") & models.Q(not_applicable_reason="")
                ),
                name="task_not_applicable_has_a_reason",
                violation_error_message="Say why the task does not apply.",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(status_changed_at__isnull=False),
                name="task_closed_says_when",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(anchor="fixed", fixed_date__isnull=False, offset_days=0)
                    | ~models.Q(anchor="fixed") & models.Q(fixed_date__isnull=True)
                ),
                name="task_fixed_date_matches_anchor",
            ),
            models.CheckConstraint(
                condition=models.Q(offset_days__lte=MAX_OFFSET_WORKING_DAYS),
                name="task_offset_in_range",
            ),
        ]
        indexes = [models.Index(fields=["migration", "status", "due_date"])]

    @property
    def is_custom(self) -> bool:
        """Added by the practice itself: from neither the national template nor its ICB or partner."""
        return self.template_item_id is None and self.local_item_id is None

    @property
    def added_by(self) -> str:
        """ "Added by <ICB>" for a task copied from an ICB's or partner's own list; empty otherwise.
        The plan row shows it (tasks_for_plan selects the organisation with the task)."""
        if self.local_item_id is None:
            return ""
        return f"Added by {self.local_item.organisation.name}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def is_not_applicable(self) -> bool:
        return self.status == self.Status.NOT_APPLICABLE

    def is_overdue(self, today: datetime.date) -> bool:
        return self.is_open and self.due_date < today

    def is_due_soon(self, today: datetime.date) -> bool:
        return self.is_open and 0 <= (self.due_date - today).days <= settings.DUE_SOON_DAYS

    def computed_due_date(self, migration: Migration | None = None) -> datetime.date:
        return due_date_for(
            migration=migration or self.migration,
            phase=self.phase,
            anchor=self.anchor,
            offset_days=self.offset_days,
            direction=self.direction,
            fixed_date=self.fixed_date,
        )


class TaskNote(models.Model):
    """A remark on a task. Notes are never edited, so each keeps who wrote it and when."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(max_length=2000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(text=""), name="task_note_not_empty")]

    def __str__(self):
        return f"Note by {self.author} on {self.task}"


class TaskDueDateChange(models.Model):
    """A due date that moved: by hand (with the manager's reason) or because the migration's dates moved."""

    class Kind(models.TextChoices):
        EDITED = "edited", "Changed by hand"
        RESCHEDULED = "rescheduled", "Moved with the migration's dates"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="due_date_changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    old_date = models.DateField()
    new_date = models.DateField()
    reason = models.CharField(max_length=500)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="due_date_change_has_a_reason")]

    def __str__(self):
        return f"{self.task}: {self.old_date} to {self.new_date}"
