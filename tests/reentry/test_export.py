"""The practice's log as CSV: everything, voided entries included, and safe to open in a spreadsheet."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from reentry import services
from reentry.export import HEADER, safe_cell
from reentry.models import AccessEvent, Kind

from ..factories import at
from .conftest import FDP
from .factories import EntryFactory, RegistrationEntryFactory

pytestmark = pytest.mark.django_db


def download(client, migration) -> tuple[object, list[dict]]:
    response = client.get(reverse("reentry-export", args=[migration.pk]))
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return response, list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_export_holds_every_entry_with_its_state(client, staff, colleague, cutover, after_go_live):
    consultation = EntryFactory(
        migration=cutover, recorded_by=staff, nhs_number="9434765919", occurred_at=at(FDP, 9, 5)
    )
    services.entry_mark_re_entered(entry=consultation, by=staff)
    services.entry_mark_checked(entry=consultation, by=colleague)
    registration = RegistrationEntryFactory(
        migration=cutover, recorded_by=colleague, patient_name="Zoë Brontë", occurred_at=at(FDP, 10)
    )
    void = EntryFactory(migration=cutover, recorded_by=staff, occurred_at=at(FDP, 11))
    services.entry_void(entry=void, reason="Duplicate of entry 1", by=staff)
    client.force_login(staff)
    response, rows = download(client, cutover)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="re-entry-log-A81001-2026-12-02.csv"'
    assert list(rows[0]) == HEADER
    assert [row["Entry"] for row in rows] == [str(consultation.pk), str(registration.pk), str(void.pk)]
    first = rows[0]
    assert (first["NHS number"], first["Activity date and time"], first["Status"]) == (
        "943 476 5919",
        "2026-11-23 09:05",
        "Re-entered and checked",
    )
    assert first["Re-entered by"] == staff.get_full_name()
    assert first["Checked by"] == colleague.get_full_name()
    assert (rows[1]["Patient name"], rows[1]["Status"], rows[1]["NHS number"]) == ("Zoë Brontë", "To re-register", "")
    assert (rows[2]["Status"], rows[2]["Reason for voiding"]) == ("Voided", "Duplicate of entry 1")
    assert AccessEvent.objects.filter(user=staff, action="exported_csv", migration=cutover).count() == 1


def test_stock_quantities_are_written_plainly(client, staff, dispensing_cutover, after_go_live):
    EntryFactory(
        migration=dispensing_cutover,
        recorded_by=staff,
        kind=Kind.DISPENSARY_STOCK,
        nhs_number="",
        summary="",
        stock_item="Amoxicillin",
        stock_quantity=Decimal("300.00"),
        stock_unit="capsules",
    )
    client.force_login(staff)
    _, rows = download(client, dispensing_cutover)
    assert (rows[0]["Stock item"], rows[0]["Quantity"], rows[0]["Unit"]) == ("Amoxicillin", "300", "capsules")


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_defused(client, staff, cutover, after_go_live):
    EntryFactory(migration=cutover, recorded_by=staff, summary='=HYPERLINK("https://evil.example","Click")')
    RegistrationEntryFactory(
        migration=cutover, recorded_by=staff, patient_name="@SUM(1+1)", patient_address="+44 20 7946 0000"
    )
    client.force_login(staff)
    _, rows = download(client, cutover)
    assert rows[0]["What must be re-entered"] == '\'=HYPERLINK("https://evil.example","Click")'
    assert rows[1]["Patient name"] == "'@SUM(1+1)"
    assert rows[1]["Address"] == "'+44 20 7946 0000"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("a=b", "a=b"),
        (None, ""),
        ("Flat 2\x0b1 High St", "Flat 2\n1 High St"),
        ("Dup\x00licate\x1b", "Duplicate"),
        ("=\x01SUM(1)", "'=SUM(1)"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_the_export_is_one_query_for_the_entries_however_many(
    client, staff, colleague, cutover, after_go_live, django_assert_max_num_queries
):
    client.force_login(staff)
    for entry in EntryFactory.create_batch(15, migration=cutover, recorded_by=colleague):
        services.entry_mark_re_entered(entry=entry, by=staff)
    with django_assert_max_num_queries(8):
        _, rows = download(client, cutover)
    assert len(rows) == 15
