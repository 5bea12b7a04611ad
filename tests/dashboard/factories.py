"""Builders for dashboard tests: migrations at a chosen distance from today, and wave files."""

import csv
import datetime
import io

from openpyxl import Workbook

from cutover.models import Migration
from dashboard.wave import WAVE_COLUMNS

from ..factories import MigrationFactory, PracticeFactory

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
