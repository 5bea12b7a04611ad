"""Reading a wave file: CSV (in whichever encoding a spreadsheet saved it) or .xlsx bytes into rows.

Every row, cell and text is held to the limits in `limits.py` as it is read, whatever the format.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from . import UnreadableFile
from .layout import header_columns
from .limits import content_size, max_lines, open_archive, scan_parts, sheet_size_recorded, too_long


@dataclass
class Table:
    columns: dict[str, int]  # column key -> position in the row
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, cells)


_NUL_MESSAGE = (
    "This file holds NUL characters, so it is not a spreadsheet saved as CSV. Open it in your "
    "spreadsheet and save it again as CSV (UTF-8), or as .xlsx."
)


def _utf16_without_bom(content: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" for text saved in UTF-16 without a byte order mark, told apart by
    where its NUL bytes fall: every other byte of ordinary text in UTF-16 is NUL."""
    sample = content[:4096]
    if len(sample) < 2 or b"\x00" not in sample:
        return None
    even = sample[0::2].count(0) / len(sample[0::2])
    odd = sample[1::2].count(0) / max(len(sample[1::2]), 1)
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _decode(content: bytes) -> str:
    """The text of a CSV file, from UTF-8 (with or without BOM), UTF-16 or UTF-32 (with a BOM, or
    UTF-16 without one), or Excel's Windows code page. Refuses NUL characters."""
    boms = [
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ]
    encoding = next(((name, len(bom)) for bom, name in boms if content.startswith(bom)), None)
    if encoding is None and (guess := _utf16_without_bom(content)):
        encoding = (guess, 0)
    if encoding is not None:
        name, skip = encoding
        try:
            text = content[skip:].decode(name)
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"This file looks like {name.upper()[:6]} text but part of it is damaged. Save it again as CSV (UTF-8)."
            ) from exc
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            # Excel's plain "CSV" on Windows saves in this code page, not UTF-8.
            text = content.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise UnreadableFile(_NUL_MESSAGE)
    return text


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
    try:
        yield from csv.reader(io.StringIO(_decode(content), newline=""))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise too_long("A cell of this file", csv.field_size_limit()) from exc
        raise UnreadableFile(f"This CSV file is damaged ({exc}). Save it again from your spreadsheet.") from exc


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    with open_archive(content) as archive:
        scan_parts(archive)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        # The first sheet, not the "active" one: the template's notes sheet may be the one left open.
        sheet = workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many different types for a damaged or hostile file
        raise UnreadableFile("This is not an Excel .xlsx file we can read. Save it again as .xlsx or CSV.") from exc
    try:
        # Bounded in both directions, so neither a far-away cell nor a claimed size makes rows up.
        for row in sheet.iter_rows(values_only=True, max_row=max_lines() + 1, max_col=settings.IMPORT_MAX_COLUMNS):
            yield list(row)
    except UnreadableFile:
        raise
    except Exception as exc:  # as above: a damaged sheet fails part-way through
        raise UnreadableFile("Part of this Excel file is damaged. Save it again as .xlsx or CSV.") from exc
    finally:
        workbook.close()


def _bounded(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """The rows, refused once a line, a row or a cell is past the limits (whatever the format)."""
    for line, cells in enumerate(rows, start=1):
        if line > max_lines():
            raise UnreadableFile(
                f"This file goes on past line {max_lines():,}; one import takes at most "
                f"{settings.IMPORT_MAX_ROWS:,} practices. Split it, and delete empty lines at the end."
            )
        if len(cells) > settings.IMPORT_MAX_COLUMNS:
            raise UnreadableFile(
                f"Row {line:,} has {len(cells):,} cells; the most we read is {settings.IMPORT_MAX_COLUMNS}. "
                "Delete the columns you do not need."
            )
        for cell in cells:
            if isinstance(cell, str) and len(cell) > settings.IMPORT_MAX_CELL_CHARS:
                raise too_long(f"Row {line:,}", len(cell))
        yield cells


def _raw_rows(content: bytes, fmt: str) -> Iterator[list[Any]]:
    return _bounded(_csv_rows(content) if fmt == "csv" else _xlsx_rows(content))


def _is_blank(cells: list[Any]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def inspect(content: bytes, fmt: str) -> int | None:
    """Check a file before it is stored, and count its data rows.

    A file of IMPORT_BACKGROUND_BYTES or more (unpacked, for .xlsx) is not read during the request:
    only its archive is checked, and the count is an estimate (None if there is none). The
    background job reads it and reports anything wrong on the batch.
    """
    if content_size(content, fmt) < settings.IMPORT_BACKGROUND_BYTES:
        return len(read_table(content, fmt).rows)
    if fmt == "xlsx":
        with open_archive(content) as archive:
            return sheet_size_recorded(archive)
    return max(content.count(b"\n") - 1, 1)


def read_table(content: bytes, fmt: str) -> Table:
    rows = _raw_rows(content, fmt)
    header = next(rows, None)
    if header is None:
        raise UnreadableFile("This file is empty. Use the template and add one row per practice.")
    columns = header_columns(header)
    data = []
    for line, cells in enumerate(rows, start=2):
        if _is_blank(cells):
            continue
        data.append((line, cells))
        if len(data) > settings.IMPORT_MAX_ROWS:
            raise UnreadableFile(
                f"This file has more than {settings.IMPORT_MAX_ROWS:,} rows; one import takes at most "
                f"{settings.IMPORT_MAX_ROWS:,}. Split it."
            )
    if not data:
        raise UnreadableFile("This file has the column names but no practices. Add one row per practice.")
    return Table(columns=columns, rows=data)
