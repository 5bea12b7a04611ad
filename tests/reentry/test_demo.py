import pytest
from django.core.management import call_command

from cutover.models import Migration
from reentry.models import Entry, Kind
from reentry.nhs_number import validate_nhs_number
from reentry.services import reentry_counts

pytestmark = pytest.mark.django_db


def test_seed_demo_records_entries_for_the_migrations_in_and_after_cutover(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    by_stage = {m.stage(): m for m in Migration.objects.all()}
    assert not Entry.objects.filter(migration=by_stage["planning"]).exists()

    during = reentry_counts(by_stage["cutover"])
    assert during.recorded >= 5
    assert during.to_re_enter == during.recorded
    assert len(during.by_kind) >= 5

    after = reentry_counts(by_stage["after go-live"])
    assert after.voided == 1
    assert 0 < after.to_re_enter < after.recorded
    assert after.registrations_to_re_register == 1
    entries = Entry.objects.filter(migration=by_stage["after go-live"])
    assert entries.filter(kind=Kind.DISPENSARY_STOCK).exists()
    assert entries.filter(checked_at__isnull=False).exists()
    for entry in Entry.objects.exclude(nhs_number=""):
        assert entry.nhs_number.startswith("999")
        validate_nhs_number(entry.nhs_number)


def test_seed_demo_twice_records_nothing_twice(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    before = list(Entry.objects.values_list("pk", "re_entered_at", "checked_at", "voided_at").order_by("pk"))
    history = Entry.history.count()
    call_command("seed_demo")
    assert list(Entry.objects.values_list("pk", "re_entered_at", "checked_at", "voided_at").order_by("pk")) == before
    assert Entry.history.count() == history
