"""The layout of a wave file: its columns and how their headers may be written, the dates it may hold, the template."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import UnreadableFile

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %b %Y", "%d %B %Y")
DATE_EXAMPLES = "2027-03-01, 01/03/2027 or 1 Mar 2027"


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


def header_columns(header: list[Any]) -> dict[str, int]:
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


def template_rows() -> Iterable[list[str]]:
    """The downloadable template: just the header row, so no example can be imported by mistake."""
    yield [column.header for column in WAVE_COLUMNS]
