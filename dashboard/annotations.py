"""What the dashboard knows about each migration, worked out by the database.

Everything the dashboard's rows, filters, sort order, summary tiles and exports need is
an annotation added by `annotate_dashboard()`. One page of rows therefore costs the same
few queries whether an ICB oversees 20 migrations or 2,000: no Python loop ever walks
every migration or task.

The dashboard's modules, in the order they build on each other:
- `wording.py`: how dates, day counts and counts are written;
- `stages.py`: the stage as a database expression, and its rules in words;
- `rag.py`: the RAG rules (each a database condition, a reason and its wording);
- this module: the counts from other apps and `annotate_dashboard()`, which adds the stage,
  the counts and every RAG rule's flag to a queryset;
- `columns.py`: the rows, columns, sort orders, summary tiles and export columns read from it.

The counts from other apps (task progress per phase, overdue tasks, linked systems switched
off, the re-entry backlog) are correlated subqueries, each wrapped in Coalesce(…, 0) so a
migration with nothing to count shows 0. Adding another takes three small edits:
1. one entry in `metric_annotations()` here, usually `_count(<the other model's rows of
   OuterRef("pk")>)`;
2. if it colours a row, one `RagRule` in `rag.RAG_RULES` whose condition reads that annotation;
3. if it is shown, one `Column` in `columns.COLUMNS` (and its cell in templates/dashboard/dashboard.html
   only if it needs more than plain text), plus a `Total` in `columns.SUMMARY_TOTALS` if it adds up.
"""

import datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cutover.models import Migration
from lifecycle.annotations import sign_off_annotations
from practices.models import ThirdPartyState, ThirdPartySystem
from reentry.models import Entry
from tasks.models import Phase, Task

from .rag import RAG_RULES, rag_rank
from .stages import stage_rank


class AddDays(Func):
    """A date plus a whole number of days, on PostgreSQL and SQLite alike."""

    arity = 2
    output_field = DateField()
    # PostgreSQL adds an integer to a date natively.
    template = "(%(expressions)s)"
    arg_joiner = " + "

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="date(%(expressions)s || ' days')", arg_joiner=", '+' || ", **extra_context
        )


# The plan's phases as the dashboard names them: (phase, annotation prefix, column key, label).
PHASES = (
    (Phase.PREPARATION, "preparation", "preparation", "Preparation tasks done"),
    (Phase.DURING_CUTOVER, "cutover", "cutover-tasks", "Cutover tasks done"),
    (Phase.AFTER_GO_LIVE, "after_go_live", "after-go-live-tasks", "After go-live tasks done"),
)


def _count(qs: QuerySet, link: str = "migration") -> Coalesce:
    """How many rows of `qs` belong to the outer migration, as one correlated subquery.

    Grouping by the link column makes the subquery return one number (or no row, hence
    Coalesce to 0), so it never multiplies the outer rows the way a JOIN with Count would.
    """
    counted = qs.order_by().values(link).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def reentry_cutoff(today: datetime.date) -> datetime.datetime:
    """The end of the day a week ago (London time): what the backlog was "a week ago" is measured then."""
    return timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=6), datetime.time.min))


def metric_annotations(today: datetime.date) -> dict[str, Any]:
    """Per-migration numbers that come from other apps' tables (one Subquery each).

    Tasks marked not applicable are left out of the task counts: they need no doing, so
    they neither add to the "of" nor to the done.
    """
    tasks = Task.objects.filter(migration=OuterRef("pk"))
    applicable = tasks.exclude(status=Task.Status.NOT_APPLICABLE)
    annotations: dict[str, Any] = {}
    for phase, prefix, _, _ in PHASES:
        annotations[f"{prefix}_tasks"] = _count(applicable.filter(phase=phase))
        annotations[f"{prefix}_done"] = _count(applicable.filter(phase=phase, status=Task.Status.DONE))
    # A completed or cancelled migration's leftover tasks are nobody's to chase: not overdue.
    annotations["overdue_tasks"] = Case(
        When(status=Migration.Status.ACTIVE, then=_count(tasks.filter(status=Task.Status.OPEN, due_date__lt=today))),
        default=Value(0),
        output_field=IntegerField(),
    )

    # Every linked system of the practice counts unless it is marked not applicable to this
    # migration; a system nobody has touched yet has no state row and is still on.
    not_applicable_here = ThirdPartyState.objects.filter(
        migration=OuterRef(OuterRef("pk")), system=OuterRef("pk"), not_applicable_at__isnull=False
    )
    annotations["systems_total"] = _count(
        ThirdPartySystem.objects.filter(practice=OuterRef("practice_id")).filter(~Exists(not_applicable_here)),
        link="practice",
    )
    annotations["systems_off"] = _count(
        ThirdPartyState.objects.filter(
            migration=OuterRef("pk"), switched_off_at__isnull=False, not_applicable_at__isnull=True
        )
    )
    # Of those, the ones confirmed off before the switch-off window opened (with a reason): off, but
    # not the normal way, so the column and the rules say so rather than count them silently.
    annotations["systems_off_early"] = _count(
        ThirdPartyState.objects.filter(
            migration=OuterRef("pk"), switched_off_early=True, not_applicable_at__isnull=True
        )
    )
    # Any system of the practice's own recorded at all, even one marked not applicable here: someone has
    # looked at the list. The national services every migration starts with say nothing about that.
    annotations["has_linked_systems"] = Exists(
        ThirdPartySystem.objects.filter(practice=OuterRef("practice_id"), national_service__isnull=True)
    )
    # National services given to this migration (systems/national.py), and of those the ones told.
    national = ThirdPartyState.objects.filter(
        migration=OuterRef("pk"), notice_working_days__isnull=False, not_applicable_at__isnull=True
    )
    annotations["national_total"] = _count(national)
    annotations["national_told"] = _count(national.filter(notified_at__isnull=False))

    entries = Entry.objects.filter(migration=OuterRef("pk"))
    annotations["reentry_backlog"] = _count(entries.to_re_enter())
    cutoff = reentry_cutoff(today)
    annotations["reentry_backlog_week_ago"] = _count(
        entries.filter(recorded_at__lt=cutoff)
        .filter(Q(voided_at__isnull=True) | Q(voided_at__gte=cutoff))
        .filter(Q(re_entered_at__isnull=True) | Q(re_entered_at__gte=cutoff))
    )
    return annotations


def derived_annotations() -> dict[str, Any]:
    """Values worked out from metric_annotations(), for sorting and for the rules."""
    derived: dict[str, Any] = {
        f"{prefix}_left": F(f"{prefix}_tasks") - F(f"{prefix}_done") for _, prefix, _, _ in PHASES
    }
    derived["systems_on"] = F("systems_total") - F("systems_off")
    derived["national_untold"] = F("national_total") - F("national_told")
    return derived


def annotate_dashboard(qs: QuerySet[Migration], today: datetime.date) -> QuerySet[Migration]:
    """Add every dashboard value to a queryset of migrations, in the database."""
    qs = qs.annotate(
        stage_rank=stage_rank(today),
        legacy_support_end_date=AddDays(F("go_live_date"), F("legacy_support_days")),
        **metric_annotations(today),
        **sign_off_annotations(),
    )
    qs = qs.annotate(**derived_annotations())
    qs = qs.annotate(
        **{rule.flag: ExpressionWrapper(rule.condition(today), output_field=BooleanField()) for rule in RAG_RULES}
    )
    return qs.annotate(rag_rank=rag_rank())
