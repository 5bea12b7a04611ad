"""What the printed pages hold, read from the apps that own each fact."""

import datetime
from dataclasses import dataclass, field

from cutover.models import Migration
from practices.stakeholders import who_is_involved
from reentry.access import can_see_entries
from reentry.models import Entry
from systems.system_rows import third_party_rows
from tasks.models import Phase, Task
from tasks.selectors import tasks_for_plan


@dataclass
class PrintedPhase:
    label: str
    tasks: list[Task] = field(default_factory=list)


def plan_by_phase(migration: Migration) -> list[PrintedPhase]:
    """Every task, open or not, by phase: on paper a task ticked on screen shows as done."""
    phases = {value: PrintedPhase(label=str(label)) for value, label in Phase.choices}
    for task in tasks_for_plan(migration).order_by("due_date", "position", "pk"):
        phases[task.phase].tasks.append(task)
    return [phase for phase in phases.values() if phase.tasks]


def pack_context(*, migration: Migration, user, today: datetime.date) -> dict:
    """The whole pack. The paper re-entry forms are for the practice's own people only, like the
    re-entry log (they are blank, but the log is the practice's alone)."""
    return {
        "migration": migration,
        "today": today,
        "key_dates": migration.key_dates(today),
        "involvement": who_is_involved(migration),
        "systems": third_party_rows(migration, today=today),
        "phases": plan_by_phase(migration),
        "with_paper_forms": can_see_entries(user, migration),
        "rows": range(12),
        "stock_rows": range(8),
    }


def worklist_entries(*, migration: Migration, user):
    """Everything still to re-enter, oldest first: the whole list, not one screen's page of it."""
    return (
        Entry.objects.visible_to(user)
        .filter(migration=migration)
        .to_re_enter()
        .select_related("recorded_by")
        .order_by("occurred_at", "pk")
    )
