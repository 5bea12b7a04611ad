"""What the dashboard knows about each migration, worked out by the database.

Everything the dashboard's rows, filters, sort order, summary tiles and exports need is
an annotation added by `annotate_dashboard()`. One page of rows therefore costs the same
few queries whether an ICB oversees 20 migrations or 2,000: no Python loop ever walks
every migration or task.

The RAG rules live in `RAG_RULES`. Each rule is one database condition (used to filter,
sort and count) and one sentence for a row (used to say why it is red or amber). The
"How is this worked out?" text on the page is generated from the same list, so what we
say and what we compute cannot drift apart.

Adding a metric once another area is merged (overdue tasks from the plan, third-party
systems switched off, the re-entry backlog) takes three small edits, all in this module:
1. one entry in `metric_annotations()`: a Subquery or Count over the other app's model,
   for example `overdue_tasks=Subquery(Task.objects.filter(migration=OuterRef("pk"), ...)
   .values("migration").annotate(n=Count("pk")).values("n"))` wrapped in Coalesce(…, 0);
2. if it colours a row, one `RagRule` in `RAG_RULES` whose condition reads that annotation;
3. if it is shown, one `Column` in `COLUMNS` (and its cell in templates/dashboard/_rows.html
   only if it needs more than plain text), plus a total in `SUMMARY_TOTALS` if it adds up.
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
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)

from cutover.models import Migration

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


def metric_annotations(today: datetime.date) -> dict[str, Any]:
    """Per-migration numbers that come from other apps' tables (one Subquery each).

    Empty until the plan, people and re-entry work is merged: see the module docstring.
    """
    return {}


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


def _meeting_window() -> int:
    return settings.PLANNING_MEETING_DAYS_BEFORE_FDP


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
)


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
    aggregates.update(SUMMARY_TOTALS)
    return aggregates


# Totals of metric annotations (e.g. overdue tasks) join this dict after merge:
# {"overdue_tasks_total": Sum("overdue_tasks")}.
SUMMARY_TOTALS: dict[str, Any] = {}


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


@dataclass(frozen=True)
class Column:
    key: str  # the sort key in the URL
    label: str
    order_by: tuple[str, ...]
    text: Callable[[Row], str]  # the cell as shown on the page
    exports: tuple[tuple[str, Callable[[Row], Any]], ...]  # (header, value) pairs for CSV and Excel


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
    Column(
        "rag",
        "RAG",
        ("rag_rank",),
        lambda r: r.rag_label,
        (("RAG", lambda r: r.rag_label), ("Why", lambda r: " ".join(r.reasons))),
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
