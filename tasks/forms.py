import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from cutover.formatting import day_text
from cutover.models import Migration
from cutover.text import CleanTextMixin
from cutover.timeline import due_within_phase, local_today, validate_plannable_date
from cutover.widgets import DateInput

from .models import MAX_OFFSET_WORKING_DAYS, Anchor, Direction, Phase, Task, counted_due_date
from .selectors import contact_choice, user_choice

VERSION_ERRORS = {"required": "The form is missing the task's version: reload the page and try again."}


class TaskStatusForm(CleanTextMixin, forms.Form):
    """Tick, untick or mark not applicable. The rows render these fields by hand (see plan.html).

    For the planning-meeting task, marking it done asks for the day the meeting was held
    (`held_on`), and reopening it while a meeting is recorded asks whether to clear that date
    (`clear_meeting`): the migration's date is what the stage, dashboard and reminders read.
    """

    CLEAR, KEEP = "clear", "keep"

    status = forms.ChoiceField(choices=Task.Status.choices)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput, error_messages=VERSION_ERRORS)
    reason = forms.CharField(
        label="Why does this task not apply?", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    held_on = forms.DateField(
        label="Meeting held on",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "Enter the date the meeting was held, for example 24/11/2026."},
    )
    clear_meeting = forms.ChoiceField(
        label="The recorded meeting",
        required=False,
        choices=[(CLEAR, "Clear it: the meeting has not been held"), (KEEP, "Keep it: the meeting was held")],
    )

    def __init__(self, *args, planning_meeting: bool = False, meeting_recorded: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.planning_meeting = planning_meeting
        self.meeting_recorded = meeting_recorded

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status == Task.Status.NOT_APPLICABLE and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why this task does not apply to your practice.")
        asks_date = self.planning_meeting and status == Task.Status.DONE
        if asks_date and cleaned.get("held_on") is None and "held_on" not in self.errors:
            self.add_error("held_on", "Enter the date the meeting was held.")
        asks_choice = self.planning_meeting and status == Task.Status.OPEN and self.meeting_recorded
        if asks_choice and not cleaned.get("clear_meeting") and "clear_meeting" not in self.errors:
            self.add_error("clear_meeting", "Choose whether to clear the recorded meeting or keep it as held.")
        return cleaned

    @property
    def clears_meeting(self) -> bool:
        return self.cleaned_data.get("clear_meeting") == self.CLEAR


class TaskNoteForm(CleanTextMixin, forms.Form):
    text = forms.CharField(
        label="Add a note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the note before adding it."},
    )


ASSIGNEE_CHOICE_ERROR = "Choose someone who works at this practice or an outside contact of this migration."


class AssigneeField(forms.ChoiceField):
    """One list of practice members and outside contacts, grouped. Cleans to a (User, Stakeholder)
    pair with at most one set: (None, None) is nobody."""

    def __init__(self, *, options, empty_label: str = "Nobody", **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": ASSIGNEE_CHOICE_ERROR})
        super().__init__(choices=[("", empty_label), *options.choices[1:]], required=False, **kwargs)
        self.holders = {user_choice(m.pk): (m, None) for m in options.members} | {
            contact_choice(c.pk): (None, c) for c in options.contacts
        }

    def clean(self, value):
        value = super().clean(value)
        return self.holders.get(value, (None, None))


class TaskAssignForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput, error_messages=VERSION_ERRORS)

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = AssigneeField(options=options, label="Assign to")


class HandOverForm(forms.Form):
    """What happens to the open tasks of someone being removed from a migration."""

    REASSIGN, UNASSIGN = "reassign", "unassign"
    what = forms.ChoiceField(
        label="What should happen to their open tasks?",
        choices=[(REASSIGN, "Reassign them to the person chosen below"), (UNASSIGN, "Leave them unassigned")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to reassign their open tasks or leave them unassigned."},
    )

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"] = AssigneeField(
            options=options,
            label="Reassign to",
            empty_label="Choose someone",
            help_text="Done and not-applicable tasks keep who held them.",
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Remove and hand over their tasks", css_class="nhsuk-button--warning"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("what") == self.REASSIGN and cleaned.get("to") == (None, None) and "to" not in self.errors:
            self.add_error("to", "Choose who takes over their open tasks, or choose to leave them unassigned.")
        return cleaned

    def holder(self) -> tuple:
        """(User, Stakeholder) to hand the tasks to; (None, None) leaves them unassigned."""
        return self.cleaned_data["to"] if self.cleaned_data["what"] == self.REASSIGN else (None, None)


class DueRuleForm(CleanTextMixin, forms.Form):
    """A due date as working days before or after a migration date, or a fixed date."""

    anchor = forms.ChoiceField(label="Due relative to")
    offset_days = forms.IntegerField(
        label="Working days",
        min_value=0,
        max_value=MAX_OFFSET_WORKING_DAYS,
        required=False,
        help_text="Weekends and England bank holidays are not counted. 0 means on the day itself.",
    )
    direction = forms.ChoiceField(label="Before or after", choices=Direction.choices, initial=Direction.BEFORE)
    fixed_date = forms.DateField(
        label="Fixed date",
        required=False,
        widget=DateInput(),
        validators=[validate_plannable_date],
        help_text="Only used when the task has a fixed date.",
    )

    def __init__(self, *args, anchors: list[str], migration: Migration, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or local_today()
        self.migration = migration
        self.fields["anchor"].choices = [(value, label) for value, label in Anchor.choices if value in anchors]

    def task_phase(self) -> str | None:
        """The phase the task is in (a subclass knows), for keeping its due date inside it."""
        return None

    def clean(self):
        cleaned = super().clean()
        anchor = cleaned.get("anchor")
        if anchor == Anchor.FIXED:
            fixed = cleaned.get("fixed_date")
            if fixed is None and "fixed_date" not in self.errors:
                self.add_error("fixed_date", "Enter the date the task is due.")
            elif fixed is not None and fixed < self.today:
                self.add_error("fixed_date", f"The due date cannot be in the past. Today is {day_text(self.today)}.")
        elif anchor and cleaned.get("offset_days") is None and "offset_days" not in self.errors:
            self.add_error("offset_days", "Enter how many working days before or after (0 for the day itself).")
        elif anchor and not self.errors and self.task_phase():
            self._refuse_outside_phase(anchor, cleaned["offset_days"], cleaned["direction"])
        return cleaned

    def _refuse_outside_phase(self, anchor: str, offset_days: int, direction: str) -> None:
        """A counted date outside the task's phase would be moved silently (timeline.due_within_phase):
        say so instead, so the manager picks a rule that means what it says."""
        migration, phase = self.migration, self.task_phase()
        counted = counted_due_date(migration=migration, anchor=anchor, offset_days=offset_days, direction=direction)
        if counted == due_within_phase(counted, phase=phase, fdp=migration.fdp_date, go_live=migration.go_live_date):
            return
        fdp, go_live = day_text(migration.fdp_date), day_text(migration.go_live_date)
        limits = {
            Phase.PREPARATION: f"a preparation task must be due by FDP ({fdp})",
            Phase.DURING_CUTOVER: f"a cutover task must be due from FDP ({fdp}) to go-live ({go_live})",
            Phase.AFTER_GO_LIVE: f"a go-live-and-after task cannot be due before go-live ({go_live})",
        }
        self.add_error(
            "offset_days",
            f"That works out as {day_text(counted)}, but {limits[phase]}. Change the days or the phase.",
        )

    def rule(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "anchor": cleaned["anchor"],
            "offset_days": cleaned.get("offset_days") or 0,
            "direction": cleaned["direction"],
            "fixed_date": cleaned.get("fixed_date"),
        }


class TaskCustomForm(DueRuleForm):
    title = forms.CharField(max_length=200, error_messages={"required": "Give the task a short title."})
    guidance = forms.CharField(
        label="What to do",
        required=False,
        max_length=Task._meta.get_field("guidance").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional: what the task involves and what done looks like.",
    )
    phase = forms.ChoiceField(choices=Phase.choices)

    field_order = ["title", "guidance", "phase", "anchor", "offset_days", "direction", "fixed_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, anchors=[Anchor.FDP, Anchor.GO_LIVE, Anchor.FIXED], **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Add task"))

    def task_phase(self) -> str | None:
        return self.cleaned_data.get("phase")


class TaskDueForm(DueRuleForm):
    reason = forms.CharField(
        label="Why is the due date changing?",
        max_length=500,
        error_messages={"required": "Say why the due date is changing; it is kept with the task's history."},
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput, error_messages=VERSION_ERRORS)

    def __init__(self, *args, task: Task, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "anchor": task.anchor,
                "offset_days": task.offset_days,
                "direction": task.direction,
                "fixed_date": task.fixed_date,
                "version": task.version,
            },
        )
        super().__init__(*args, anchors=Anchor.values, migration=task.migration, **kwargs)
        self.task = task
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Change due date"))

    def task_phase(self) -> str:
        return self.task.phase

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            rule = self.rule()
            unchanged = (
                rule["anchor"] == self.task.anchor
                and (rule["anchor"] == Anchor.FIXED or rule["offset_days"] == self.task.offset_days)
                and (rule["anchor"] == Anchor.FIXED or rule["direction"] == self.task.direction)
                and (rule["anchor"] != Anchor.FIXED or rule["fixed_date"] == self.task.fixed_date)
            )
            if unchanged:
                raise forms.ValidationError("That is the due date the task already has: nothing to change.")
        return cleaned
