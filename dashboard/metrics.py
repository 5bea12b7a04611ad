"""What the dashboard knows about each migration, worked out by the database.

Everything the dashboard's rows, filters, sort order, summary tiles and exports need is
an annotation added by `annotate_dashboard()`. One page of rows therefore costs the same
few queries whether an ICB oversees 20 migrations or 2,000: no Python loop ever walks
every migration or task.

The RAG rules live in `RAG_RULES`. Each rule is one database condition (used to filter,
sort and count) and one sentence for a row (used to say why it is red or amber). The
"How is this worked out?" text on the page is generated from the same list, so what we
say and what we compute cannot drift apart.

The counts from other apps (task progress per phase, overdue tasks, linked systems switched
off, the re-entry backlog) are correlated subqueries, each wrapped in Coalesce(…, 0) so a
migration with nothing to count shows 0. Adding another takes three small edits, all here:
1. one entry in `metric_annotations()`, usually `_count(<the other model's rows of
   OuterRef("pk")>)`;
2. if it colours a row, one `RagRule` in `RAG_RULES` whose condition reads that annotation;
3. if it is shown, one `Column` in `COLUMNS` (and its cell in templates/dashboard/dashboard.html
   only if it needs more than plain text), plus a `Total` in `SUMMARY_TOTALS` if it adds up.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
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
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cutover.models import Migration
from cutover.timeline import switch_off_window
from practices.models import ThirdPartyState, ThirdPartySystem
from reentry.models import Entry
from tasks.models import Phase, Task

# --- Stages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    rank: int  # lifecycle order, which is also the sort order
    key: str  # the value in the URL
    name: str  # what Migration.stage() returns

    @property
    def label(self) -> str:
        return self.name[0].upper() + self.name[1:]


STAGES = (
    Stage(0, "planning", "planning"),
    Stage(1, "preparation", "preparation"),
    Stage(2, "cutover", "cutover"),
    Stage(3, "after-go-live", "after go-live"),
    Stage(4, "closed", "closed"),
)
STAGE_BY_KEY = {stage.key: stage for stage in STAGES}
STAGE_BY_RANK = {stage.rank: stage for stage in STAGES}


def stage_rank(today: datetime.date) -> Case:
    """Migration.stage() as a database expression, so stages can be filtered, sorted and counted.

    The branches follow Migration.stage() one for one; a test compares the two over every
    boundary day.
    """
    meeting_cutoff = today + datetime.timedelta(days=settings.PLANNING_MEETING_DAYS_BEFORE_FDP)
    return Case(
        When(~Q(status=Migration.Status.ACTIVE), then=Value(4)),
        When(Q(planning_meeting_date__isnull=True, fdp_date__gt=meeting_cutoff), then=Value(0)),
        When(fdp_date__gt=today, then=Value(1)),
        When(go_live_date__gt=today, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def stage_explanation() -> str:
    """The stage rules in words, from the same setting stage_rank() uses."""
    return (
        f"Planning until a planning meeting is recorded or FDP is {settings.PLANNING_MEETING_DAYS_BEFORE_FDP} days "
        "away; preparation until FDP; cutover from FDP until go-live; after go-live from then on. "
        "A completed or cancelled migration is closed."
    )


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


# --- Metrics from other areas ----------------------------------------------------------


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

    entries = Entry.objects.filter(migration=OuterRef("pk"))
    annotations["reentry_backlog"] = _count(entries.filter(voided_at__isnull=True, re_entered_at__isnull=True))
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
    return derived


def switch_off_started_fdp_limit(today: datetime.date) -> datetime.date:
    """The latest FDP whose switch-off window has started by `today`.

    The window starts a number of working days before FDP, so a later FDP never starts
    its window earlier: "the window has started" is exactly "FDP is on or before this
    date", which the database can compare. Counting forward a day at a time reuses
    switch_off_window() itself, bank holidays and all; it stops within a few days.
    """
    fdp = today
    while switch_off_window(fdp + datetime.timedelta(days=1))[0] <= today:
        fdp += datetime.timedelta(days=1)
    return fdp


# --- RAG --------------------------------------------------------------------------------

RED, AMBER, GREEN = "red", "amber", "green"
RAG_RANK = {RED: 0, AMBER: 1, GREEN: 2}
RAG_BY_RANK = {rank: colour for colour, rank in RAG_RANK.items()}
RAG_LABELS = {RED: "Red", AMBER: "Amber", GREEN: "Green"}


@dataclass(frozen=True)
class RagRule:
    key: str
    colour: str  # RED or AMBER
    explain: Callable[[], str]  # the rule in words, for "How is this worked out?"
    condition: Callable[[datetime.date], Q]  # when the rule fires, as a database condition
    reason: Callable[[Any, datetime.date], str]  # why this row is coloured, in words

    @property
    def flag(self) -> str:
        return f"rag_{self.key}"


def days_text(days: int) -> str:
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} ago"


def show_date(value: datetime.date | None) -> str:
    return f"{value:%-d %b %Y}" if value else ""


def count_text(count: int, thing: str) -> str:
    return f"{count} {thing}{'' if count == 1 else 's'}"


def _meeting_window() -> int:
    return settings.PLANNING_MEETING_DAYS_BEFORE_FDP


def _window_words() -> str:
    first = settings.SWITCH_OFF_WORKING_DAYS_BEFORE_FDP[0]
    return f"{first} working day{'s' if first != 1 else ''}"


RAG_RULES: tuple[RagRule, ...] = (
    RagRule(
        key="planning_meeting_missing",
        colour=RED,
        explain=lambda: (
            f"No planning meeting is recorded and FDP is {_meeting_window()} days away or closer "
            f"(the meeting should be held at least {_meeting_window() // 7} weeks before FDP). "
            "This stays red until a meeting date is recorded or the practice goes live."
        ),
        condition=lambda today: Q(
            status=Migration.Status.ACTIVE,
            planning_meeting_date__isnull=True,
            fdp_date__lte=today + datetime.timedelta(days=_meeting_window()),
            go_live_date__gt=today,
        ),
        reason=lambda row, today: (
            f"No planning meeting recorded; FDP {'was' if row.fdp_date < today else 'is'} "
            f"{days_text((row.fdp_date - today).days)} ({show_date(row.fdp_date)})."
        ),
    ),
    RagRule(
        key="systems_still_on",
        colour=RED,
        explain=lambda: (
            "A linked third-party system is not yet confirmed switched off (and not marked as not applicable) "
            f"once the switch-off window has started, {_window_words()} before FDP, until go-live. Anything it "
            "sends to the current system after FDP would be lost."
        ),
        condition=lambda today: Q(
            status=Migration.Status.ACTIVE,
            fdp_date__lte=switch_off_started_fdp_limit(today),
            go_live_date__gt=today,
            systems_on__gt=0,
        ),
        reason=lambda row, today: (
            f"{count_text(row.systems_on, 'linked system')} not confirmed switched off "
            f"({row.systems_off} of {row.systems_total} off); the switch-off window started "
            f"{show_date(switch_off_window(row.fdp_date)[0])}."
        ),
    ),
    RagRule(
        key="preparation_open_at_fdp",
        colour=RED,
        explain=lambda: (
            "A preparation task is still open during the cutover (from FDP until go-live): preparation should "
            "be finished before the final data is taken. Tasks marked as not applicable do not count. After "
            "go-live such a task still shows as overdue (amber) rather than keeping the row red for months."
        ),
        condition=lambda today: Q(
            status=Migration.Status.ACTIVE, fdp_date__lte=today, go_live_date__gt=today, preparation_left__gt=0
        ),
        reason=lambda row, today: (
            f"{count_text(row.preparation_left, 'preparation task')} still open; FDP "
            f"{'was' if row.fdp_date < today else 'is'} {days_text((row.fdp_date - today).days)} "
            f"({show_date(row.fdp_date)})."
        ),
    ),
    RagRule(
        key="reentry_not_falling",
        colour=RED,
        explain=lambda: (
            "From a week after go-live, items are still waiting to be re-entered and there are no fewer than a "
            "week earlier (counting what had been recorded, and not yet re-entered or voided, by the end of that "
            "day). A week after go-live this compares with go-live day, when most items from the cutover are "
            "already in the log, so a practice that has not started re-entering turns red."
        ),
        condition=lambda today: Q(
            status=Migration.Status.ACTIVE,
            go_live_date__lte=today - datetime.timedelta(days=7),
            reentry_backlog__gt=0,
            reentry_backlog__gte=F("reentry_backlog_week_ago"),
        ),
        reason=lambda row, today: (
            f"{count_text(row.reentry_backlog, 'item')} still to re-enter; a week ago "
            f"{'it was' if row.reentry_backlog_week_ago == 1 else 'there were'} {row.reentry_backlog_week_ago}."
        ),
    ),
    RagRule(
        key="tasks_overdue",
        colour=AMBER,
        explain=lambda: "A task of the plan is overdue: still open after its due date.",
        condition=lambda today: Q(status=Migration.Status.ACTIVE, overdue_tasks__gt=0),
        reason=lambda row, today: f"{count_text(row.overdue_tasks, 'task')} overdue.",
    ),
)


def column_explanation() -> list[str]:
    """How the counted columns are worked out, for "How is this worked out?"."""
    return [
        "Tasks done, per phase of the plan: done tasks of all the tasks that apply. Tasks marked as not "
        "applicable are left out of both numbers, so a plan can be complete without them. Sorting puts the "
        "fewest tasks still to do first.",
        "Overdue tasks: tasks still open after their due date. A task due today is not overdue yet, and a "
        "completed or cancelled migration has none.",
        "Linked systems switched off: the linked third-party systems of the practice confirmed switched off, of "
        "those not marked as not applicable to this migration. A system with nothing recorded counts as still on.",
        "Still to re-enter: items in the re-entry log neither re-entered nor voided. Only the number is shown "
        "here, never anything about a patient.",
    ]


def rag_explanation() -> dict[str, list[str]]:
    """The rules in words, grouped by colour, for the page."""
    return {colour: [rule.explain() for rule in RAG_RULES if rule.colour == colour] for colour in (RED, AMBER)}


def rag_rank(rules: tuple[RagRule, ...] = RAG_RULES) -> Case:
    whens = []
    for colour in (RED, AMBER):
        fired = [Q(**{rule.flag: True}) for rule in rules if rule.colour == colour]
        if fired:
            any_fired = fired[0]
            for q in fired[1:]:
                any_fired |= q
            whens.append(When(any_fired, then=Value(RAG_RANK[colour])))
    return Case(*whens, default=Value(RAG_RANK[GREEN]), output_field=IntegerField())


def rag_filter(colour: str, today: datetime.date) -> Q:
    """The migrations of one colour, as the rules' own conditions rather than `rag_rank = n`.

    Both select the same rows (rag_rank is built from the same conditions), but PostgreSQL
    cannot estimate how many rows match a CASE and guesses almost none, then joins the
    practices and suppliers as if filtering left a handful of rows. Its estimates for the
    conditions themselves are close enough to keep the join plan sensible at 2,000 rows.
    """
    red = _any([rule.condition(today) for rule in RAG_RULES if rule.colour == RED])
    amber = _any([rule.condition(today) for rule in RAG_RULES if rule.colour == AMBER])
    if colour == RED:
        return red
    if colour == AMBER:
        return ~red & amber
    return ~red & ~amber


def _any(conditions: list[Q]) -> Q:
    combined = Q(pk__in=[])  # no rule of this colour: nothing matches
    for condition in conditions:
        combined |= condition
    return combined


def rag_status(row, today: datetime.date) -> tuple[str, list[str]]:
    """A row's colour and the reasons for it, read from the flags annotate_dashboard() set.

    The database computes each flag from the rule's condition, and `rag_rank` from the same
    flags, so the colour here always equals the colour the filters and tiles count.
    """
    fired = [rule for rule in RAG_RULES if getattr(row, rule.flag)]
    colours = {rule.colour for rule in fired}
    colour = RED if RED in colours else AMBER if AMBER in colours else GREEN
    # Red reasons first: they are what needs doing soonest.
    fired.sort(key=lambda rule: RAG_RANK[rule.colour])
    return colour, [rule.reason(row, today) for rule in fired]


# --- The annotated queryset -------------------------------------------------------------


def annotate_dashboard(qs: QuerySet[Migration], today: datetime.date) -> QuerySet[Migration]:
    """Add every dashboard value to a queryset of migrations, in the database."""
    qs = qs.annotate(
        stage_rank=stage_rank(today),
        legacy_support_end_date=AddDays(F("go_live_date"), F("legacy_support_days")),
        **metric_annotations(today),
    )
    qs = qs.annotate(**derived_annotations())
    qs = qs.annotate(
        **{rule.flag: ExpressionWrapper(rule.condition(today), output_field=BooleanField()) for rule in RAG_RULES}
    )
    return qs.annotate(rag_rank=rag_rank())


def summary_aggregates() -> dict[str, Any]:
    """The summary tiles as one aggregate() call over the filtered queryset."""
    aggregates: dict[str, Any] = {"total": Count("pk")}
    for stage in STAGES:
        aggregates[f"stage_{stage.rank}"] = Count("pk", filter=Q(stage_rank=stage.rank))
    for colour, rank in RAG_RANK.items():
        aggregates[f"rag_{colour}"] = Count("pk", filter=Q(rag_rank=rank))
    aggregates.update({name: total.aggregate for name, total in SUMMARY_TOTALS.items()})
    return aggregates


@dataclass(frozen=True)
class Total:
    label: str  # the words after the number on the tile
    aggregate: Any


# Totals of metric annotations, one tile each. Coalesce: the sum of no rows is NULL, not 0.
SUMMARY_TOTALS: dict[str, Total] = {
    "overdue_tasks_total": Total("overdue tasks", Coalesce(Sum("overdue_tasks"), Value(0))),
    "reentry_backlog_total": Total("items still to re-enter", Coalesce(Sum("reentry_backlog"), Value(0))),
}


# --- Rows and columns --------------------------------------------------------------------


@dataclass
class Row:
    """One migration of the page or the export, with what its cells need."""

    migration: Migration
    today: datetime.date

    def __post_init__(self):
        self.stage = STAGE_BY_RANK[self.migration.stage_rank]
        self.rag, self.reasons = rag_status(self.migration, self.today)

    @property
    def rag_label(self) -> str:
        return RAG_LABELS[self.rag]

    @property
    def days_to_fdp(self) -> int:
        return (self.migration.fdp_date - self.today).days

    @property
    def days_to_go_live(self) -> int:
        return (self.migration.go_live_date - self.today).days

    @property
    def fdp_when(self) -> str:
        return days_text(self.days_to_fdp)

    @property
    def go_live_when(self) -> str:
        return days_text(self.days_to_go_live)

    @property
    def cells(self) -> list[tuple[str, str]]:
        """(column key, text) for each column, in page order."""
        return [(column.key, column.text(self)) for column in COLUMNS]

    def progress_text(self, prefix: str) -> str:
        """ "3 of 10" tasks of a phase done (not-applicable ones left out)."""
        return _of(
            getattr(self.migration, f"{prefix}_done"), getattr(self.migration, f"{prefix}_tasks"), none="No tasks"
        )


@dataclass(frozen=True)
class Column:
    key: str  # the sort key in the URL
    label: str
    order_by: tuple[str, ...]
    text: Callable[[Row], str]  # the cell as shown on the page
    exports: tuple[tuple[str, Callable[[Row], Any]], ...]  # (header, value) pairs for CSV and Excel


def _of(done: int, total: int, *, none: str) -> str:
    return f"{done} of {total}" if total else none


def _system(name: str, supplier) -> str:
    return f"{name} ({supplier.name})"


COLUMNS: tuple[Column, ...] = (
    Column(
        "practice",
        "Practice",
        ("practice__name",),
        lambda r: r.migration.practice.name,
        (("Practice", lambda r: r.migration.practice.name),),
    ),
    Column(
        "ods",
        "ODS code",
        ("practice__ods_code",),
        lambda r: r.migration.practice.ods_code,
        (("ODS code", lambda r: r.migration.practice.ods_code),),
    ),
    # Next to the practice: the status and its reasons are what a programme lead scans first.
    Column(
        "rag",
        "RAG",
        ("rag_rank",),
        lambda r: r.rag_label,
        (("RAG", lambda r: r.rag_label), ("Why", lambda r: " ".join(r.reasons))),
    ),
    Column(
        "from",
        "Current system",
        ("current_system", "current_supplier__name"),
        lambda r: _system(r.migration.current_system, r.migration.current_supplier),
        (
            ("Current system", lambda r: r.migration.current_system),
            ("Current supplier", lambda r: r.migration.current_supplier.name),
        ),
    ),
    Column(
        "to",
        "New system",
        ("new_system", "new_supplier__name"),
        lambda r: _system(r.migration.new_system, r.migration.new_supplier),
        (
            ("New system", lambda r: r.migration.new_system),
            ("New supplier", lambda r: r.migration.new_supplier.name),
        ),
    ),
    Column(
        "fdp",
        "FDP",
        ("fdp_date",),
        lambda r: f"{show_date(r.migration.fdp_date)} ({r.fdp_when})",
        (("FDP", lambda r: r.migration.fdp_date), ("Days to FDP", lambda r: r.days_to_fdp)),
    ),
    Column(
        "go-live",
        "Go-live",
        ("go_live_date",),
        lambda r: f"{show_date(r.migration.go_live_date)} ({r.go_live_when})",
        (("Go-live", lambda r: r.migration.go_live_date), ("Days to go-live", lambda r: r.days_to_go_live)),
    ),
    Column(
        "stage",
        "Stage",
        ("stage_rank",),
        lambda r: r.stage.label,
        (("Stage", lambda r: r.stage.label),),
    ),
    Column(
        "meeting",
        "Planning meeting",
        ("planning_meeting_date",),
        lambda r: (
            f"Held {show_date(r.migration.planning_meeting_date)}"
            if r.migration.planning_meeting_date
            else f"Not recorded (due {show_date(r.migration.planning_meeting_due)})"
        ),
        (("Planning meeting held", lambda r: r.migration.planning_meeting_date),),
    ),
    Column(
        "legacy",
        "Legacy support ends",
        ("legacy_support_end_date",),
        lambda r: show_date(r.migration.legacy_support_end_date),
        (("Legacy support ends", lambda r: r.migration.legacy_support_end_date),),
    ),
    *(
        Column(
            key,
            label,
            (f"{prefix}_left", f"{prefix}_tasks"),
            lambda r, prefix=prefix: r.progress_text(prefix),
            (
                (label, lambda r, prefix=prefix: getattr(r.migration, f"{prefix}_done")),
                (label.replace(" done", ""), lambda r, prefix=prefix: getattr(r.migration, f"{prefix}_tasks")),
            ),
        )
        for _, prefix, key, label in PHASES
    ),
    Column(
        "overdue",
        "Overdue tasks",
        ("overdue_tasks",),
        lambda r: str(r.migration.overdue_tasks),
        (("Overdue tasks", lambda r: r.migration.overdue_tasks),),
    ),
    Column(
        "switched-off",
        "Linked systems switched off",
        ("systems_on", "systems_total"),
        lambda r: _of(r.migration.systems_off, r.migration.systems_total, none="No linked systems"),
        (
            ("Linked systems switched off", lambda r: r.migration.systems_off),
            ("Linked systems", lambda r: r.migration.systems_total),
        ),
    ),
    Column(
        "reentry",
        "Still to re-enter",
        ("reentry_backlog",),
        lambda r: str(r.migration.reentry_backlog),
        (("Still to re-enter", lambda r: r.migration.reentry_backlog),),
    ),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
DEFAULT_SORT = "fdp"


def ordering(sort: str) -> list:
    """ORDER BY for a sort key from the URL ("fdp", "-rag"); unknown keys sort by FDP.

    Nulls go first when ascending on every database (PostgreSQL would put them last), and
    practice name then id break ties so pages never overlap.
    """
    descending = sort.startswith("-")
    column = COLUMN_BY_KEY.get(sort.lstrip("-")) or COLUMN_BY_KEY[DEFAULT_SORT]
    if descending:
        fields = [F(name).desc(nulls_last=True) for name in column.order_by]
    else:
        fields = [F(name).asc(nulls_first=True) for name in column.order_by]
    return [*fields, "practice__name", "pk"]


def normalise_sort(sort: str | None) -> str:
    sort = sort or DEFAULT_SORT
    return sort if sort.lstrip("-") in COLUMN_BY_KEY else DEFAULT_SORT


def export_header() -> list[str]:
    return [header for column in COLUMNS for header, _ in column.exports]


def export_values(row: Row) -> list[Any]:
    return [value(row) for column in COLUMNS for _, value in column.exports]
