"""The shapes of the API's answers and of what a write may send. The values are worked out by the
dashboard's and the apps' own functions (api/reading.py); these classes only say how they look."""

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dashboard.models import ImportBatch
from dashboard.rag import RAG_LABELS
from dashboard.stages import STAGES
from practices.models import ThirdPartyState
from tasks.models import Phase, Task


class StrictSerializer(serializers.Serializer):
    """Refuses a field it does not know, rather than ignoring it: a misspelt field silently dropped
    would look like a change that was saved."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [f"Unknown field. Send only: {', '.join(self.fields)}."] for name in unknown}
                )
        return super().to_internal_value(data)


# --- Problems ---------------------------------------------------------------------------------


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem body."""

    type = serializers.CharField(help_text="A URI naming the kind of problem.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What is wrong, in words.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For invalid input: the messages for each field ('non_field_errors' for the whole body).",
    )
    current_version = serializers.IntegerField(required=False, help_text="For a stale task: its version now.")


# --- Migrations --------------------------------------------------------------------------------


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PracticeSerializer(NamedSerializer):
    ods_code = serializers.CharField()


class KeyDateSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True, help_text="The last day, for a period (the switch-off window).")
    done_on = serializers.DateField(allow_null=True, help_text="For the planning meeting: the day it was held.")


class StageSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=[stage.key for stage in STAGES])
    label = serializers.CharField()


class RagSerializer(serializers.Serializer):
    colour = serializers.ChoiceField(choices=list(RAG_LABELS))
    label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why it is red or amber, reddest first.")


class DoneOfSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField(help_text="Tasks that apply (not-applicable ones are left out).")


class TaskCountsSerializer(serializers.Serializer):
    preparation = DoneOfSerializer()
    cutover = DoneOfSerializer()
    after_go_live = DoneOfSerializer()
    overdue = serializers.IntegerField()


class SystemCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Linked systems that apply to this migration.")
    switched_off = serializers.IntegerField()
    switched_off_early = serializers.IntegerField()
    still_on = serializers.IntegerField()


class CountsSerializer(serializers.Serializer):
    tasks = TaskCountsSerializer()
    linked_systems = SystemCountsSerializer()
    still_to_re_enter = serializers.IntegerField(
        help_text="Items of the re-entry log not yet re-entered: a count only."
    )


class SignOffsSerializer(serializers.Serializer):
    """The latest data-checking decision (go or no-go) and when each sign-off was given; null until it is."""

    data_checking_decision = serializers.ChoiceField(choices=["go", "no_go"], allow_null=True)
    data_checking_signed_at = serializers.DateTimeField(allow_null=True)
    go_live_signed_at = serializers.DateTimeField(allow_null=True)
    close_out_signed_at = serializers.DateTimeField(allow_null=True)


class MigrationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    practice = PracticeSerializer()
    status = serializers.ChoiceField(choices=["active", "completed", "cancelled"])
    current_system = serializers.CharField()
    current_supplier = NamedSerializer()
    new_system = serializers.CharField()
    new_supplier = NamedSerializer()
    fdp_date = serializers.DateField()
    go_live_date = serializers.DateField()
    planning_meeting_due = serializers.DateField()
    planning_meeting_held_on = serializers.DateField(allow_null=True)
    legacy_support_end = serializers.DateField()
    key_dates = KeyDateSerializer(many=True)
    stage = StageSerializer()
    rag = RagSerializer()
    counts = CountsSerializer()
    sign_offs = SignOffsSerializer()


class CountOfSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    """The dashboard's tiles for the migrations the filters select."""

    total = serializers.IntegerField()
    stages = CountOfSerializer(many=True)
    rag = CountOfSerializer(many=True)
    overdue_tasks = serializers.IntegerField()
    still_to_re_enter = serializers.IntegerField()


# --- Tasks -------------------------------------------------------------------------------------


def _person(user) -> str | None:
    return (user.get_full_name() or user.email) if user else None


class TaskSerializer(serializers.ModelSerializer):
    assignee = serializers.SerializerMethodField()
    assigned_contact = serializers.SerializerMethodField()
    status_changed_by = serializers.SerializerMethodField()
    is_planning_meeting = serializers.SerializerMethodField()
    phase = serializers.ChoiceField(choices=Phase.choices)
    status = serializers.ChoiceField(choices=Task.Status.choices)
    due_rule = serializers.CharField()

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "phase",
            "status",
            "due_date",
            "due_rule",
            "assignee",
            "assigned_contact",
            "status_changed_at",
            "status_changed_by",
            "is_planning_meeting",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, task) -> str | None:
        return _person(task.assignee)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assigned_contact(self, task) -> str | None:
        return task.assigned_contact.name if task.assigned_contact_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_status_changed_by(self, task) -> str | None:
        return _person(task.status_changed_by)

    @extend_schema_field(
        serializers.BooleanField(help_text="Ticking it needs `held_on`, the day the meeting was held.")
    )
    def get_is_planning_meeting(self, task) -> bool:
        return task.is_planning_meeting


class TaskStatusSerializer(StrictSerializer):
    """Tick (done) or untick (open) a task, saying which version of it you saw."""

    status = serializers.ChoiceField(choices=[Task.Status.DONE, Task.Status.OPEN])
    version = serializers.IntegerField(min_value=1, help_text="The task's `version` when you read it.")
    held_on = serializers.DateField(
        required=False, help_text="The planning-meeting task only: the day the meeting was held (needed to tick it)."
    )
    clear_meeting = serializers.BooleanField(
        required=False,
        help_text="The planning-meeting task only, when unticking it while a meeting is recorded: true clears "
        "the recorded meeting, false keeps it as held.",
    )


# --- Linked systems ----------------------------------------------------------------------------


class SystemStateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="system.pk")
    name = serializers.CharField(source="system.name")
    category = serializers.CharField(source="system.category")
    supplier = serializers.CharField(source="system.supplier_name")
    needs_backup = serializers.BooleanField(help_text="False when the current clinical system supplier backs it up.")
    not_applicable = serializers.BooleanField(source="is_not_applicable")
    notified_at = serializers.DateTimeField(allow_null=True)
    backed_up_at = serializers.DateTimeField(allow_null=True)
    switched_off_at = serializers.DateTimeField(allow_null=True)
    switched_off_late = serializers.BooleanField()
    switched_off_early = serializers.BooleanField()
    back_on_at = serializers.DateTimeField(allow_null=True)


class SystemStepSerializer(StrictSerializer):
    step = serializers.ChoiceField(choices=ThirdPartyState.Step.choices)
    action = serializers.ChoiceField(
        choices=["record", "undo"], default="record", help_text="Record the step, or take back one recorded by mistake."
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        default="",
        help_text="Needed to record links switched off before the switch-off window opens: why, and how what "
        "they send will reach the practice meanwhile.",
    )


# --- Reminders, re-entry, wave imports ---------------------------------------------------------


class ReminderSummarySerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    status = serializers.CharField()
    count = serializers.IntegerField(help_text="Reminder emails of this kind in this state (one per person and day).")
    first_due = serializers.DateField()
    last_due = serializers.DateField()


class ReentryKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    recorded = serializers.IntegerField()
    to_re_enter = serializers.IntegerField()
    voided = serializers.IntegerField()


class ReentryCountsSerializer(serializers.Serializer):
    """The re-entry log as numbers only: never an entry, never a patient."""

    recorded = serializers.IntegerField()
    to_re_enter = serializers.IntegerField()
    re_entered = serializers.IntegerField()
    registrations_to_re_register = serializers.IntegerField()
    voided = serializers.IntegerField()
    by_kind = ReentryKindSerializer(many=True)


class ImportBatchSerializer(serializers.ModelSerializer):
    organisation = NamedSerializer()
    status = serializers.ChoiceField(choices=ImportBatch.Status.choices)
    file_format = serializers.ChoiceField(choices=["csv", "xlsx"])

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "organisation",
            "file_name",
            "file_format",
            "status",
            "uploaded_at",
            "rows_total",
            "rows_checked",
            "error_count",
            "warning_count",
            "checked_at",
            "imported_at",
            "migrations_created",
        ]
        read_only_fields = fields
