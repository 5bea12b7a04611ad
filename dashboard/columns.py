"""What the dashboard shows of each migration: its rows, columns, sort orders, summary tiles and export columns.

Each `Column` says how its cell reads on the page, how it sorts and what it exports, so the page,
the CSV and the Excel file show the same things in the same order.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cutover.models import Migration

from .annotations import PHASES
from .rag import RAG_LABELS, RAG_RANK, rag_status
from .stages import STAGE_BY_RANK, STAGES
from .wording import days_text, show_date


@dataclass
class Row:
    """One migration of the page or the export, with what its cells need."""

    migration: Migration
    today: datetime.date
    shown: tuple["Column", ...] = ()  # the columns the user chose; empty means every column

    def __post_init__(self):
        self.stage = STAGE_BY_RANK[self.migration.stage_rank]
        self.rag, self.reasons = rag_status(self.migration, self.today)

    @property
    def stage_text(self) -> str:
        """The stage; a closed migration says how it ended ("Closed (completed)")."""
        if self.migration.is_closed:
            return f"{self.stage.label} ({self.migration.get_status_display().lower()})"
        return self.stage.label

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
        """(column key, text) for every column, in page order."""
        return [(column.key, column.text(self)) for column in COLUMNS]

    @property
    def shown_cells(self) -> list[tuple[str, str, str]]:
        """(column key, label, text) for each column the user chose, in page order."""
        return [(column.key, column.label, column.text(self)) for column in self.shown or COLUMNS]

    @property
    def systems_text(self) -> str:
        """ "3 of 4", "3 of 4 (1 early)", or why there is nothing to count."""
        migration = self.migration
        if not migration.systems_total:
            if migration.has_linked_systems:
                return "None apply (all marked not applicable)"
            if migration.no_linked_systems_at is not None:
                return "None (confirmed by the practice)"
            return "No linked systems"
        text = _of(migration.systems_off, migration.systems_total, none="")
        if migration.systems_off_early:
            text += f" ({migration.systems_off_early} early)"
        if not migration.has_linked_systems and migration.no_linked_systems_at is None:
            # Only the national services every migration starts with: the practice's own list is empty.
            text += "; none of the practice's own recorded"
        return text

    @property
    def data_signoff_label(self) -> str:
        return {"go": "Go", "no_go": "No-go"}.get(self.migration.data_signoff_decision or "", "")

    @property
    def sign_offs_text(self) -> str:
        """ "Data checking: go (3 Dec 2026); go-live 10 Dec 2026", or "None yet"."""
        m = self.migration
        parts = []
        if m.data_signoff_decision:
            parts.append(f"Data checking: {self.data_signoff_label.lower()} ({show_date(_day(m.data_signoff_at))})")
        if m.go_live_signed_at:
            parts.append(f"go-live {show_date(_day(m.go_live_signed_at))}")
        if m.close_out_signed_at:
            parts.append(f"close-out {show_date(_day(m.close_out_signed_at))}")
        return "; ".join(parts) or "None yet"

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


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


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
        lambda r: r.stage_text,
        (("Stage", lambda r: r.stage_text),),
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
        lambda r: r.systems_text,
        (
            ("Linked systems switched off", lambda r: r.migration.systems_off),
            ("Linked systems switched off early", lambda r: r.migration.systems_off_early),
            ("Linked systems", lambda r: r.migration.systems_total),
        ),
    ),
    Column(
        "national",
        "National services told",
        ("national_untold", "national_total"),
        lambda r: _of(r.migration.national_told, r.migration.national_total, none="None"),
        (
            ("National services told", lambda r: r.migration.national_told),
            ("National services", lambda r: r.migration.national_total),
        ),
    ),
    Column(
        "sign-offs",
        "Sign-offs",
        ("data_signoff_decision", "go_live_signed_at", "close_out_signed_at"),
        lambda r: r.sign_offs_text,
        (
            ("Data checking sign-off", lambda r: r.data_signoff_label),
            ("Data checking signed on", lambda r: _day(r.migration.data_signoff_at)),
            ("Go-live signed off on", lambda r: _day(r.migration.go_live_signed_at)),
            ("Close-out signed off on", lambda r: _day(r.migration.close_out_signed_at)),
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


# What a programme lead scans first, and what fits beside each other at 1366 px without scrolling
# sideways. The other columns are one tick away in "Choose columns".
DEFAULT_COLUMNS = ("practice", "rag", "stage", "fdp", "go-live", "overdue", "switched-off", "reentry")
ALWAYS_SHOWN = "practice"  # a row without its practice cannot be read, so it cannot be unticked


def chosen_columns(keys: list[str]) -> tuple[Column, ...]:
    """The columns named in the URL (`?cols=rag&cols=stage`), in page order, always with the practice.

    Unknown names are ignored rather than refused: a link saved before a column was renamed still
    opens. Nothing named (or nothing known) gives the default set.
    """
    wanted = {key for key in keys if key in COLUMN_BY_KEY}
    if not wanted:
        wanted = set(DEFAULT_COLUMNS)
    wanted.add(ALWAYS_SHOWN)
    return tuple(column for column in COLUMNS if column.key in wanted)


def is_default(shown: tuple[Column, ...]) -> bool:
    return {column.key for column in shown} == set(DEFAULT_COLUMNS)


def export_header(shown: tuple[Column, ...] = COLUMNS) -> list[str]:
    return [header for column in shown for header, _ in column.exports]


def export_values(row: Row, shown: tuple[Column, ...] = COLUMNS) -> list[Any]:
    return [value(row) for column in shown for _, value in column.exports]


def column_explanation() -> list[str]:
    """How the counted columns are worked out, for "How is this worked out?"."""
    return [
        "Tasks done, per phase of the plan: done tasks of all the tasks that apply. Tasks marked as not "
        "applicable are left out of both numbers, so a plan can be complete without them. Sorting puts the "
        "fewest tasks still to do first.",
        "Overdue tasks: tasks still open after their due date. A task due today is not overdue yet, and a "
        "completed or cancelled migration has none.",
        "Linked systems switched off: the linked third-party systems of the practice confirmed switched off, of "
        "those not marked as not applicable to this migration. A system with nothing recorded counts as still on. "
        "Systems switched off before their switch-off window opened are counted, and named as early.",
        "National services told: the national services the migration started with (prescribing, primary care "
        "support, screening and the rest) recorded as given notice of the switch, of those not marked as not "
        "applicable. They count among the linked systems too, since their links are switched off and back on.",
        "Still to re-enter: items in the re-entry log neither re-entered nor voided. Only the number is shown "
        "here, never anything about a patient.",
    ]


# --- Summary tiles -------------------------------------------------------------------------


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
