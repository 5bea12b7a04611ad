"""Hostile wave files, built in the test: zip bombs, floods of rows and cells.

Each starts from the template workbook (wave_xlsx with the header row) and replaces a part. Parts
are written in 1 MB chunks, so building a 300 MB bomb never holds 300 MB in memory.
"""

import io
import zipfile
from collections.abc import Iterable, Iterator

from .factories import wave_xlsx

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
SHARED_STRINGS = "xl/sharedStrings.xml"
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = b"</sheetData></worksheet>"
TYPES = "[Content_Types].xml"
RELS = "xl/_rels/workbook.xml.rels"
SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
SHARED_STRINGS_REL = (
    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)


def xlsx_replacing(parts: dict[str, Iterable[bytes]]) -> bytes:
    """The template workbook with the named parts replaced by the given chunks."""
    base = zipfile.ZipFile(io.BytesIO(wave_xlsx([])))
    registered = {name: base.read(name) for name in base.namelist() if name not in parts}
    if SHARED_STRINGS in parts and SHARED_STRINGS not in base.namelist():
        # openpyxl wrote its strings inline, so the shared strings part must be registered as well.
        registered[TYPES] = registered[TYPES].replace(b"</Types>", SHARED_STRINGS_TYPE + b"</Types>")
        registered[RELS] = registered[RELS].replace(b"</Relationships>", SHARED_STRINGS_REL + b"</Relationships>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in registered.items():
            archive.writestr(name, data)
        for name, chunks in parts.items():
            with archive.open(name, "w") as member:
                for chunk in chunks:
                    member.write(chunk)
    return out.getvalue()


def _repeat(block: bytes, size: int) -> Iterator[bytes]:
    for _ in range(size // len(block)):
        yield block


def inline_string_bomb(size: int = 300 * MB) -> bytes:
    """A sheet whose one inline-string cell holds `size` characters (issue 19: 308 KB -> 3.6 GB)."""

    def chunks():
        yield SHEET_START + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
        yield from _repeat(b"A" * MB, size)
        yield b"</t></is></c></row>" + SHEET_END

    return xlsx_replacing({SHEET: chunks()})


def shared_string_bomb(size: int = 300 * MB) -> bytes:
    """A sheet whose one cell points at a shared string of `size` characters."""

    def strings():
        yield (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
        )
        yield from _repeat(b"B" * MB, size)
        yield b"</t></si></sst>"

    sheet = SHEET_START + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + SHEET_END
    return xlsx_replacing({SHEET: [sheet], SHARED_STRINGS: strings()})


def row_flood(rows: int = 1_000_000) -> bytes:
    """A sheet without a <dimension> and a million empty rows: small enough to pass the size
    checks, and openpyxl reads every row of it just to open the workbook."""

    def chunks():
        yield SHEET_START
        for start in range(1, rows + 1, 10_000):
            yield b"".join(b'<row r="%d"/>' % n for n in range(start, min(start + 10_000, rows + 1)))
        yield SHEET_END

    return xlsx_replacing({SHEET: chunks()})


def cell_flood(cells: int = 400_000) -> bytes:
    """One row of `cells` numbered cells: openpyxl holds a whole row at once."""

    def chunks():
        yield SHEET_START + b'<row r="1">'
        for start in range(0, cells, 10_000):
            yield b"".join(b"<c><v>%d</v></c>" % n for n in range(start, min(start + 10_000, cells)))
        yield b"</row>" + SHEET_END

    return xlsx_replacing({SHEET: chunks()})


def string_flood(strings: int = 800_000) -> bytes:
    """Shared strings, each short and different: openpyxl keeps every one of them in a list."""

    def chunks():
        yield (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        )
        for start in range(0, strings, 10_000):
            yield b"".join(b"<si><t>%d</t></si>" % n for n in range(start, min(start + 10_000, strings)))
        yield b"</sst>"

    sheet = SHEET_START + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + SHEET_END
    return xlsx_replacing({SHEET: [sheet], SHARED_STRINGS: chunks()})
