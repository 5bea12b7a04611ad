"""Re-entry entries keep patient identifiers only while the practice may still need them.

The cutover here: FDP 23 Nov 2026, go-live 30 Nov 2026, 90 days of legacy support (ends 28 Feb 2027),
and REENTRY_RETENTION_DAYS of 30, so identifiers go on 30 Mar 2027 if everything was re-entered by
the time legacy support ended.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from cutover.celery import app
from reentry import jobs, retention
from reentry.models import Entry, Kind
from reentry.services import entry_mark_re_entered, entry_void, reentry_counts

from ..factories import at
from .conftest import GO_LIVE, travel
from .factories import EntryFactory, RegistrationEntryFactory

pytestmark = pytest.mark.django_db

LEGACY_END = datetime.date(2027, 2, 28)
DUE = datetime.date(2027, 3, 30)
IDENTIFYING = ["nhs_number", "patient_name", "patient_date_of_birth", "patient_address", "summary", "void_reason"]


@pytest.fixture(autouse=True)
def thirty_days(settings):
    settings.REENTRY_RETENTION_DAYS = 30
    settings.LEGACY_SUPPORT_DAYS = 90


@pytest.fixture
def log(cutover, staff):
    """A consultation and a registration re-entered on go-live day, and a duplicate voided then."""
    consultation = EntryFactory(migration=cutover, summary="Asthma review for Mrs Example, inhaler changed")
    registration = RegistrationEntryFactory(migration=cutover)
    duplicate = EntryFactory(migration=cutover, kind=Kind.TELEPHONE_CALL)
    with travel(at(GO_LIVE, 11)):
        entry_mark_re_entered(entry=consultation, by=staff)
        entry_mark_re_entered(entry=registration, by=staff)
        entry_void(entry=duplicate, reason=f"Duplicate of {consultation.nhs_number}", by=staff)
    return {"consultation": consultation, "registration": registration, "duplicate": duplicate}


def identifiers_of(entries) -> list[str]:
    values = []
    for entry in entries:
        for name in IDENTIFYING:
            value = getattr(entry, name)
            if value:
                values.append(str(value))
    return values


def stored_text() -> str:
    """Every value of every entry and every history row of one, as one string to search."""
    rows = [*Entry.objects.values(), *Entry.history.values()]
    return " ".join(str(value) for row in rows for value in row.values())


def run_on(day: datetime.date) -> int:
    with travel(at(day, 2)):
        return jobs.purge_identifiers()


def test_identifiers_go_once_legacy_support_has_ended_nothing_is_left_and_the_delay_has_passed(log, staff):
    secrets = identifiers_of(Entry.objects.all())
    assert secrets and all(secret in stored_text() for secret in secrets)

    assert run_on(DUE) == 3

    for entry in Entry.objects.all():
        assert entry.identifiers_removed_at is not None
        assert [getattr(entry, name) for name in IDENTIFYING] == ["", "", None, "", "", ""]
        assert entry.subject == "Patient details removed"
    text = stored_text()
    assert [secret for secret in secrets if secret in text] == []


def test_what_happened_and_who_did_it_stay(log, staff):
    before = {e.pk: e for e in Entry.objects.all()}
    run_on(DUE)
    for entry in Entry.objects.all():
        old = before[entry.pk]
        kept = ["kind", "occurred_at", "recorded_at", "recorded_by_id", "re_entered_by_id", "re_entered_at"]
        kept += ["voided_by_id", "voided_at", "from_paper"]
        assert [getattr(entry, name) for name in kept] == [getattr(old, name) for name in kept]


def test_counts_are_the_same_afterwards(log):
    before = reentry_counts(log["consultation"].migration)
    run_on(DUE)
    assert reentry_counts(log["consultation"].migration) == before


def test_nothing_is_removed_the_day_before_the_delay_ends(log):
    assert run_on(DUE - datetime.timedelta(days=1)) == 0
    assert not Entry.objects.filter(identifiers_removed_at__isnull=False).exists()
    assert Entry.objects.get(pk=log["consultation"].pk).nhs_number == log["consultation"].nhs_number


def test_nothing_is_removed_while_anything_is_left_to_re_enter(log, cutover):
    EntryFactory(migration=cutover)
    assert run_on(DUE + datetime.timedelta(days=400)) == 0
    assert Entry.objects.exclude(nhs_number="").count() == 3


def test_nothing_is_removed_before_legacy_support_ends_even_with_no_delay(log, settings):
    settings.REENTRY_RETENTION_DAYS = 0
    assert run_on(LEGACY_END - datetime.timedelta(days=1)) == 0
    assert run_on(LEGACY_END) == 3


def test_the_delay_counts_from_the_last_re_entry_when_that_comes_after_legacy_support_ends(cutover, staff):
    entry = EntryFactory(migration=cutover)
    with travel(at(datetime.date(2027, 3, 15))):
        entry_mark_re_entered(entry=entry, by=staff)
    assert retention.retention_of(cutover).due_on == datetime.date(2027, 4, 14)
    assert run_on(datetime.date(2027, 4, 13)) == 0
    assert run_on(datetime.date(2027, 4, 14)) == 1


def test_the_history_of_each_entry_is_cleared_and_says_when_and_why(log):
    consultation = log["consultation"]
    assert consultation.history.count() == 2
    run_on(DUE)
    records = list(consultation.history.order_by("history_date", "history_id"))
    assert len(records) == 3
    assert all(record.nhs_number == "" and record.summary == "" for record in records)
    removal = records[-1]
    assert removal.history_user is None  # the system did it, not a person
    assert removal.history_change_reason == retention.CHANGE_REASON
    assert removal.identifiers_removed_at is not None
    assert records[1].re_entered_by_id == records[2].re_entered_by_id is not None


def test_running_again_changes_nothing(log):
    run_on(DUE)
    history = Entry.history.count()
    assert run_on(DUE) == 0
    assert run_on(DUE + datetime.timedelta(days=30)) == 0
    assert Entry.history.count() == history


def test_an_entry_recorded_from_paper_after_removal_keeps_its_details_until_its_own_time(log, cutover, staff):
    run_on(DUE)
    late = EntryFactory(migration=cutover, from_paper=True)
    assert run_on(DUE + datetime.timedelta(days=60)) == 0
    late.refresh_from_db()
    assert late.nhs_number and late.identifiers_removed_at is None
    with travel(at(DUE + datetime.timedelta(days=61))):
        entry_mark_re_entered(entry=late, by=staff)
    assert run_on(DUE + datetime.timedelta(days=61 + 30)) == 1


def test_other_migrations_are_left_alone(log, other_practice, suppliers):
    from ..factories import MigrationFactory

    later = MigrationFactory(
        practice=other_practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=datetime.date(2027, 3, 1),
        go_live_date=datetime.date(2027, 3, 8),
    )
    theirs = EntryFactory(
        migration=later, re_entered_by=log["consultation"].recorded_by, re_entered_at=at(later.go_live_date)
    )
    run_on(DUE)
    theirs.refresh_from_db()
    assert theirs.identifiers_removed_at is None and theirs.nhs_number


def test_the_database_refuses_identifiers_on_an_entry_marked_as_cleared(log):
    entry = Entry.objects.get(pk=log["consultation"].pk)
    entry.identifiers_removed_at = entry.re_entered_at
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()


def test_the_database_still_requires_an_nhs_number_before_removal(cutover):
    with pytest.raises(IntegrityError), transaction.atomic():
        EntryFactory(migration=cutover, nhs_number="")


def test_the_dry_run_lists_what_would_go_and_changes_nothing(log):
    out = io.StringIO()
    with travel(at(DUE, 2)):
        call_command("purge_identifiers", "--dry-run", stdout=out)
    assert "3 entries would lose their patient details" in out.getvalue()
    assert "Riverside Medical Centre (A81001)" in out.getvalue()
    assert not Entry.objects.filter(identifiers_removed_at__isnull=False).exists()
    assert [secret for secret in identifiers_of(Entry.objects.all()) if secret in out.getvalue()] == []


def test_the_command_removes_what_is_due(log):
    out = io.StringIO()
    with travel(at(DUE, 2)):
        call_command("purge_identifiers", stdout=out)
    assert "3 entries lost their patient details" in out.getvalue()
    assert Entry.objects.filter(identifiers_removed_at__isnull=False).count() == 3


def test_the_job_runs_daily_from_the_one_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reentry-purge-identifiers"]
    assert entry["task"] == jobs.purge_identifiers.name
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}
    app.loader.import_default_modules()
    assert jobs.purge_identifiers.name in app.tasks


def test_the_log_pages_and_export_still_work_after_removal(client, log, staff):
    run_on(DUE)
    migration = log["consultation"].migration
    with travel(at(DUE, 9)):
        client.force_login(staff)
        page = client.get(reverse("reentry-log", args=[migration.pk]))
        assert page.status_code == 200
        assert page.content.decode().count("Patient details removed") == 3
        detail = client.get(reverse("reentry-entry", args=[migration.pk, log["registration"].pk]))
        assert detail.status_code == 200
        assert "Patient details removed on" in detail.content.decode()
        export = client.get(reverse("reentry-export", args=[migration.pk]))
        rows = b"".join(export.streaming_content).decode().splitlines()
        assert len(rows) == 4
