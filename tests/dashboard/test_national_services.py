"""The dashboard counts the national services each migration starts with: told, and among the linked
systems switched off; the practice's own empty list still turns the migration amber."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cutover.models import Migration
from dashboard import columns, rag
from dashboard.annotations import annotate_dashboard
from dashboard.models import ImportBatch
from practices.models import NationalService
from systems.national import national_rows, national_services_add
from systems.third_party import third_party_mark_not_applicable, third_party_step_record

from .factories import TODAY, migration_at, wave_csv, wave_row

pytestmark = pytest.mark.django_db


def annotated(migration):
    return annotate_dashboard(Migration.objects.filter(pk=migration.pk), TODAY).get()


@pytest.fixture
def with_services(icb, suppliers, manager):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=10, meeting_days_ago=5)
    national_services_add(migrations=[migration], by=manager)
    return migration


def test_the_dashboard_counts_national_services_told_of_those_that_apply(with_services, manager):
    total = NationalService.objects.filter(active=True).count()
    rows = national_rows(with_services, today=TODAY)
    third_party_step_record(migration=with_services, system=rows[0].system, step="notified", by=manager)
    third_party_mark_not_applicable(migration=with_services, system=rows[1].system, reason="Not used", by=manager)
    row = annotated(with_services)
    assert (row.national_told, row.national_total) == (1, total - 1)
    assert columns.COLUMN_BY_KEY["national"].text(columns.Row(migration=row, today=TODAY)) == f"1 of {total - 1}"
    # Their links go off and back on like any linked system's, so they count there too.
    assert row.systems_total == total - 1


def test_national_services_alone_do_not_hide_an_empty_list_of_the_practices_own(with_services):
    result = columns.Row(migration=annotated(with_services), today=TODAY)
    assert result.rag == rag.AMBER
    assert "No linked systems recorded." in result.reasons
    assert "none of the practice's own recorded" in columns.COLUMN_BY_KEY["switched-off"].text(result)


def test_the_dashboard_shows_and_exports_the_column(client, icb_user, with_services):
    client.force_login(icb_user)
    page = client.get(reverse("dashboard")).content.decode()
    assert "National services told" in page
    assert "National services told" in columns.export_header()


def test_a_wave_import_gives_every_migration_the_catalogue(client, icb_user, icb, suppliers):
    client.force_login(icb_user)
    content = wave_csv([wave_row(1), wave_row(2)])
    client.post(reverse("import-list"), {"file": SimpleUploadedFile("wave.csv", content), "organisation": icb.pk})
    batch = ImportBatch.objects.get()
    assert client.post(reverse("import-confirm", args=[batch.pk])).status_code == 302
    created = Migration.objects.filter(practice__ods_code__startswith="W")
    total = NationalService.objects.filter(active=True).count()
    assert created.count() == 2
    for migration in created:
        rows = national_rows(migration, today=TODAY)
        assert len(rows) == total
        assert all(row.state.history.get().history_user == icb_user for row in rows)
