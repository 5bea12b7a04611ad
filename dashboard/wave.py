"""Reading and checking a wave spreadsheet: one row per practice to migrate.

Nothing here writes to the database. `read_table()` turns CSV or .xlsx bytes into rows,
`check_rows()` says what each row would create and what is wrong with it, using a fixed
handful of queries however long the file is.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from cutover.models import Migration
from practices.models import Organisation, Practice, ods_practice_code_validator

from .metrics import show_date

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %b %Y", "%d %B %Y")
DATE_EXAMPLES = "2027-03-01, 01/03/2027 or 1 Mar 2027"
DATE_KEYS = {"fdp_date", "go_live_date"}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
LOOKUP_CHUNK = 500  # keeps IN (...) lists well inside every database's parameter limit


class UnreadableFile(Exception):
    """The file as a whole cannot be used (wrong type, damaged, missing columns, too long)."""


@dataclass(frozen=True)
class WaveColumn:
    key: str
    header: str
    required: bool
    help: str
    example: str
    max_length: int = 200
    aliases: tuple[str, ...] = ()


WAVE_COLUMNS = (
    WaveColumn("ods_code", "ODS code", True, "The practice's ODS code: a capital letter then five digits.", "A81001"),
    WaveColumn("practice_name", "Practice name", True, "As the practice is known.", "Riverside Medical Centre"),
    WaveColumn("dispensing", "Dispensing", True, "yes or no.", "no", aliases=("dispensing practice",)),
    WaveColumn("current_system", "Current system", True, "The clinical system used now.", "EMIS Web", 100),
    WaveColumn("current_supplier", "Current supplier", True, "Its supplier, as registered here.", "EMIS Health", 200),
    WaveColumn("new_system", "New system", True, "The clinical system to move to.", "TPP SystmOne", 100),
    WaveColumn("new_supplier", "New supplier", True, "Its supplier, as registered here.", "TPP", 200),
    WaveColumn("fdp_date", "FDP date", True, f"Final data production, written {DATE_EXAMPLES}.", "2027-03-01"),
    WaveColumn("go_live_date", "Go-live date", True, "The first day on the new system.", "2027-03-08"),
    WaveColumn(
        "delivery_partner",
        "Delivery partner",
        False,
        "Optional, for practices new here: their IT delivery partner, by name or ODS code as registered here.",
        "North of England CSU",
    ),
    WaveColumn(
        "manager_name", "Practice manager name", False, "Optional: who will be invited to plan.", "Priya Shah", 150
    ),
    WaveColumn(
        "manager_email",
        "Practice manager email",
        False,
        "Optional: where the invitation goes.",
        "priya.shah@example.nhs.uk",
        254,
    ),
)
COLUMN_BY_KEY = {column.key: column for column in WAVE_COLUMNS}


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


_HEADER_KEYS = {
    _squash(name): column.key
    for column in WAVE_COLUMNS
    for name in (column.header, column.key, *column.aliases, column.header.removesuffix(" date"))
}


def file_format(name: str) -> str | None:
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith(".xlsx"):
        return "xlsx"
    return None


# --- Reading -----------------------------------------------------------------------------


@dataclass
class Table:
    columns: dict[str, int]  # column key -> position in the row
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, cells)


def _header_columns(header: list[Any]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for position, cell in enumerate(header):
        key = _HEADER_KEYS.get(_squash(str(cell or "")))
        if key is None:
            continue  # extra columns (notes, an ICB's own references) are allowed and ignored
        if key in columns:
            raise UnreadableFile(f"The column '{COLUMN_BY_KEY[key].header}' appears twice. Keep one of them.")
        columns[key] = position
    missing = [column.header for column in WAVE_COLUMNS if column.required and column.key not in columns]
    if missing:
        raise UnreadableFile(
            "The first row must name the columns, like the template. Missing: " + ", ".join(missing) + "."
        )
    return columns


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" on Windows saves in this code page, not UTF-8.
        return content.decode("cp1252", errors="replace")


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
    try:
        yield from csv.reader(io.StringIO(_decode(content), newline=""))
    except csv.Error as exc:
        raise UnreadableFile(f"This CSV file is damaged ({exc}). Save it again from your spreadsheet.") from exc


def _xlsx_sheet(content: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        # The first sheet, not the "active" one: the template's notes sheet may be the one left open.
        return workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many different types for a damaged or hostile file
        raise UnreadableFile("This is not an Excel .xlsx file we can read. Save it again as .xlsx or CSV.") from exc


def _xlsx_rows(sheet, **limits) -> Iterator[list[Any]]:
    try:
        for row in sheet.iter_rows(values_only=True, **limits):
            yield list(row)
    except Exception as exc:  # as above: a damaged sheet fails part-way through
        raise UnreadableFile("Part of this Excel file is damaged. Save it again as .xlsx or CSV.") from exc


def _raw_rows(content: bytes, fmt: str) -> Iterator[list[Any]]:
    return _csv_rows(content) if fmt == "csv" else _xlsx_rows(_xlsx_sheet(content))


def _is_blank(cells: list[Any]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def inspect(content: bytes, fmt: str) -> int | None:
    """Check the header row and count the data rows, cheaply, before the file is stored.

    Returns None when an .xlsx file does not record its size (then it is treated as large).
    """
    if fmt == "xlsx":
        # Only the header row is read; the size comes from the sheet's own record of it.
        sheet = _xlsx_sheet(content)
        header = next(_xlsx_rows(sheet, max_row=1), None)
        count = sheet.max_row - 1 if sheet.max_row else None
    else:
        rows = _csv_rows(content)
        header = next(rows, None)
        count = sum(1 for cells in rows if not _is_blank(cells))
    if header is None:
        raise UnreadableFile("This file is empty. Use the template and add one row per practice.")
    _header_columns(header)
    if count == 0:
        raise UnreadableFile("This file has the column names but no practices. Add one row per practice.")
    if count is not None and count > settings.IMPORT_MAX_ROWS:
        raise UnreadableFile(
            f"This file has {count:,} rows; one import takes at most {settings.IMPORT_MAX_ROWS:,}. Split it."
        )
    return count


def read_table(content: bytes, fmt: str) -> Table:
    rows = _raw_rows(content, fmt)
    header = next(rows, None)
    if header is None:
        raise UnreadableFile("This file is empty. Use the template and add one row per practice.")
    columns = _header_columns(header)
    data = []
    for line, cells in enumerate(rows, start=2):
        if _is_blank(cells):
            continue
        data.append((line, cells))
        if len(data) > settings.IMPORT_MAX_ROWS:
            raise UnreadableFile(f"This file has more than {settings.IMPORT_MAX_ROWS:,} rows; split it.")
    if not data:
        raise UnreadableFile("This file has the column names but no practices. Add one row per practice.")
    return Table(columns=columns, rows=data)


# --- Checking ----------------------------------------------------------------------------


@dataclass
class CheckedRow:
    """One row as it would be created: the values to create it from, and what stops it."""

    line: int
    display: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ods_code: str = ""
    practice_name: str = ""
    dispensing: bool | None = None
    current_system: str = ""
    current_supplier: Organisation | None = None
    new_system: str = ""
    new_supplier: Organisation | None = None
    fdp_date: datetime.date | None = None
    go_live_date: datetime.date | None = None
    manager_name: str = ""
    manager_email: str = ""
    delivery_partner: Organisation | None = None  # for a new practice
    practice: Practice | None = None  # the registered practice, when the ODS code is known

    @property
    def new_practice(self) -> bool:
        return self.practice is None


def parse_date(value: Any) -> datetime.date:
    """A date from a spreadsheet cell; raises ValueError if it is not one of the accepted forms."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = " ".join(str(value).split())
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


class _Checker:
    """Checks every row against what is registered, with lookups made once for the whole file."""

    def __init__(self, table: Table, *, organisation: Organisation, today: datetime.date):
        self.table = table
        self.organisation = organisation
        self.today = today
        self.suppliers = {
            supplier.name.casefold(): supplier
            for supplier in Organisation.objects.filter(kind=Organisation.Kind.SUPPLIER)
        }
        self.partners: dict[str, Organisation] = {}
        for partner in Organisation.objects.filter(kind=Organisation.Kind.DELIVERY_PARTNER):
            self.partners[partner.name.casefold()] = partner
            if partner.ods_code:
                self.partners[partner.ods_code.casefold()] = partner
        codes = sorted({self._cell(cells, "ods_code").upper() for _, cells in table.rows} - {""})
        self.practices: dict[str, Practice] = {}
        self.active_fdp: dict[str, datetime.date] = {}
        for start in range(0, len(codes), LOOKUP_CHUNK):
            chunk = codes[start : start + LOOKUP_CHUNK]
            self.practices.update(
                (p.ods_code, p) for p in Practice.objects.filter(ods_code__in=chunk).select_related("delivery_partner")
            )
            self.active_fdp.update(
                Migration.objects.active()
                .filter(practice__ods_code__in=chunk)
                .values_list("practice__ods_code", "fdp_date")
            )
        self.seen: dict[str, int] = {}

    def _cell(self, cells: list[Any], key: str) -> Any:
        position = self.table.columns.get(key)
        if position is None or position >= len(cells):
            return None
        value = cells[position]
        # Excel hands over real dates; everywhere else a date cell is read as the text it shows.
        if isinstance(value, datetime.date) and key in DATE_KEYS:
            return value
        if isinstance(value, datetime.datetime):
            return show_date(value.date())
        if isinstance(value, datetime.date):
            return show_date(value)
        return _text(value)

    def check(self, line: int, cells: list[Any]) -> CheckedRow:
        row = CheckedRow(line=line)
        for column in WAVE_COLUMNS:
            value = self._cell(cells, column.key)
            row.display[column.key] = show_date(value) if isinstance(value, datetime.date) else (value or "")
            if column.required and value in (None, ""):
                row.errors.append(f"{column.header} is missing.")
            elif isinstance(value, str) and len(value) > column.max_length:
                row.errors.append(f"{column.header} is longer than {column.max_length} characters.")
        for key in ("practice_name", "current_system", "new_system", "manager_name"):
            setattr(row, key, self._cell(cells, key) or "")
        self._check_practice(row, self._cell(cells, "ods_code") or "")
        self._check_dispensing(row, self._cell(cells, "dispensing"))
        for key in ("current_supplier", "new_supplier"):
            self._check_supplier(row, key, self._cell(cells, key))
        self._check_dates(row, self._cell(cells, "fdp_date"), self._cell(cells, "go_live_date"))
        self._check_partner(row, self._cell(cells, "delivery_partner"))
        self._check_manager(row, self._cell(cells, "manager_email") or "")
        return row

    def _check_practice(self, row: CheckedRow, raw: str) -> None:
        code = raw.upper()
        if not code:
            return
        row.display["ods_code"] = code
        try:
            ods_practice_code_validator(code)
        except ValidationError:
            row.errors.append(
                f"ODS code '{raw}' is not a practice code: one capital letter then five digits, for example A81001."
            )
            return
        row.ods_code = code
        if code in self.seen:
            row.errors.append(f"ODS code {code} is also on row {self.seen[code]}: keep one row per practice.")
        else:
            self.seen[code] = row.line
        practice = self.practices.get(code)
        is_icb = self.organisation.kind == Organisation.Kind.ICB
        if practice is None:
            if not is_icb:
                row.errors.append(
                    f"No practice with ODS code {code} is registered. A delivery partner can import only "
                    "practices it already covers; ask the ICB to add new ones."
                )
            return
        if is_icb and practice.icb_id != self.organisation.pk:
            row.errors.append(f"ODS code {code} is registered to a practice of another ICB. Check the code.")
            return
        if not is_icb and practice.delivery_partner_id != self.organisation.pk:
            row.errors.append(f"The practice with ODS code {code} is not one that {self.organisation} covers.")
            return
        row.practice = practice
        if code in self.active_fdp:
            row.errors.append(
                f"This practice already has an active migration (FDP {show_date(self.active_fdp[code])}). "
                "Leave this row out, or close that migration first."
            )
        if row.practice_name and row.practice_name.casefold() != practice.name.casefold():
            row.warnings.append(f"Registered as '{practice.name}': that name is kept.")

    def _check_dispensing(self, row: CheckedRow, raw: Any) -> None:
        if raw in (None, ""):
            return
        answer = raw.casefold()
        if answer in YES | NO:
            row.dispensing = answer in YES
            row.display["dispensing"] = "yes" if row.dispensing else "no"
            if row.practice and row.practice.dispensing != row.dispensing:
                registered = "a dispensing" if row.practice.dispensing else "a non-dispensing"
                row.warnings.append(f"Registered as {registered} practice: that is kept.")
        else:
            row.errors.append(f"Dispensing: write yes or no, not '{raw}'.")

    def _check_supplier(self, row: CheckedRow, key: str, raw: Any) -> None:
        if raw in (None, ""):
            return
        supplier = self.suppliers.get(raw.casefold())
        if supplier is None:
            known = ", ".join(sorted(s.name for s in self.suppliers.values())[:8]) or "none yet"
            row.errors.append(
                f"{COLUMN_BY_KEY[key].header} '{raw}' is not a clinical system supplier we know "
                f"(known: {known}). Correct the spelling, or ask an administrator to add it."
            )
            return
        setattr(row, key, supplier)
        row.display[key] = supplier.name

    def _check_partner(self, row: CheckedRow, raw: Any) -> None:
        if raw in (None, ""):
            return
        partner = self.partners.get(raw.casefold())
        if partner is None:
            known = ", ".join(sorted({p.name for p in self.partners.values()})[:8]) or "none yet"
            row.errors.append(
                f"Delivery partner '{raw}' is not an IT delivery partner we know (known: {known}). Correct the "
                "spelling, or ask an administrator to add it."
            )
            return
        row.display["delivery_partner"] = partner.name
        if row.practice is None:
            row.delivery_partner = partner
        elif row.practice.delivery_partner_id != partner.pk:
            # Who supports a registered practice is changed by an administrator, not by a wave file.
            registered = row.practice.delivery_partner.name if row.practice.delivery_partner else "no delivery partner"
            row.warnings.append(f"Registered with {registered}: that is kept.")

    def _date(self, row: CheckedRow, key: str, raw: Any) -> datetime.date | None:
        if raw in (None, ""):
            return None
        try:
            value = parse_date(raw)
        except ValueError:
            row.errors.append(f"{COLUMN_BY_KEY[key].header}: we cannot read '{raw}'. Write it like {DATE_EXAMPLES}.")
            return None
        row.display[key] = show_date(value)
        return value

    def _check_dates(self, row: CheckedRow, raw_fdp: Any, raw_go_live: Any) -> None:
        row.fdp_date = fdp = self._date(row, "fdp_date", raw_fdp)
        row.go_live_date = go_live = self._date(row, "go_live_date", raw_go_live)
        if fdp and fdp < self.today:
            row.errors.append(f"FDP {show_date(fdp)} is in the past: a new migration cannot start before today.")
        if fdp and go_live and go_live <= fdp:
            row.errors.append("Go-live must be after the FDP date.")
        if not fdp or row.errors:
            return
        weeks = settings.PLANNING_MEETING_DAYS_BEFORE_FDP // 7
        if (fdp - self.today).days < settings.PLANNING_MEETING_DAYS_BEFORE_FDP:
            row.warnings.append(
                f"FDP is in {(fdp - self.today).days} days, less than {weeks} weeks away: the planning meeting "
                f"can no longer be held {weeks} weeks before it."
            )
        if go_live and (go_live - fdp).days > settings.MAX_CUTOVER_DAYS:
            row.warnings.append(
                f"The cutover lasts {(go_live - fdp).days} days, longer than the usual {settings.MAX_CUTOVER_DAYS}: "
                "everything done in it must be re-entered by hand."
            )

    def _check_manager(self, row: CheckedRow, email: str) -> None:
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row.errors.append(f"Practice manager email '{email}' is not an email address.")
                return
            row.manager_email = email.lower()
        elif row.manager_name:
            row.warnings.append("No email for the practice manager, so nobody can be invited.")


def check_rows(table: Table, *, organisation: Organisation, today: datetime.date) -> Iterator[CheckedRow]:
    """Each row of the table as it would be created, with its errors and warnings, in file order."""
    checker = _Checker(table, organisation=organisation, today=today)
    for line, cells in table.rows:
        yield checker.check(line, cells)


def template_rows() -> Iterable[list[str]]:
    """The downloadable template: just the header row, so no example can be imported by mistake."""
    yield [column.header for column in WAVE_COLUMNS]
