"""Checking a wave file's rows: what each would create, and what is wrong with it.

Nothing here writes to the database. `check_rows()` looks up what is registered (practices,
suppliers, delivery partners, active migrations) once for the whole file, so a file of any length
costs a fixed handful of queries.
"""

import datetime
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from cutover.models import Migration
from cutover.text import CONTROL_CHARACTERS, control_characters
from cutover.timeline import non_working_day_reason, planning_meeting_due, validate_plannable_date
from dashboard.wording import show_date
from practices.models import Organisation, Practice, ods_practice_code_validator

from .layout import COLUMN_BY_KEY, DATE_EXAMPLES, DATE_FORMATS, WAVE_COLUMNS
from .reading import Table

DATE_KEYS = {"fdp_date", "go_live_date"}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
LOOKUP_CHUNK = 500  # keeps IN (...) lists well inside every database's parameter limit


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
    """A cell as the one line of NFC text it is stored as; a control character shows as U+FFFD
    (the row is refused for it, see _Checker.check), so none reaches the database or an error message."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = CONTROL_CHARACTERS.sub("\ufffd", str(value))
    return unicodedata.normalize("NFC", " ".join(text.split()))


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

    def _raw(self, cells: list[Any], key: str) -> Any:
        position = self.table.columns.get(key)
        return None if position is None or position >= len(cells) else cells[position]

    def _cell(self, cells: list[Any], key: str) -> Any:
        value = self._raw(cells, key)  # None for a row shorter than the header: read as an empty cell
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
            raw = self._raw(cells, column.key)
            if isinstance(raw, str) and (found := control_characters(raw)):
                row.errors.append(
                    f"{column.header} holds a control character ({', '.join(found[:3])}), shown as \ufffd. "
                    "Retype that cell, or paste it as plain text."
                )
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
        try:
            validate_plannable_date(value)
        except ValidationError as exc:
            row.errors.append(
                f"{COLUMN_BY_KEY[key].header}: {show_date(value)} is not a plannable date. {exc.messages[0]}"
            )
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
        if planning_meeting_due(fdp) < self.today:
            row.warnings.append(
                f"FDP is in {(fdp - self.today).days} days: the planning meeting deadline "
                f"({show_date(planning_meeting_due(fdp))}) has passed, so it can no longer be held {weeks} weeks "
                "before FDP."
            )
        for label, day in (("FDP", fdp), ("Go-live", go_live)):
            reason = non_working_day_reason(day) if day else ""
            if reason:
                row.warnings.append(f"{label}: {reason}. Check suppliers and staff will be at work.")
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
