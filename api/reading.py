"""What the API reads, through the functions the pages use: the dashboard's queryset, filters, rows,
stage and RAG rules (dashboard/), a plan's tasks (tasks/), linked systems (systems/third_party.py),
the re-entry counts (reentry/services.py). Nothing here decides a rule of its own."""

import datetime
from typing import Any

from django.db.models import Case, Count, Max, Min, QuerySet, Value, When
from django.db.models.fields import BooleanField
from rest_framework.exceptions import ValidationError

from cutover.models import Migration
from dashboard import columns, selectors
from dashboard.annotations import PHASES
from dashboard.forms import DashboardFilterForm
from dashboard.rag import RAG_LABELS
from reentry.services import reentry_counts
from reminders.kinds import KINDS
from reminders.models import ReminderLog
from tasks.completion import PLANNING_MEETING_TASK
from tasks.models import Task

# The dashboard's filters, as query parameters. Its `sort` is left out: API lists keep one order
# (the cursor's), so a page boundary never moves while a client walks the list.
FILTERS = [name for name in DashboardFilterForm.base_fields if name != "sort"]


def check_query(params, *, allowed: list[str]) -> None:
    """400 for a query parameter the endpoint does not know: a misspelt filter must not return everything."""
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValidationError({name: [f"Unknown query parameter. Use: {', '.join(allowed)}."] for name in unknown})


def migrations_filtered(*, user, params, today: datetime.date) -> QuerySet[Migration]:
    """The user's migrations with every dashboard value annotated, filtered as the dashboard filters.

    The dashboard's own form reads the filters, so a value it would refuse is refused here (400).
    """
    form = DashboardFilterForm(params, user=user)
    if not form.is_valid():
        raise ValidationError(_form_errors(form))
    return selectors.dashboard_queryset(user=user, filters=form.cleaned_data, sort=columns.DEFAULT_SORT, today=today)


def _form_errors(form) -> dict[str, list[str]]:
    return {field: [str(message) for message in messages] for field, messages in form.errors.items()}


def migration_data(migration: Migration, today: datetime.date) -> dict[str, Any]:
    """One migration as the dashboard's row sees it (`columns.Row`: its stage, RAG and reasons)."""
    row = columns.Row(migration, today)
    m = migration
    phases = {
        prefix: {"done": getattr(m, f"{prefix}_done"), "total": getattr(m, f"{prefix}_tasks")}
        for _, prefix, _, _ in PHASES
    }
    return {
        "id": m.pk,
        "practice": {"id": m.practice.pk, "name": m.practice.name, "ods_code": m.practice.ods_code},
        "status": m.status,
        "current_system": m.current_system,
        "current_supplier": {"id": m.current_supplier.pk, "name": m.current_supplier.name},
        "new_system": m.new_system,
        "new_supplier": {"id": m.new_supplier.pk, "name": m.new_supplier.name},
        "fdp_date": m.fdp_date,
        "go_live_date": m.go_live_date,
        "planning_meeting_due": m.planning_meeting_due,
        "planning_meeting_held_on": m.planning_meeting_date,
        "legacy_support_end": m.legacy_support_end_date,
        "key_dates": [
            {"key": kd.key, "title": kd.title, "start": kd.start, "end": kd.end, "done_on": kd.done_on}
            for kd in m.key_dates(today)
        ],
        "stage": {"key": row.stage.key, "label": row.stage.label},
        "rag": {"colour": row.rag, "label": row.rag_label, "reasons": row.reasons},
        "counts": {
            "tasks": {**phases, "overdue": m.overdue_tasks},
            "linked_systems": {
                "total": m.systems_total,
                "switched_off": m.systems_off,
                "switched_off_early": m.systems_off_early,
                "still_on": m.systems_on,
            },
            "still_to_re_enter": m.reentry_backlog,
        },
        # As the dashboard shows them: decisions and when, never what was said (it could name a patient).
        "sign_offs": {
            "data_checking_decision": m.data_signoff_decision,
            "data_checking_signed_at": m.data_signoff_at,
            "go_live_signed_at": m.go_live_signed_at,
            "close_out_signed_at": m.close_out_signed_at,
        },
    }


def summary_data(qs: QuerySet[Migration]) -> dict[str, Any]:
    """The dashboard's tiles (`selectors.summary`), keyed for a program rather than a page."""
    summary = selectors.summary(qs)
    totals = dict(zip(columns.SUMMARY_TOTALS, (count for _, count in summary["totals"]), strict=True))
    return {
        "total": summary["total"],
        "stages": [{"key": stage.key, "label": stage.label, "count": count} for stage, count in summary["stages"]],
        "rag": [{"key": colour, "label": RAG_LABELS[colour], "count": count} for colour, _, count in summary["rags"]],
        "overdue_tasks": totals["overdue_tasks_total"],
        "still_to_re_enter": totals["reentry_backlog_total"],
    }


def tasks_of(migration: Migration) -> QuerySet[Task]:
    return (
        Task.objects.filter(migration=migration)
        .select_related("assignee", "assigned_contact", "status_changed_by")
        .annotate(
            is_planning_meeting=Case(
                When(template_item__key=PLANNING_MEETING_TASK, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )


def reminder_summary(migration: Migration) -> list[dict[str, Any]]:
    """How many reminder emails of each kind are sent, waiting or failed: counts, never addresses."""
    rows = (
        ReminderLog.objects.filter(migration=migration)
        .order_by()
        .values("kind", "status")
        .annotate(count=Count("pk"), first_due=Min("due_date"), last_due=Max("due_date"))
        .order_by("first_due", "kind", "status")
    )
    return [
        {**row, "label": KINDS[row["kind"]].label if row["kind"] in KINDS else row["kind"].replace("_", " ")}
        for row in rows
    ]


def reentry_data(migration: Migration) -> dict[str, Any]:
    counts = reentry_counts(migration)
    return {
        "recorded": counts.recorded,
        "to_re_enter": counts.to_re_enter,
        "re_entered": counts.re_entered,
        "registrations_to_re_register": counts.registrations_to_re_register,
        "voided": counts.voided,
        "by_kind": [
            {"kind": k.kind, "label": k.label, "recorded": k.recorded, "to_re_enter": k.to_re_enter, "voided": k.voided}
            for k in counts.by_kind
        ],
    }
