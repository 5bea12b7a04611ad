"""A wave checked and created by a real Celery worker through the real Redis."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cutover.celery import app
from cutover.models import Migration
from dashboard import jobs  # noqa: F401 (registers the jobs with the worker)
from dashboard.models import ImportBatch

from .factories import wave_csv, wave_row

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def wait_for(batch: ImportBatch, status: str, timeout: float = 60) -> ImportBatch:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status == status:
            return batch
        time.sleep(0.2)
    raise AssertionError(f"batch stayed {batch.status!r}, expected {status!r}")


def test_a_worker_checks_and_creates_a_large_wave(client, redis_url, icb_user, icb, suppliers, settings):
    assert app.conf.broker_url.startswith("redis://"), "CI must point REDIS_URL at the real Redis"
    settings.IMPORT_BACKGROUND_ROWS = 3
    client.force_login(icb_user)
    app.control.purge()  # leftovers of other runs in this Redis database
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        client.post(
            reverse("import-list"),
            {
                "file": SimpleUploadedFile("wave.csv", wave_csv([wave_row(n) for n in range(1, 6)])),
                "organisation": icb.pk,
            },
        )
        batch = wait_for(ImportBatch.objects.get(), "ready")
        assert (batch.rows_checked, batch.error_count) == (5, 0)
        client.post(reverse("import-confirm", args=[batch.pk]))
        batch = wait_for(batch, "imported")
    assert batch.migrations_created == 5
    assert Migration.objects.filter(practice__icb=icb).count() == 5
