"""A 5,000-row wave: the request only stores it; Celery jobs check and create it."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cutover.models import Migration
from dashboard import jobs
from dashboard.models import ImportBatch, ImportRow

from .factories import wave_row, wave_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    """No frozen clock here: time-machine slows every timestamp call about sixfold, which at 5,000
    rows hides the real timing. Nothing in this test sits near a date boundary."""
    yield datetime.date.today()


def test_a_5000_row_file_is_checked_and_created_by_the_jobs(client, icb_user, icb, suppliers, settings, monkeypatch):
    settings.IMPORT_BACKGROUND_ROWS = 200
    queued = []
    monkeypatch.setattr(jobs.check_import_batch, "delay_on_commit", lambda *args: queued.append(("check", *args)))
    monkeypatch.setattr(jobs.create_import_batch, "delay_on_commit", lambda *args: queued.append(("create", *args)))
    fdp = datetime.date.today() + datetime.timedelta(days=60)
    rows = [
        wave_row(n, **{"FDP date": fdp, "Go-live date": (fdp + datetime.timedelta(days=7)).strftime("%d/%m/%Y")})
        for n in range(1, 5001)
    ]
    client.force_login(icb_user)

    response = client.post(
        reverse("import-list"),
        {"file": SimpleUploadedFile("big-wave.xlsx", wave_xlsx(rows)), "organisation": icb.pk},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and queued == [("check", batch.pk)]
    # The request only stored the file: nothing was checked in it.
    assert (batch.status, batch.rows_total, batch.rows_checked) == ("queued", 5000, 0)
    assert not ImportRow.objects.filter(batch=batch).exists()

    jobs.check_import_batch(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_total, batch.rows_checked, batch.error_count) == ("ready", 5000, 5000, 0)
    assert ImportRow.objects.filter(batch=batch).count() == 5000

    client.post(reverse("import-confirm", args=[batch.pk]))
    assert queued[-1] == ("create", batch.pk)
    assert not Migration.objects.filter(practice__ods_code__startswith="W").exists(), "confirming only queues the job"
    jobs.create_import_batch(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.migrations_created) == ("imported", 5000)
    assert Migration.objects.filter(practice__icb=icb, practice__ods_code__startswith="W").count() == 5000
