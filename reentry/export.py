"""The practice's log as CSV, safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator

from django.utils import timezone

from cutover.text import spreadsheet_text

from .models import Entry

HEADER = [
    "Entry",
    "Kind",
    "NHS number",
    "Patient name",
    "Date of birth",
    "Address",
    "Stock item",
    "Quantity",
    "Unit",
    "Activity date and time",
    "From paper",
    "What must be re-entered",
    "Recorded by",
    "Recorded at",
    "Status",
    "Re-entered by",
    "Re-entered at",
    "Checked by",
    "Checked at",
    "Voided by",
    "Voided at",
    "Reason for voiding",
]


def safe_cell(value) -> str:
    """The value as text, safe to open in a spreadsheet (see cutover.text.spreadsheet_text)."""
    return spreadsheet_text("" if value is None else str(value), quote_formulas=True)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _who(user) -> str:
    return (user.get_full_name() or user.email) if user else ""


def entry_row(entry: Entry) -> list[str]:
    quantity = f"{entry.stock_quantity.normalize():f}" if entry.stock_quantity is not None else ""
    values = [
        entry.pk,
        entry.get_kind_display(),
        entry.nhs_number_display,
        entry.patient_name,
        entry.patient_date_of_birth.isoformat() if entry.patient_date_of_birth else "",
        entry.patient_address.replace("\r\n", "\n"),
        entry.stock_item,
        quantity,
        entry.stock_unit,
        _when(entry.occurred_at),
        "yes" if entry.from_paper else "no",
        entry.summary,
        _who(entry.recorded_by),
        _when(entry.recorded_at),
        entry.status,
        _who(entry.re_entered_by),
        _when(entry.re_entered_at),
        _who(entry.checked_by),
        _when(entry.checked_at),
        _who(entry.voided_by),
        _when(entry.voided_at),
        entry.void_reason,
    ]
    return [safe_cell(value) for value in values]


class _Echo:
    """csv.writer writes into this and hands each line straight back, so rows stream one at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(entries: Iterable[Entry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # A byte order mark makes Excel read the file as UTF-8, so names with accents survive.
    yield "\ufeff" + writer.writerow(HEADER)
    for entry in entries:
        yield writer.writerow(entry_row(entry))
