"""Builders for dashboard tests: migrations a chosen distance from today, what their metrics count, wave files."""

import csv
import datetime
import io

from django.utils import timezone
from openpyxl import Workbook

from cutover.models import Migration
from dashboard.wave_file.layout import WAVE_COLUMNS
from practices.models import ThirdPartyState
from reentry.models import Entry
from tasks.models import Phase, Task

from ..factories import MigrationFactory, PracticeFactory, ThirdPartySystemFactory, UserFactory
from ..reentry.factories import EntryFactory
from ..tasks.factories import TaskFactory

TODAY = datetime.date(2026, 11, 26)  # a Thursday; the frozen clock of every dashboard test


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def migration_at(
    *,
    icb,
    suppliers,
    fdp_in: int = 60,
    cutover: int = 7,
    meeting_days_ago: int | None = None,
    status: str = Migration.Status.ACTIVE,
    practice=None,
    **practice_fields,
) -> Migration:
    """A migration whose FDP is `fdp_in` days from TODAY."""
    practice = practice or PracticeFactory(icb=icb, **practice_fields)
    return MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=days(fdp_in),
        go_live_date=days(fdp_in + cutover),
        planning_meeting_date=days(-meeting_days_ago) if meeting_days_ago is not None else None,
        status=status,
    )


HEADERS = [column.header for column in WAVE_COLUMNS]


def wave_row(n: int = 1, **overrides) -> dict[str, str]:
    """One valid row of a wave file, keyed by column header."""
    row = {
        "ODS code": f"W{n:05d}",
        "Practice name": f"Wave Practice {n}",
        "Dispensing": "no",
        "Current system": "EMIS Web",
        "Current supplier": "EMIS Health",
        "New system": "TPP SystmOne",
        "New supplier": "TPP",
        "FDP date": days(60).isoformat(),
        "Go-live date": days(67).isoformat(),
        "Practice manager name": f"Manager {n}",
        "Practice manager email": f"manager{n}@wave.example",
    }
    row.update(overrides)
    return row


def wave_csv(rows: list[dict], headers: list[str] = HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return buffer.getvalue().encode()


def wave_xlsx(rows: list[dict], headers: list[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- What the metrics count: tasks, linked systems, re-entry entries -------------------------


def at_day(n: int, hour: int = 10) -> datetime.datetime:
    """A moment `n` days from TODAY, London time."""
    return timezone.make_aware(datetime.datetime.combine(days(n), datetime.time(hour)))


def add_task(migration, *, phase=Phase.PREPARATION, status=Task.Status.OPEN, due_in: int = 5) -> Task:
    """A plan task due `due_in` days from TODAY, open, done or not applicable."""
    closed = {} if status == Task.Status.OPEN else {"status_changed_at": at_day(-1)}
    reason = (
        {"not_applicable_reason": "The practice has no dispensary."} if status == Task.Status.NOT_APPLICABLE else {}
    )
    return TaskFactory(migration=migration, phase=phase, status=status, due_date=days(due_in), **closed, **reason)


def add_system(migration, *, switched_off: bool = False, not_applicable: bool = False, by=None):
    """A linked system of the migration's practice, confirmed off, marked not applicable, or untouched."""
    system = ThirdPartySystemFactory(practice=migration.practice)
    if switched_off or not_applicable:
        by = by or UserFactory()
        state = ThirdPartyState(migration=migration, system=system)
        if switched_off:
            state.switched_off_at, state.switched_off_by = at_day(-3), by
        if not_applicable:
            state.not_applicable_at, state.not_applicable_by = at_day(-3), by
            state.not_applicable_reason = "Not used by this practice any more."
        state.save()
    return system


def add_entry(migration, *, recorded: int, re_entered: int | None = None, voided: int | None = None) -> Entry:
    """A re-entry log entry recorded `recorded` days from TODAY, perhaps re-entered or voided later."""
    by = UserFactory()
    fields = {}
    if re_entered is not None:
        fields.update(re_entered_at=at_day(re_entered), re_entered_by=by)
    if voided is not None:
        fields.update(voided_at=at_day(voided), voided_by=by, void_reason="Recorded twice by mistake.")
    moment = at_day(recorded)
    return EntryFactory(
        migration=migration, occurred_at=moment - datetime.timedelta(minutes=5), recorded_at=moment, **fields
    )
