from django import forms

from cutover.text import CleanTextMixin
from practices.models import StakeholderRole
from tasks.models import MAX_OFFSET_WORKING_DAYS, Anchor, Direction, LocalPlanItem, Phase

# Anchors that fall before FDP: a cutover or after-go-live task cannot count from them.
BEFORE_FDP = {Anchor.ORDER, Anchor.KICKOFF, Anchor.IDP, Anchor.DATA_SIGNOFF_DUE, Anchor.PLANNING_MEETING_DUE}


def phase_conflict(*, phase: str, anchor: str, offset_days: int, direction: str) -> str:
    """Why a due rule cannot fall inside its phase for any migration; empty when it can.

    The plan would otherwise move such a date silently into the phase (timeline.due_within_phase),
    so the lead is told here and picks a rule that means what it says.
    """
    after, before = offset_days > 0 and direction == Direction.AFTER, offset_days > 0 and direction == Direction.BEFORE
    if phase == Phase.PREPARATION:
        if anchor in (Anchor.GO_LIVE, Anchor.LEGACY_SUPPORT_END) or (anchor == Anchor.FDP and after):
            return "A preparation task must be due by FDP: count back from FDP or an earlier date."
    elif phase == Phase.DURING_CUTOVER:
        if anchor in BEFORE_FDP or anchor == Anchor.LEGACY_SUPPORT_END:
            return "A cutover task falls between FDP and go-live: count from FDP or go-live."
        if (anchor == Anchor.FDP and before) or (anchor == Anchor.GO_LIVE and after):
            return "A cutover task must be due from FDP to go-live: count forward from FDP or back from go-live."
    elif phase == Phase.AFTER_GO_LIVE and (
        anchor in BEFORE_FDP or anchor == Anchor.FDP or (anchor == Anchor.GO_LIVE and before)
    ):
        return "A go-live-and-after task cannot be due before go-live: count forward from go-live."
    return ""


class LocalTaskForm(CleanTextMixin, forms.Form):
    """An ICB's or delivery partner's own task: its words, its phase, its due rule and usual owner."""

    title = forms.CharField(
        max_length=LocalPlanItem._meta.get_field("title").max_length,
        error_messages={"required": "Give the task a short title."},
        help_text="What the practice sees in its plan, for example: Run the ICB's data-quality report.",
    )
    guidance = forms.CharField(
        label="What to do",
        required=False,
        max_length=LocalPlanItem._meta.get_field("guidance").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the task involves, who to contact and what done looks like.",
    )
    phase = forms.ChoiceField(choices=Phase.choices, error_messages={"required": "Choose the phase of the plan."})
    anchor = forms.ChoiceField(
        label="Due relative to",
        choices=[(value, label) for value, label in Anchor.choices if value != Anchor.FIXED],
        error_messages={"required": "Choose the date the task counts from."},
    )
    offset_days = forms.IntegerField(
        label="Working days",
        min_value=0,
        max_value=MAX_OFFSET_WORKING_DAYS,
        help_text="Weekends and England bank holidays are not counted. 0 means on the day itself.",
        error_messages={"required": "Enter how many working days before or after (0 for the day itself)."},
    )
    direction = forms.ChoiceField(label="Before or after", choices=Direction.choices, initial=Direction.BEFORE)
    default_owner_role = forms.ChoiceField(
        label="Usually done by",
        required=False,
        choices=[("", "Nobody in particular: the practice manager shares it out"), *StakeholderRole.choices],
        help_text="The task goes to the person in this role when the practice confirms who is involved.",
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            problem = phase_conflict(
                phase=cleaned["phase"],
                anchor=cleaned["anchor"],
                offset_days=cleaned["offset_days"],
                direction=cleaned["direction"],
            )
            if problem:
                self.add_error("anchor", problem)
        return cleaned
