"""The limits a wave file is read within, in memory and time, whatever it holds.

An .xlsx file is a zip of XML: a few hundred KB can unpack to gigabytes (a "zip bomb"), and openpyxl
builds every text in memory and, for a sheet that does not record its size, reads the whole sheet just
to open it. So before openpyxl sees a file, the archive's directory is checked (sizes and packing
ratio, read without unpacking anything), then every part is streamed once through expat, counting,
with nothing kept, and refused as soon as a row, cell or text is past the limits.
"""

import io
import re
import zipfile
import zlib
from xml.parsers import expat

from django.conf import settings

from . import UnreadableFile
from .layout import WAVE_COLUMNS

ARCHIVE_MAX_MEMBERS = 1000  # an Excel workbook has a few dozen parts
RATIO_CHECKED_FROM_BYTES = 1024 * 1024  # small parts of real workbooks can pack unusually well
OTHER_PART_MAX_ELEMENTS = 100_000  # styles, themes, properties: a few thousand elements in practice
# openpyxl keeps every shared string in memory. A wave has a few different texts per row (code,
# name, email...); ten per line on average leaves room for notes columns and bounds the list.
SHARED_STRINGS_PER_LINE = 10
SCAN_CHUNK_BYTES = 64 * 1024


def max_lines() -> int:
    """The most lines a file may have, counting the header and blank lines: blank lines are
    allowed, up to as many as the rows an import may take."""
    return 2 * settings.IMPORT_MAX_ROWS + 1


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def too_long(where: str, length: int) -> UnreadableFile:
    return UnreadableFile(
        f"{where} holds a text of {length:,} characters or more; a cell may hold at most "
        f"{settings.IMPORT_MAX_CELL_CHARS:,}. Shorten it, or delete that column."
    )


def open_archive(content: bytes) -> zipfile.ZipFile:
    """The .xlsx file's zip archive, refused if it would unpack past the limits. Unpacks nothing.

    zipfile never unpacks more than a member's recorded size (a member that holds more fails its
    checksum), so checking the recorded sizes bounds what openpyxl can ever read.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise UnreadableFile("This is not an Excel .xlsx file we can read. Save it again as .xlsx or CSV.") from exc
    if len(members) > ARCHIVE_MAX_MEMBERS:
        raise UnreadableFile(
            f"This Excel file has {len(members):,} parts, far more than a spreadsheet has. "
            "Save it again from Excel, or as CSV."
        )
    total = sum(member.file_size for member in members)
    if total > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise UnreadableFile(
            f"This Excel file unpacks to {_megabytes(total)}; the most we read is "
            f"{_megabytes(settings.IMPORT_MAX_UNCOMPRESSED_BYTES)}. Save it again as CSV, or split the wave."
        )
    for member in members:
        if (
            member.file_size > RATIO_CHECKED_FROM_BYTES
            and member.file_size > settings.IMPORT_MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        ):
            raise UnreadableFile(
                "This Excel file is packed far more tightly than a spreadsheet can be (it looks like a "
                "'zip bomb'), so it was not opened. Save it again from Excel, or as CSV."
            )
    return archive


class _PartScanner:
    """Streams one XML part of the archive through expat and refuses it once it is past a limit.

    Nothing is kept: only counts. Sheets ("worksheet") are held to the row, cell and text limits,
    shared strings ("sst") to SHARED_STRINGS_PER_LINE per line, anything else to a fixed number
    of elements. A DOCTYPE is refused, as defusedxml does for openpyxl.
    """

    def __init__(self, name: str):
        self.name = name
        self.kind = ""
        self.elements = 0
        self.max_elements = OTHER_PART_MAX_ELEMENTS
        self.rows = 0
        self.row_number = 0
        self.cells_in_row = 0
        self.strings = 0
        self.text = 0  # characters in the current element, or in the current cell or shared string
        self.in_cell = False

    def where(self) -> str:
        if self.kind == "worksheet" and self.row_number:
            return f"Row {self.row_number:,} of the sheet"
        if self.kind == "sst":
            return "A text in this Excel file"
        return f"Part of this Excel file ({self.name})"

    def start(self, tag: str, attrs: dict) -> None:
        name = tag.rsplit(" ", 1)[-1]
        self.elements += 1
        if not self.kind:
            self.kind = name
            if name in {"worksheet", "sst"}:
                cells = max_lines() * settings.IMPORT_MAX_COLUMNS
                self.max_elements = 4 * cells + max_lines() + OTHER_PART_MAX_ELEMENTS
        if self.elements > self.max_elements:
            raise UnreadableFile(f"Part of this Excel file ({self.name}) is far larger than a wave can be. Split it.")
        if not self.in_cell:
            self.text = 0
        if self.kind == "worksheet":
            self._start_in_sheet(name, attrs)
        elif self.kind == "sst" and name == "si":
            self.strings += 1
            if self.strings > max_lines() * SHARED_STRINGS_PER_LINE:
                raise UnreadableFile("This Excel file holds more texts than a wave can have. Split it.")
            self.in_cell, self.text = True, 0

    def _start_in_sheet(self, name: str, attrs: dict) -> None:
        if name == "row":
            self.rows += 1
            number = attrs.get("r", "")
            self.row_number = int(number) if number.isdigit() else self.row_number + 1
            self.cells_in_row = 0
            if self.rows > max_lines() or self.row_number > max_lines():
                raise UnreadableFile(
                    f"This sheet goes on past row {max_lines():,}; one import takes at most "
                    f"{settings.IMPORT_MAX_ROWS:,} practices. Split it, and delete empty rows at the end."
                )
        elif name == "c":
            self.cells_in_row += 1
            if self.cells_in_row > settings.IMPORT_MAX_COLUMNS:
                raise UnreadableFile(
                    f"Row {self.row_number:,} of the sheet has more than {settings.IMPORT_MAX_COLUMNS} cells; "
                    f"the template has {len(WAVE_COLUMNS)} columns. Delete the columns you do not need."
                )
            self.in_cell, self.text = True, 0

    def end(self, tag: str) -> None:
        name = tag.rsplit(" ", 1)[-1]
        if (self.kind == "worksheet" and name == "c") or (self.kind == "sst" and name == "si"):
            self.in_cell = False
        if not self.in_cell:
            self.text = 0

    def characters(self, data: str) -> None:
        self.text += len(data)
        if self.text > settings.IMPORT_MAX_CELL_CHARS:
            raise too_long(self.where(), self.text)

    def scan(self, source) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        try:
            while chunk := source.read(SCAN_CHUNK_BYTES):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            # Not XML (a picture, say) or damaged: openpyxl fails in the same place if it needs this part,
            # and everything up to here has been held to the limits.
            return

    def _refuse_doctype(self, *args) -> None:
        raise UnreadableFile("This Excel file holds a document type declaration, which a spreadsheet never has.")


def scan_parts(archive: zipfile.ZipFile) -> None:
    for member in archive.infolist():
        try:
            with archive.open(member) as source:
                _PartScanner(member.filename).scan(source)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as exc:
            # A checksum that fails (a member holding more than its recorded size), an unknown
            # compression method or an encrypted member.
            raise UnreadableFile("Part of this Excel file is damaged. Save it again as .xlsx or CSV.") from exc


def sheet_size_recorded(archive: zipfile.ZipFile) -> int | None:
    """The data rows the first sheet says it has, from the <dimension> near its start; None if it
    does not say. Only an estimate, for the progress bar: reads no more than the first 16 KB."""
    sheets = sorted(name for name in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name))
    if not sheets:
        return None
    try:
        with archive.open(sheets[0]) as source:
            start = source.read(16 * 1024).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError):
        return None
    found = re.search(r"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+:[A-Z]+(\d+)\"", start)
    return int(found.group(1)) - 1 if found else None


def content_size(content: bytes, fmt: str) -> int:
    """How much there is to read: the bytes of a CSV file, what an .xlsx file unpacks to."""
    if fmt == "xlsx":
        with open_archive(content) as archive:
            return sum(member.file_size for member in archive.infolist())
    return len(content)
