"""Random wave files, as careless people and attackers make them: any encoding, control
characters, huge cells, odd dates. Whatever the file, the page answers (never a 500), a batch ends
checked or refused (never stuck "Being checked"), nothing with a control character is stored, and
confirming creates the whole wave or none of it.
"""

import codecs
import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cutover.models import Migration
from cutover.text import CONTROL_CHARACTERS
from dashboard import jobs
from dashboard.models import ImportBatch
from dashboard.wave_file.layout import DATE_FORMATS

from .factories import HEADERS, days, wave_csv, wave_row, wave_xlsx

pytestmark = pytest.mark.django_db

IMPORTS = reverse("import-list")
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252"]

# Dates from the frozen clock up to a century either way, and any date of the calendar at all
# (year 1 to 9999), so a date sum near either end would fail here rather than in a worker.
DATES = st.one_of(
    st.integers(min_value=-36_500, max_value=36_500).map(days),
    st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)),
)
DATE_CELLS = st.one_of(
    st.tuples(DATES, st.sampled_from(DATE_FORMATS)).map(lambda pair: pair[0].strftime(pair[1])),
    DATES,  # a real date: Excel keeps it as one; a CSV writes it as text
    st.text(max_size=12),
)
TEXT_CELLS = st.one_of(
    st.text(max_size=40),  # any code point but surrogates, control characters included
    st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=20),
    st.sampled_from(["", "yes", "no", "EMIS Health", "TPP", "Cafe\u0301", "=1+1", "A81001"]),
    st.integers(min_value=1990, max_value=2600).map(lambda n: "\u00e9" * n),  # around IMPORT_MAX_CELL_CHARS
)


@st.composite
def wave_rows(draw) -> list[dict]:
    rows = []
    for n in range(1, draw(st.integers(min_value=1, max_value=3)) + 1):
        row = wave_row(n, **{"FDP date": days(60), "Go-live date": days(67)})
        for header in draw(st.sets(st.sampled_from(HEADERS), max_size=4)):
            row[header] = draw(DATE_CELLS if header in ("FDP date", "Go-live date") else TEXT_CELLS)
        rows.append(row)
    return rows


def as_csv(rows: list[dict], encoding: str) -> bytes:
    text_rows = [
        {key: value.isoformat() if isinstance(value, datetime.date) else value for key, value in row.items()}
        for row in rows
    ]
    return wave_csv(text_rows).decode().encode(encoding, errors="replace")


def as_xlsx(rows: list[dict]) -> bytes:
    # An .xlsx cannot hold most control characters at all (XML forbids them), so take them out.
    return wave_xlsx(
        [{key: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for key, v in row.items()} for row in rows]
    )


FILES = st.one_of(
    st.tuples(wave_rows(), st.sampled_from(ENCODINGS)).map(lambda pair: ("wave.csv", as_csv(*pair))),
    wave_rows().map(lambda rows: ("wave.xlsx", as_xlsx(rows))),
    # Bytes around the encodings' edges: byte order marks, NULs, half characters.
    st.tuples(
        st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE]),
        st.binary(max_size=200),
    ).map(lambda pair: ("wave.csv", pair[0] + wave_csv([wave_row(1)]) + pair[1])),
)


class _Rollback(Exception):
    """Ends one example's transaction, so every example starts from the same database."""


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(upload=FILES)
def test_any_wave_file_is_checked_or_refused_and_confirming_creates_all_or_nothing(
    client, icb_user, icb, suppliers, monkeypatch, upload
):
    # Files too large for the request go to the job: run it where the request would have queued it.
    monkeypatch.setattr(jobs.check_import_batch, "delay_on_commit", jobs.check_import_batch)
    monkeypatch.setattr(jobs.create_import_batch, "delay_on_commit", jobs.create_import_batch)
    client.force_login(icb_user)
    try:
        with transaction.atomic():
            _upload_and_confirm(client, icb, *upload)
            raise _Rollback
    except _Rollback:
        pass


def _upload_and_confirm(client, icb, name: str, content: bytes) -> None:
    migrations_before = Migration.objects.count()
    response = client.post(IMPORTS, {"file": SimpleUploadedFile(name, content), "organisation": icb.pk})
    if response.status_code == 200:
        assert response.context["form"].errors["file"]
        assert not ImportBatch.objects.exists()
        return
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status in (ImportBatch.Status.READY, ImportBatch.Status.UNREADABLE), batch.problem
    assert client.get(batch.get_absolute_url()).status_code == 200
    for row in batch.rows.all():
        stored = " ".join([*map(str, row.values.values()), *row.errors, *row.warnings])
        assert not CONTROL_CHARACTERS.search(stored)
        assert "\x00" not in stored
    if not batch.can_confirm:
        assert Migration.objects.count() == migrations_before
        return
    assert client.post(reverse("import-confirm", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    created = Migration.objects.count() - migrations_before
    if batch.status == ImportBatch.Status.IMPORTED:
        assert created == batch.migrations_created == batch.rows_total
    else:
        assert created == 0
    assert not re.search(r"Something went wrong", batch.problem)
