"""CSV and Excel files of the dashboard's filtered list (and the import template).

Both formats take their header and values from columns.COLUMNS, the same registry the page
uses, so a download holds exactly what the page shows, in the same order.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from cutover.models import Migration
from cutover.text import spreadsheet_value

from . import columns

DATE_FORMAT = "d mmm yyyy"


def dashboard_rows(
    qs: QuerySet[Migration], today: datetime.date, shown: tuple[columns.Column, ...] = columns.COLUMNS
) -> Iterator[list[Any]]:
    """The header, then one list of values per migration, streamed from the database.

    `shown` is the columns chosen on the page, so a download holds what the person was looking at.
    """
    yield columns.export_header(shown)
    for migration in qs.iterator(chunk_size=500):
        yield columns.export_values(columns.Row(migration, today), shown)


def csv_safe(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return spreadsheet_value(value, quote_formulas=True)


def write_csv(stream, rows: Iterable[list[Any]]) -> None:
    writer = csv.writer(stream)
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])


def _cell(sheet, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=spreadsheet_value(value, quote_formulas=False))
    if isinstance(value, str):
        # Text stays text: openpyxl would otherwise store "=..." as a formula.
        cell.data_type = "s"
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _fill(sheet, rows: Iterable[list[Any]]) -> None:
    sheet.freeze_panes = "A2"
    for number, row in enumerate(rows):
        sheet.append([_cell(sheet, value, bold=number == 0) for value in row])


def xlsx_bytes(rows: Iterable[list[Any]], *, sheet: str, notes: list[list[Any]] | None = None) -> bytes:
    workbook = Workbook(write_only=True)
    _fill(workbook.create_sheet(sheet), rows)
    if notes:
        _fill(workbook.create_sheet("How to fill in"), notes)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
