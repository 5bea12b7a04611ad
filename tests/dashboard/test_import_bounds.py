"""A wave file cannot take the service down: whatever it holds, it is read in bounded memory and
time, the person uploading it is told what is wrong, and nothing is half-stored.

The bombs of issue 19 at full size (300 MB) are read in a separate process by test_import_memory.py;
here smaller ones, under lowered limits, show the same refusals through the page and the job.
"""

import codecs
from pathlib import Path

import pytest
import yaml
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cutover.models import Migration
from dashboard import jobs, services
from dashboard.models import ImportBatch, ImportRow
from dashboard.wave_file import UnreadableFile, reading
from dashboard.wave_file.checking import check_rows
from dashboard.wave_file.reading import read_table

from . import hostile
from .factories import HEADERS, TODAY, wave_csv, wave_row, wave_xlsx

pytestmark = pytest.mark.django_db

IMPORTS = reverse("import-list")


def upload(client, content: bytes, organisation, name: str = "wave.xlsx"):
    return client.post(IMPORTS, {"file": SimpleUploadedFile(name, content), "organisation": organisation.pk})


def stored_batch(icb, icb_user, content: bytes, fmt: str = "xlsx") -> ImportBatch:
    """A batch stored as it was uploaded, before anything read it (as one stored before these limits)."""
    return ImportBatch.objects.create(
        organisation=icb,
        uploaded_by=icb_user,
        file_name=f"wave.{fmt}",
        file_format=fmt,
        content=content,
        content_sha256="0" * 64,
        rows_total=1,
    )


# --- Excel files that unpack to far more than they weigh ---------------------------------------------


@pytest.mark.parametrize("bomb", [hostile.inline_string_bomb, hostile.shared_string_bomb])
def test_an_excel_file_that_unpacks_past_the_limit_is_refused_at_upload_and_nothing_is_stored(
    client, icb_user, icb, settings, bomb
):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2 * hostile.MB
    client.force_login(icb_user)
    response = upload(client, bomb(3 * hostile.MB), icb)
    assert response.status_code == 200
    (error,) = response.context["form"].errors["file"]
    assert error.startswith("This Excel file unpacks to 3.0 MB; the most we read is 2.0 MB.")
    assert not ImportBatch.objects.exists()


def test_a_tightly_packed_excel_file_is_refused_unopened(icb_user, icb, settings):
    # 3 MB of one letter packs into a few KB: no spreadsheet is 100 times smaller packed.
    content = hostile.inline_string_bomb(3 * hostile.MB)
    assert len(content) < 30_000
    with pytest.raises(UnreadableFile, match="packed far more tightly than a spreadsheet can be"):
        read_table(content, "xlsx")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda: hostile.inline_string_bomb(3 * hostile.MB), "unpacks to 3.0 MB"),
        (lambda: hostile.row_flood(50_000), "This sheet goes on past row 21"),
        (lambda: hostile.cell_flood(5_000), "Row 1 of the sheet has more than 50 cells"),
        (lambda: hostile.string_flood(250), "holds more texts than a wave can have"),
    ],
    ids=["bomb", "rows", "cells", "strings"],
)
def test_a_stored_hostile_file_fails_its_batch_with_a_clear_message_and_creates_nothing(
    icb, icb_user, settings, content, message
):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2 * hostile.MB
    settings.IMPORT_MAX_ROWS = 10
    batch = stored_batch(icb, icb_user, content())
    services.import_batch_check(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNREADABLE
    assert message in batch.problem
    assert not ImportRow.objects.exists()
    assert not Migration.objects.exists()


def test_a_sheet_without_its_size_is_never_read_through_just_to_count_it(client, icb_user, icb, settings, monkeypatch):
    """Issue 19: openpyxl's max_row read a 490 MB sheet without a <dimension> in the request."""
    content = hostile.row_flood(1_000_000)  # 13 MB unpacked, 2 MB packed: inside every size limit
    read_in_request = []
    monkeypatch.setattr(reading, "read_table", lambda *args: read_in_request.append(args))
    monkeypatch.setattr(jobs.check_import_batch, "delay_on_commit", lambda *args: None)
    client.force_login(icb_user)
    response = upload(client, content, icb)
    assert response.status_code == 302
    assert read_in_request == []
    assert ImportBatch.objects.get().status == ImportBatch.Status.QUEUED
    monkeypatch.undo()
    with pytest.raises(UnreadableFile, match="This sheet goes on past row 20,001"):
        read_table(content, "xlsx")


def test_a_damaged_member_of_the_archive_is_refused_as_damaged():
    content = bytearray(wave_xlsx([wave_row(1)]))
    # Corrupt the packed bytes of the sheet, leaving the archive's directory intact.
    start = content.index(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml") + 10
    content[start : start + 40] = b"\xff" * 40
    with pytest.raises(UnreadableFile, match=r"damaged|not an Excel"):
        read_table(bytes(content), "xlsx")


def test_an_excel_file_with_a_document_type_declaration_is_refused():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    with pytest.raises(UnreadableFile, match="document type declaration"):
        read_table(hostile.xlsx_replacing({hostile.SHEET: [laughs]}), "xlsx")


# --- Cells, rows and lines past the limits, in either format -------------------------------------------


def test_a_cell_longer_than_the_limit_is_refused_naming_its_row(settings):
    settings.IMPORT_MAX_CELL_CHARS = 300
    rows = [wave_row(1), wave_row(2, **{"Notes": "x" * 301})]
    with pytest.raises(
        UnreadableFile, match="Row 3 holds a text of 301 characters or more; a cell may hold at most 300"
    ):
        read_table(wave_csv(rows, [*HEADERS, "Notes"]), "csv")
    with pytest.raises(UnreadableFile, match="Row 3 of the sheet holds a text of 301 characters or more"):
        read_table(wave_xlsx(rows, [*HEADERS, "Notes"]), "xlsx")


def test_a_csv_cell_past_the_csv_readers_own_limit_is_explained_not_called_damaged():
    content = wave_csv([wave_row(1, **{"Notes": "x" * 200_000})], [*HEADERS, "Notes"])
    with pytest.raises(UnreadableFile, match="a cell may hold at most 2,000"):
        read_table(content, "csv")


def test_a_row_with_more_cells_than_the_limit_is_refused(settings):
    settings.IMPORT_MAX_COLUMNS = 20
    headers = [*HEADERS, *(f"Extra {n}" for n in range(21 - len(HEADERS)))]
    with pytest.raises(UnreadableFile, match="Row 1 has 21 cells; the most we read is 20"):
        read_table(wave_csv([wave_row(1)], headers), "csv")
    with pytest.raises(UnreadableFile, match="Row 1 of the sheet has more than 20 cells"):
        read_table(wave_xlsx([wave_row(1)], headers), "xlsx")


def test_a_file_that_goes_on_in_blank_lines_is_refused(settings):
    settings.IMPORT_MAX_ROWS = 3
    content = wave_csv([wave_row(1)]) + b",,,\n" * 10
    with pytest.raises(UnreadableFile, match="goes on past line 7"):
        read_table(content, "csv")


def test_files_inside_the_limits_are_read_as_before(icb, suppliers):
    rows = [wave_row(n) for n in range(1, 4)]
    for content, fmt in [(wave_csv(rows), "csv"), (wave_xlsx(rows), "xlsx")]:
        checked = list(check_rows(read_table(content, fmt), organisation=icb, today=TODAY))
        assert [row.errors for row in checked] == [[], [], []]


# --- Who reads what: the request or the worker ----------------------------------------------------------


def test_a_file_of_few_rows_but_many_bytes_is_checked_by_the_job_not_in_the_request(
    client, icb_user, icb, suppliers, settings, monkeypatch
):
    settings.IMPORT_BACKGROUND_BYTES = 1000
    queued = []
    monkeypatch.setattr(jobs.check_import_batch, "delay_on_commit", lambda *args: queued.append(args))
    client.force_login(icb_user)
    content = wave_csv([wave_row(1, **{"Notes": "n" * 1500}), wave_row(2)], [*HEADERS, "Notes"])
    assert upload(client, content, icb, name="wave.csv").status_code == 302
    batch = ImportBatch.objects.get()
    assert queued == [(batch.pk,)] and batch.status == ImportBatch.Status.QUEUED
    jobs.check_import_batch(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_total) == (ImportBatch.Status.READY, 2)


def test_a_check_that_runs_out_of_time_fails_the_batch_with_a_message(icb, icb_user, monkeypatch):
    batch = stored_batch(icb, icb_user, wave_csv([wave_row(1)]), "csv")

    def slow(*args):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(reading, "read_table", slow)
    services.import_batch_check(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNREADABLE
    assert batch.problem.startswith("Checking this file took longer than 4 minutes, so it was stopped.")


def test_the_import_jobs_have_time_limits():
    assert jobs.check_import_batch.time_limit == django_settings.IMPORT_CHECK_TIME_LIMIT
    assert jobs.check_import_batch.soft_time_limit < jobs.check_import_batch.time_limit
    assert jobs.create_import_batch.time_limit == django_settings.IMPORT_CREATE_TIME_LIMIT


def test_every_worker_command_line_limits_its_memory():
    root = Path(django_settings.BASE_DIR)
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    workers = [
        service["command"] for service in compose["services"].values() if " worker" in service.get("command", "")
    ]
    for command in workers:
        assert "--max-memory-per-child=" in command, command
    # make run starts its worker through demo/run_all.py
    assert "demo.run_all" in (root / "Makefile").read_text()
    run_all = (root / "demo" / "run_all.py").read_text()
    assert '"worker"' in run_all and "--max-memory-per-child=" in run_all


# --- Encodings and characters -------------------------------------------------------------------------


CAFE = [wave_row(1, **{"Practice name": "Café Surgery"})]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("cp1252", b""),
    ],
)
def test_a_csv_is_read_in_whichever_encoding_a_spreadsheet_saved_it(icb, suppliers, encoding, bom):
    content = bom + wave_csv(CAFE).decode().encode(encoding)
    (row,) = check_rows(read_table(content, "csv"), organisation=icb, today=TODAY)
    assert (row.practice_name, row.errors) == ("Café Surgery", [])


def test_a_utf16_csv_uploads_and_is_checked(client, icb_user, icb, suppliers):
    client.force_login(icb_user)
    content = codecs.BOM_UTF16_LE + wave_csv(CAFE).decode().encode("utf-16-le")
    assert upload(client, content, icb, name="wave.csv").status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.error_count) == (ImportBatch.Status.READY, 0)
    assert batch.rows.get().values["practice_name"] == "Café Surgery"


@pytest.mark.parametrize(
    "content",
    [
        wave_csv([wave_row(1, **{"Practice name": "Null\x00 Surgery"})]),
        b"\x00" + wave_csv(CAFE),
        codecs.BOM_UTF16_LE
        + wave_csv([wave_row(1, **{"Practice name": "Null\x00 Surgery"})]).decode().encode("utf-16-le"),
    ],
    ids=["utf-8", "leading", "utf-16"],
)
def test_a_csv_holding_a_nul_character_is_refused_beside_the_field(client, icb_user, icb, content):
    client.force_login(icb_user)
    response = upload(client, content, icb, name="wave.csv")
    assert response.status_code == 200
    assert "This file holds NUL characters" in response.context["form"].errors["file"][0]
    assert not ImportBatch.objects.exists()


def test_a_damaged_utf16_csv_is_refused_with_a_message():
    content = codecs.BOM_UTF16_LE + wave_csv(CAFE).decode().encode("utf-16-le")[:-1]
    with pytest.raises(UnreadableFile, match="looks like UTF-16 text but part of it is damaged"):
        read_table(content, "csv")


def test_a_cell_holding_a_control_character_is_a_row_error_and_never_stored(client, icb_user, icb, suppliers):
    client.force_login(icb_user)
    rows = [wave_row(1, **{"Practice name": "Bell\x07 Surgery"}), wave_row(2, **{"Current system": "EMIS\x1bWeb"})]
    assert upload(client, wave_csv(rows), icb, name="wave.csv").status_code == 302
    batch = ImportBatch.objects.get()
    first, second = batch.rows.all()
    assert first.errors == [
        "Practice name holds a control character (U+0007), shown as \ufffd. "
        "Retype that cell, or paste it as plain text."
    ]
    assert first.values["practice_name"] == "Bell\ufffd Surgery"
    assert second.errors[0].startswith("Current system holds a control character (U+001B)")
    assert batch.error_count == 2 and not batch.can_confirm


def test_text_from_a_file_is_stored_in_nfc(icb, suppliers):
    decomposed = "Cafe\u0301 Surgery"  # e + combining acute, as macOS writes it
    (row,) = check_rows(
        read_table(wave_csv([wave_row(1, **{"Practice name": decomposed})]), "csv"), organisation=icb, today=TODAY
    )
    assert row.practice_name == "Caf\u00e9 Surgery"
